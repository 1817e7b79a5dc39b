package io.topicmesh.node.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import org.bouncycastle.asn1.ASN1BitString;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECNamedDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * ECDSA keys on the NIST curves (P-256 by default; P-224, P-384 and P-521 are read as go-libp2p
 * does). Public Data is a DER SubjectPublicKeyInfo with a named curve and an uncompressed point;
 * private Data is a DER SEC 1 ECPrivateKey with the named curve (what Go's x509 package writes;
 * the spec's prose says "PKIX" but its test vector is SEC 1; PKCS#8 input is read too).
 * Signatures are DER ECDSA over SHA-256 with an RFC 6979 nonce.
 */
final class EcdsaKeys {
  /** Largest DER we parse: a P-521 private key with its public point is about 223 bytes. */
  static final int MAX_DER_BYTES = 512;

  private static final Map<ASN1ObjectIdentifier, String> CURVES =
      Map.of(
          SECObjectIdentifiers.secp224r1, "P-224",
          SECObjectIdentifiers.secp256r1, "P-256",
          SECObjectIdentifiers.secp384r1, "P-384",
          SECObjectIdentifiers.secp521r1, "P-521");

  private EcdsaKeys() {}

  static PubKey publicKey(byte[] data) {
    SubjectPublicKeyInfo info;
    try {
      info = SubjectPublicKeyInfo.getInstance(strictDer(data, "ECDSA public key"));
    } catch (InvalidKeyException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw invalid("ECDSA public key is not a DER SubjectPublicKeyInfo", e);
    }
    AlgorithmIdentifier algorithm = info.getAlgorithm();
    if (!X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm.getAlgorithm())) {
      throw new InvalidKeyException(
          "ECDSA public key has algorithm " + algorithm.getAlgorithm() + ", not id-ecPublicKey");
    }
    ECNamedDomainParameters domain = domain(algorithm.getParameters());
    if (info.getPublicKeyData().getPadBits() != 0) {
      throw new InvalidKeyException("ECDSA public key bit string is not whole bytes");
    }
    ECPoint q = point(domain, info.getPublicKeyData().getOctets());
    return new Pub(new ECPublicKeyParameters(q, domain));
  }

  static PrivKey privateKey(byte[] data) {
    ASN1Primitive der = strictDer(data, "ECDSA private key");
    ASN1Encodable outerCurve = null;
    ECPrivateKey sec1;
    try {
      PrivateKeyInfo pkcs8 = pkcs8OrNull(der);
      if (pkcs8 != null) {
        // Accepted for robustness (the spec's prose says "PKIX"); written back as SEC 1.
        if (!X9ObjectIdentifiers.id_ecPublicKey.equals(
            pkcs8.getPrivateKeyAlgorithm().getAlgorithm())) {
          throw new InvalidKeyException(
              "ECDSA private key is PKCS#8 for algorithm "
                  + pkcs8.getPrivateKeyAlgorithm().getAlgorithm()
                  + ", not id-ecPublicKey");
        }
        outerCurve = pkcs8.getPrivateKeyAlgorithm().getParameters();
        sec1 = ECPrivateKey.getInstance(pkcs8.parsePrivateKey());
      } else {
        sec1 = ECPrivateKey.getInstance(der);
      }
    } catch (InvalidKeyException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw invalid("ECDSA private key is not a DER SEC 1 ECPrivateKey", e);
    }
    ASN1Sequence seq = ASN1Sequence.getInstance(sec1.toASN1Primitive());
    BigInteger version = ASN1Integer.getInstance(seq.getObjectAt(0)).getValue();
    if (!BigInteger.ONE.equals(version)) {
      throw new InvalidKeyException("ECDSA private key has SEC 1 version " + version + ", not 1");
    }
    ASN1Encodable curve =
        sec1.getParametersObject() != null ? sec1.getParametersObject() : outerCurve;
    if (curve == null) {
      throw new InvalidKeyException("ECDSA private key does not name its curve");
    }
    if (outerCurve != null && !outerCurve.equals(curve)) {
      throw new InvalidKeyException("ECDSA PKCS#8 private key names two different curves");
    }
    ECNamedDomainParameters domain = domain(curve);
    byte[] scalar = ASN1OctetString.getInstance(seq.getObjectAt(1)).getOctets();
    if (scalar.length > scalarBytes(domain)) {
      throw new InvalidKeyException(
          "ECDSA private key scalar of "
              + scalar.length
              + " bytes is too long for "
              + CURVES.get(domain.getName()));
    }
    BigInteger d = new BigInteger(1, scalar);
    if (d.signum() == 0 || d.compareTo(domain.getN()) >= 0) {
      throw new InvalidKeyException("ECDSA private key is not in [1, n-1]");
    }
    Priv key = new Priv(new ECPrivateKeyParameters(d, domain));
    ASN1BitString embedded = sec1.getPublicKey();
    if (embedded != null
        && !Arrays.equals(embedded.getOctets(), key.pub.params.getQ().getEncoded(false))) {
      throw new InvalidKeyException("ECDSA private key embeds a public key that is not its own");
    }
    return key;
  }

  static PrivKey generate(SecureRandom random) {
    ECNamedDomainParameters domain = domain(SECObjectIdentifiers.secp256r1);
    BigInteger d;
    do {
      d = BigIntegers.createRandomBigInteger(domain.getN().bitLength(), random);
    } while (d.signum() == 0 || d.compareTo(domain.getN()) >= 0);
    return new Priv(new ECPrivateKeyParameters(d, domain));
  }

  /** A PKCS#8 PrivateKeyInfo (INTEGER 0, AlgorithmIdentifier, ...), or null for anything else. */
  private static PrivateKeyInfo pkcs8OrNull(ASN1Primitive der) {
    if (der instanceof ASN1Sequence seq
        && seq.size() >= 3
        && seq.getObjectAt(0) instanceof ASN1Integer version
        && version.hasValue(0)
        && seq.getObjectAt(1) instanceof ASN1Sequence) {
      return PrivateKeyInfo.getInstance(seq);
    }
    return null;
  }

  private static ASN1Primitive strictDer(byte[] data, String what) {
    if (data.length > MAX_DER_BYTES) {
      throw new InvalidKeyException(
          what + " of " + data.length + " bytes exceeds the limit " + MAX_DER_BYTES);
    }
    try {
      ASN1Primitive primitive = ASN1Primitive.fromByteArray(data);
      if (!Arrays.equals(primitive.getEncoded(ASN1Encoding.DER), data)) {
        throw new InvalidKeyException(what + " is not in canonical DER (or has trailing bytes)");
      }
      return primitive;
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidKeyException ike) {
        throw ike;
      }
      throw invalid(what + " is not valid DER", e);
    }
  }

  private static ECNamedDomainParameters domain(ASN1Encodable parameters) {
    ASN1ObjectIdentifier oid;
    try {
      oid = ASN1ObjectIdentifier.getInstance(parameters);
    } catch (IllegalArgumentException e) {
      throw invalid("ECDSA key parameters are not a named curve", e);
    }
    if (oid == null || !CURVES.containsKey(oid)) {
      throw new InvalidKeyException(
          "ECDSA key uses curve " + oid + "; only P-224, P-256, P-384 and P-521 are supported");
    }
    X9ECParameters x9 = CustomNamedCurves.getByOID(oid);
    if (x9 == null) {
      x9 = ECNamedCurveTable.getByOID(oid);
    }
    return new ECNamedDomainParameters(oid, x9);
  }

  private static ECPoint point(ECDomainParameters domain, byte[] encoded) {
    if (encoded.length == 0 || encoded[0] != 0x04) {
      throw new InvalidKeyException("ECDSA public key point must be uncompressed (0x04 prefix)");
    }
    ECPoint point;
    try {
      point = domain.getCurve().decodePoint(encoded);
    } catch (IllegalArgumentException e) {
      throw invalid("ECDSA public key is not a point on the curve", e);
    }
    if (point.isInfinity() || !point.isValid()) {
      throw new InvalidKeyException("ECDSA public key is not a valid curve point");
    }
    return point.normalize();
  }

  private static int scalarBytes(ECDomainParameters domain) {
    return (domain.getN().bitLength() + 7) / 8;
  }

  private static InvalidKeyException invalid(String message, Exception cause) {
    return new InvalidKeyException(message + ": " + cause.getMessage(), cause);
  }

  private static byte[] der(ASN1Object object) {
    try {
      return object.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding failed", e);
    }
  }

  static final class Pub extends PubKey {
    final ECPublicKeyParameters params;

    Pub(ECPublicKeyParameters params) {
      this.params = params;
    }

    @Override
    public KeyType type() {
      return KeyType.ECDSA;
    }

    @Override
    public byte[] raw() {
      ECNamedDomainParameters domain = (ECNamedDomainParameters) params.getParameters();
      return der(
          new SubjectPublicKeyInfo(
              new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, domain.getName()),
              params.getQ().getEncoded(false)));
    }

    @Override
    public boolean verify(byte[] data, byte[] signature) {
      return EcSignatures.verify(params, data, signature);
    }
  }

  static final class Priv extends PrivKey {
    private final ECPrivateKeyParameters params;
    final Pub pub;

    Priv(ECPrivateKeyParameters params) {
      this.params = params;
      this.pub =
          new Pub(
              new ECPublicKeyParameters(
                  params.getParameters().getG().multiply(params.getD()).normalize(),
                  params.getParameters()));
    }

    @Override
    public KeyType type() {
      return KeyType.ECDSA;
    }

    @Override
    public PubKey publicKey() {
      return pub;
    }

    @Override
    public byte[] sign(byte[] data) {
      return EcSignatures.sign(params, data, false);
    }

    @Override
    public byte[] raw() {
      ECNamedDomainParameters domain = (ECNamedDomainParameters) params.getParameters();
      return der(
          new ECPrivateKey(
              domain.getN().bitLength(),
              params.getD(),
              new DERBitString(pub.params.getQ().getEncoded(false)),
              domain.getName()));
    }
  }
}
