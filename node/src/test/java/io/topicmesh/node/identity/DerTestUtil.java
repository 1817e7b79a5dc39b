package io.topicmesh.node.identity;

import java.io.IOException;
import java.math.BigInteger;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;

final class DerTestUtil {
  private DerTestUtil() {}

  static BigInteger[] parseRs(byte[] der) {
    ASN1Sequence seq = ASN1Sequence.getInstance(der);
    return new BigInteger[] {
      ASN1Integer.getInstance(seq.getObjectAt(0)).getValue(),
      ASN1Integer.getInstance(seq.getObjectAt(1)).getValue()
    };
  }

  static byte[] encodeRs(BigInteger r, BigInteger s) {
    try {
      return new DERSequence(new ASN1Integer[] {new ASN1Integer(r), new ASN1Integer(s)})
          .getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
