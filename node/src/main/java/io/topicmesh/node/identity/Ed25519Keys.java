package io.topicmesh.node.identity;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 keys: public Data is the 32-byte key; private Data is seed || public (64 bytes), or the
 * legacy seed || public || public (96 bytes) whose two public copies must agree.
 */
final class Ed25519Keys {
  static final int PUBLIC_BYTES = 32;
  static final int SEED_BYTES = 32;
  static final int SIGNATURE_BYTES = 64;

  private Ed25519Keys() {}

  static PubKey publicKey(byte[] data) {
    if (data.length != PUBLIC_BYTES) {
      throw new InvalidKeyException(
          "Ed25519 public key must be " + PUBLIC_BYTES + " bytes, got " + data.length);
    }
    try {
      return new Pub(new Ed25519PublicKeyParameters(data, 0));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyException("Ed25519 public key is not a valid curve point", e);
    }
  }

  static PrivKey privateKey(byte[] data) {
    if (data.length != SEED_BYTES + PUBLIC_BYTES && data.length != SEED_BYTES + 2 * PUBLIC_BYTES) {
      throw new InvalidKeyException(
          "Ed25519 private key must be 64 bytes (seed || public) or the legacy 96 bytes, got "
              + data.length);
    }
    byte[] claimedPublic = Arrays.copyOfRange(data, SEED_BYTES, SEED_BYTES + PUBLIC_BYTES);
    if (data.length == SEED_BYTES + 2 * PUBLIC_BYTES
        && !MessageDigest.isEqual(
            claimedPublic, Arrays.copyOfRange(data, SEED_BYTES + PUBLIC_BYTES, data.length))) {
      throw new InvalidKeyException(
          "legacy 96-byte Ed25519 private key holds two different public keys");
    }
    Ed25519PrivateKeyParameters params = new Ed25519PrivateKeyParameters(data, 0);
    Priv key = new Priv(params);
    if (!MessageDigest.isEqual(claimedPublic, key.pub.params.getEncoded())) {
      throw new InvalidKeyException(
          "Ed25519 private key: the public half does not belong to the seed");
    }
    return key;
  }

  static PrivKey generate(SecureRandom random) {
    return new Priv(new Ed25519PrivateKeyParameters(random));
  }

  static final class Pub extends PubKey {
    final Ed25519PublicKeyParameters params;

    Pub(Ed25519PublicKeyParameters params) {
      this.params = params;
    }

    @Override
    public KeyType type() {
      return KeyType.ED25519;
    }

    @Override
    public byte[] raw() {
      return params.getEncoded();
    }

    @Override
    public boolean verify(byte[] data, byte[] signature) {
      if (data == null || signature == null || signature.length != SIGNATURE_BYTES) {
        return false;
      }
      try {
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, params);
        verifier.update(data, 0, data.length);
        return verifier.verifySignature(signature);
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  static final class Priv extends PrivKey {
    private final Ed25519PrivateKeyParameters params;
    final Pub pub;

    Priv(Ed25519PrivateKeyParameters params) {
      this.params = params;
      this.pub = new Pub(params.generatePublicKey());
    }

    @Override
    public KeyType type() {
      return KeyType.ED25519;
    }

    @Override
    public PubKey publicKey() {
      return pub;
    }

    @Override
    public byte[] sign(byte[] data) {
      Ed25519Signer signer = new Ed25519Signer();
      signer.init(true, params);
      signer.update(data, 0, data.length);
      return signer.generateSignature();
    }

    @Override
    public byte[] raw() {
      byte[] out = new byte[SEED_BYTES + PUBLIC_BYTES];
      params.encode(out, 0);
      System.arraycopy(pub.params.getEncoded(), 0, out, SEED_BYTES, PUBLIC_BYTES);
      return out;
    }
  }
}
