package io.topicmesh.node.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Object;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.signers.RSADigestSigner;

/**
 * RSA keys: public Data is a DER SubjectPublicKeyInfo (rsaEncryption), private Data a DER PKCS#1
 * RSAPrivateKey. Signatures are RSASSA-PKCS1-v1_5 with SHA-256. Moduli outside [{@value
 * #MIN_BITS}, {@value #MAX_BITS}] bits are refused.
 */
final class RsaKeys {
  static final int MIN_BITS = 2048;
  static final int MAX_BITS = 16384;
  static final int GENERATED_BITS = 2048;
  private static final BigInteger PUBLIC_EXPONENT = BigInteger.valueOf(65537);
  private static final BigInteger MAX_EXPONENT = BigInteger.ONE.shiftLeft(31);

  private RsaKeys() {}

  static PubKey publicKey(byte[] data) {
    RSAPublicKey rsa;
    try {
      SubjectPublicKeyInfo info =
          SubjectPublicKeyInfo.getInstance(strictDer(data, "RSA public key"));
      if (!PKCSObjectIdentifiers.rsaEncryption.equals(info.getAlgorithm().getAlgorithm())) {
        throw new InvalidKeyException(
            "RSA public key has algorithm "
                + info.getAlgorithm().getAlgorithm()
                + ", not rsaEncryption");
      }
      rsa = RSAPublicKey.getInstance(info.parsePublicKey());
    } catch (IOException | IllegalArgumentException e) {
      if (e instanceof InvalidKeyException ike) {
        throw ike;
      }
      throw new InvalidKeyException(
          "RSA public key is not a DER SubjectPublicKeyInfo: " + e.getMessage(), e);
    }
    checkPublic(rsa.getModulus(), rsa.getPublicExponent());
    try {
      return new Pub(new RSAKeyParameters(false, rsa.getModulus(), rsa.getPublicExponent()));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyException("RSA public key is invalid: " + e.getMessage(), e);
    }
  }

  static PrivKey privateKey(byte[] data) {
    RSAPrivateKey k;
    try {
      k = RSAPrivateKey.getInstance(strictDer(data, "RSA private key"));
    } catch (IllegalArgumentException e) {
      if (e instanceof InvalidKeyException ike) {
        throw ike;
      }
      throw new InvalidKeyException(
          "RSA private key is not a DER PKCS#1 RSAPrivateKey: " + e.getMessage(), e);
    }
    if (k.getVersion().signum() != 0) {
      throw new InvalidKeyException("multi-prime RSA private keys are not supported");
    }
    BigInteger n = k.getModulus();
    BigInteger e = k.getPublicExponent();
    BigInteger d = k.getPrivateExponent();
    BigInteger p = k.getPrime1();
    BigInteger q = k.getPrime2();
    checkPublic(n, e);
    BigInteger pm1 = p.subtract(BigInteger.ONE);
    BigInteger qm1 = q.subtract(BigInteger.ONE);
    boolean consistent =
        p.signum() > 0
            && q.signum() > 0
            && d.signum() > 0
            && p.multiply(q).equals(n)
            && d.multiply(e).mod(pm1).equals(BigInteger.ONE)
            && d.multiply(e).mod(qm1).equals(BigInteger.ONE)
            && d.mod(pm1).equals(k.getExponent1())
            && d.mod(qm1).equals(k.getExponent2())
            && q.multiply(k.getCoefficient()).mod(p).equals(BigInteger.ONE);
    if (!consistent) {
      throw new InvalidKeyException("RSA private key components are inconsistent");
    }
    try {
      return new Priv(
          new RSAPrivateCrtKeyParameters(
              n, e, d, p, q, k.getExponent1(), k.getExponent2(), k.getCoefficient()));
    } catch (IllegalArgumentException ex) {
      throw new InvalidKeyException("RSA private key is invalid: " + ex.getMessage(), ex);
    }
  }

  static PrivKey generate(SecureRandom random) {
    RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
    generator.init(new RSAKeyGenerationParameters(PUBLIC_EXPONENT, random, GENERATED_BITS, 112));
    AsymmetricCipherKeyPair pair = generator.generateKeyPair();
    return new Priv((RSAPrivateCrtKeyParameters) pair.getPrivate());
  }

  private static void checkPublic(BigInteger n, BigInteger e) {
    int bits = n.bitLength();
    if (bits < MIN_BITS) {
      throw new InvalidKeyException(
          "RSA key of " + bits + " bits is too small (at least " + MIN_BITS + ")");
    }
    if (bits > MAX_BITS) {
      throw new InvalidKeyException(
          "RSA key of " + bits + " bits is too large (at most " + MAX_BITS + ")");
    }
    if (e.compareTo(BigInteger.valueOf(3)) < 0 || !e.testBit(0) || e.compareTo(MAX_EXPONENT) >= 0) {
      throw new InvalidKeyException(
          "RSA public exponent " + e + " is not an odd number in [3, 2^31)");
    }
  }

  private static ASN1Primitive strictDer(byte[] data, String what) {
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
      throw new InvalidKeyException(what + " is not valid DER: " + e.getMessage(), e);
    }
  }

  private static byte[] der(ASN1Object object) {
    try {
      return object.getEncoded(ASN1Encoding.DER);
    } catch (IOException e) {
      throw new IllegalStateException("DER encoding failed", e);
    }
  }

  static final class Pub extends PubKey {
    final RSAKeyParameters params;
    private final byte[] raw;

    Pub(RSAKeyParameters params) {
      this.params = params;
      this.raw =
          der(
              new SubjectPublicKeyInfo(
                  new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                  der(new RSAPublicKey(params.getModulus(), params.getExponent()))));
    }

    @Override
    public KeyType type() {
      return KeyType.RSA;
    }

    @Override
    public byte[] raw() {
      return raw.clone();
    }

    @Override
    public boolean verify(byte[] data, byte[] signature) {
      // A PKCS#1 v1.5 signature is exactly as long as the modulus.
      if (data == null
          || signature == null
          || signature.length != (params.getModulus().bitLength() + 7) / 8) {
        return false;
      }
      try {
        RSADigestSigner verifier = new RSADigestSigner(new SHA256Digest());
        verifier.init(false, params);
        verifier.update(data, 0, data.length);
        return verifier.verifySignature(signature);
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  static final class Priv extends PrivKey {
    private final RSAPrivateCrtKeyParameters params;
    private final Pub pub;

    Priv(RSAPrivateCrtKeyParameters params) {
      this.params = params;
      this.pub =
          new Pub(new RSAKeyParameters(false, params.getModulus(), params.getPublicExponent()));
    }

    @Override
    public KeyType type() {
      return KeyType.RSA;
    }

    @Override
    public PubKey publicKey() {
      return pub;
    }

    @Override
    public byte[] sign(byte[] data) {
      RSADigestSigner signer = new RSADigestSigner(new SHA256Digest());
      signer.init(true, params);
      signer.update(data, 0, data.length);
      try {
        return signer.generateSignature();
      } catch (CryptoException e) {
        throw new IllegalStateException("RSA signing failed", e);
      }
    }

    @Override
    public byte[] raw() {
      return der(
          new RSAPrivateKey(
              params.getModulus(),
              params.getPublicExponent(),
              params.getExponent(),
              params.getP(),
              params.getQ(),
              params.getDP(),
              params.getDQ(),
              params.getQInv()));
    }
  }
}
