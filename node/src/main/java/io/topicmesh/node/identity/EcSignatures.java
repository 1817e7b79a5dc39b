package io.topicmesh.node.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/**
 * ECDSA over SHA-256 with DER-encoded {@code SEQUENCE { r INTEGER, s INTEGER }} signatures, as
 * both secp256k1 and ECDSA libp2p keys use.
 */
final class EcSignatures {
  /** A DER signature on P-521 is at most 139 bytes; anything longer is not worth parsing. */
  static final int MAX_SIGNATURE_BYTES = 160;

  private EcSignatures() {}

  static byte[] sha256(byte[] data) {
    SHA256Digest digest = new SHA256Digest();
    digest.update(data, 0, data.length);
    byte[] out = new byte[digest.getDigestSize()];
    digest.doFinal(out, 0);
    return out;
  }

  /**
   * Signs SHA-256({@code data}) with the nonce derived as RFC 6979 says, so signatures are
   * deterministic and need no entropy. With {@code lowS} s is normalised to the lower half of the
   * order (BIP 62, what secp256k1 signers produce).
   */
  static byte[] sign(ECPrivateKeyParameters key, byte[] data, boolean lowS) {
    ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
    signer.init(true, key);
    BigInteger[] rs = signer.generateSignature(sha256(data));
    BigInteger n = key.getParameters().getN();
    BigInteger s = rs[1];
    if (lowS && s.compareTo(n.shiftRight(1)) > 0) {
      s = n.subtract(s);
    }
    try {
      return new DERSequence(new ASN1Integer[] {new ASN1Integer(rs[0]), new ASN1Integer(s)})
          .getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding of an ECDSA signature failed", e);
    }
  }

  /**
   * Verifies a DER signature over SHA-256({@code data}); both low and high s are accepted.
   * Anything that is not strict DER with 0 &lt; r, s &lt; n is a failed verification.
   */
  static boolean verify(ECPublicKeyParameters key, byte[] data, byte[] signature) {
    if (data == null || signature == null || signature.length > MAX_SIGNATURE_BYTES) {
      return false;
    }
    BigInteger[] rs = parseDer(signature, key.getParameters());
    if (rs == null) {
      return false;
    }
    try {
      ECDSASigner verifier = new ECDSASigner();
      verifier.init(false, key);
      return verifier.verifySignature(sha256(data), rs[0], rs[1]);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static BigInteger[] parseDer(byte[] signature, ECDomainParameters domain) {
    try {
      ASN1Primitive primitive = ASN1Primitive.fromByteArray(signature);
      if (!(primitive instanceof ASN1Sequence seq) || seq.size() != 2) {
        return null;
      }
      if (!(seq.getObjectAt(0) instanceof ASN1Integer r)
          || !(seq.getObjectAt(1) instanceof ASN1Integer s)) {
        return null;
      }
      // Only the one DER encoding is a valid signature (no BER lengths, padding or trailing data).
      if (!Arrays.equals(primitive.getEncoded(ASN1Encoding.DER), signature)) {
        return null;
      }
      BigInteger n = domain.getN();
      BigInteger rv = r.getValue();
      BigInteger sv = s.getValue();
      if (rv.signum() <= 0 || sv.signum() <= 0 || rv.compareTo(n) >= 0 || sv.compareTo(n) >= 0) {
        return null;
      }
      return new BigInteger[] {rv, sv};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
