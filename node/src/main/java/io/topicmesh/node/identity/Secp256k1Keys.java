package io.topicmesh.node.identity;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * secp256k1 keys in Bitcoin encoding: public Data is the 33-byte compressed point (65-byte
 * uncompressed input is accepted and re-encoded compressed, as go-libp2p does), private Data the
 * 32-byte scalar. Signatures are DER ECDSA over SHA-256 with an RFC 6979 nonce and low s.
 */
final class Secp256k1Keys {
  static final ECDomainParameters DOMAIN;
  static final int PRIVATE_BYTES = 32;

  static {
    X9ECParameters x9 = CustomNamedCurves.getByName("secp256k1");
    DOMAIN = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
  }

  private Secp256k1Keys() {}

  static PubKey publicKey(byte[] data) {
    if (data.length != 33 && !(data.length == 65 && data[0] == 0x04)) {
      throw new InvalidKeyException(
          "secp256k1 public key must be 33 bytes compressed (or 65 uncompressed), got "
              + data.length
              + " bytes");
    }
    ECPoint point;
    try {
      point = DOMAIN.getCurve().decodePoint(data);
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyException("secp256k1 public key is not a point on the curve", e);
    }
    if (point.isInfinity() || !point.isValid()) {
      throw new InvalidKeyException("secp256k1 public key is not a valid curve point");
    }
    return new Pub(new ECPublicKeyParameters(point.normalize(), DOMAIN));
  }

  static PrivKey privateKey(byte[] data) {
    if (data.length != PRIVATE_BYTES) {
      throw new InvalidKeyException(
          "secp256k1 private key must be " + PRIVATE_BYTES + " bytes, got " + data.length);
    }
    BigInteger d = new BigInteger(1, data);
    if (d.signum() == 0 || d.compareTo(DOMAIN.getN()) >= 0) {
      throw new InvalidKeyException("secp256k1 private key is not in [1, n-1]");
    }
    return new Priv(new ECPrivateKeyParameters(d, DOMAIN));
  }

  static PrivKey generate(SecureRandom random) {
    BigInteger d;
    do {
      d = BigIntegers.createRandomBigInteger(DOMAIN.getN().bitLength(), random);
    } while (d.signum() == 0 || d.compareTo(DOMAIN.getN()) >= 0);
    return new Priv(new ECPrivateKeyParameters(d, DOMAIN));
  }

  static final class Pub extends PubKey {
    final ECPublicKeyParameters params;

    Pub(ECPublicKeyParameters params) {
      this.params = params;
    }

    @Override
    public KeyType type() {
      return KeyType.SECP256K1;
    }

    @Override
    public byte[] raw() {
      return params.getQ().getEncoded(true);
    }

    @Override
    public boolean verify(byte[] data, byte[] signature) {
      return EcSignatures.verify(params, data, signature);
    }
  }

  static final class Priv extends PrivKey {
    private final ECPrivateKeyParameters params;
    private final Pub pub;

    Priv(ECPrivateKeyParameters params) {
      this.params = params;
      this.pub =
          new Pub(
              new ECPublicKeyParameters(
                  DOMAIN.getG().multiply(params.getD()).normalize(), DOMAIN));
    }

    @Override
    public KeyType type() {
      return KeyType.SECP256K1;
    }

    @Override
    public PubKey publicKey() {
      return pub;
    }

    @Override
    public byte[] sign(byte[] data) {
      return EcSignatures.sign(params, data, true);
    }

    @Override
    public byte[] raw() {
      return BigIntegers.asUnsignedByteArray(PRIVATE_BYTES, params.getD());
    }
  }
}
