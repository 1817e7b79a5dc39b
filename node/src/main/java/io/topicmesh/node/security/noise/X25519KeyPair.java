package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.security.SecureRandom;
import org.bouncycastle.math.ec.rfc7748.X25519;

/** An X25519 key pair (RFC 7748 encodings, 32 bytes each) and the Noise DH function. */
final class X25519KeyPair {
  static final int KEY_LENGTH = X25519.POINT_SIZE;

  private final byte[] privateKey;
  private final byte[] publicKey;

  private X25519KeyPair(byte[] privateKey) {
    this.privateKey = privateKey;
    this.publicKey = new byte[KEY_LENGTH];
    X25519.generatePublicKey(privateKey, 0, publicKey, 0);
  }

  static X25519KeyPair generate(SecureRandom random) {
    byte[] priv = new byte[X25519.SCALAR_SIZE];
    X25519.generatePrivateKey(random, priv);
    return new X25519KeyPair(priv);
  }

  /** A pair from a known private key (test vectors). */
  static X25519KeyPair fromPrivate(byte[] privateKey) {
    if (privateKey.length != X25519.SCALAR_SIZE) {
      throw new IllegalArgumentException("X25519 private keys are 32 bytes");
    }
    return new X25519KeyPair(privateKey.clone());
  }

  byte[] publicKey() {
    return publicKey.clone();
  }

  /** DH(this, remote); rejects low-order remote points, whose shared secret is all zeros. */
  byte[] dh(byte[] remotePublic) throws NoiseException {
    if (remotePublic.length != KEY_LENGTH) {
      throw new NoiseException(Reason.INVALID_KEY, "X25519 public key of wrong length");
    }
    byte[] shared = new byte[KEY_LENGTH];
    if (!X25519.calculateAgreement(privateKey, 0, remotePublic, 0, shared, 0)) {
      throw new NoiseException(Reason.INVALID_KEY, "X25519 public key of low order");
    }
    return shared;
  }
}
