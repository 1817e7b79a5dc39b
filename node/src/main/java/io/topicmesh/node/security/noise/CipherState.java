package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.nio.ByteBuffer;

/**
 * Noise CipherState for ChaChaPoly: a key and a 64-bit nonce counter.
 *
 * <p>Uses our {@link ChaCha20Poly1305}: on JDK 17 it is several times faster than the JDK's {@code
 * ChaCha20-Poly1305} cipher and than bouncycastle's (see {@code docs/benchmarks.md}). Not
 * thread-safe; each direction of a session owns one.
 */
final class CipherState {
  static final int TAG_LENGTH = ChaCha20Poly1305.TAG_LENGTH;
  static final int KEY_LENGTH = ChaCha20Poly1305.KEY_LENGTH;

  private ChaCha20Poly1305 aead;
  private long nonce;

  /** A CipherState with no key yet: encryption is the identity until {@link #initializeKey}. */
  CipherState() {}

  CipherState(byte[] key) {
    initializeKey(key);
  }

  void initializeKey(byte[] k) {
    if (k.length != KEY_LENGTH) {
      throw new IllegalArgumentException("ChaChaPoly keys are 32 bytes, got " + k.length);
    }
    aead = new ChaCha20Poly1305(k);
    nonce = 0;
  }

  boolean hasKey() {
    return aead != null;
  }

  /** The next nonce to be used (unsigned). */
  long nonce() {
    return nonce;
  }

  /** Sets the nonce counter; for tests of nonce exhaustion. */
  void setNonce(long n) {
    nonce = n;
  }

  byte[] encryptWithAd(byte[] ad, byte[] plaintext) throws NoiseException {
    if (aead == null) {
      return plaintext.clone();
    }
    byte[] out = new byte[plaintext.length + TAG_LENGTH];
    encrypt(ad, ByteBuffer.wrap(plaintext), ByteBuffer.wrap(out));
    return out;
  }

  byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
    if (aead == null) {
      return ciphertext.clone();
    }
    if (ciphertext.length < TAG_LENGTH) {
      throw new NoiseException(
          Reason.MALFORMED_MESSAGE, "ciphertext of " + ciphertext.length + " bytes has no tag");
    }
    byte[] out = new byte[ciphertext.length - TAG_LENGTH];
    decrypt(ad, ByteBuffer.wrap(ciphertext), ByteBuffer.wrap(out));
    return out;
  }

  /** Encrypts all of {@code in} into {@code out} (which needs in.remaining() + 16 bytes). */
  void encrypt(byte[] ad, ByteBuffer in, ByteBuffer out) throws NoiseException {
    checkNonce();
    // Noise's ChaChaPoly nonce: 32 zero bits, then the counter little-endian (noise spec §12.3).
    aead.seal(0, (int) nonce, (int) (nonce >>> 32), ad, in, out);
    nonce++;
  }

  /** Decrypts and authenticates all of {@code in} into {@code out}; the nonce moves on success. */
  void decrypt(byte[] ad, ByteBuffer in, ByteBuffer out) throws NoiseException {
    checkNonce();
    if (!aead.open(0, (int) nonce, (int) (nonce >>> 32), ad, in, out)) {
      throw new NoiseException(Reason.BAD_MAC, "message authentication failed at nonce " + nonce);
    }
    nonce++;
  }

  private void checkNonce() throws NoiseException {
    if (nonce == -1L) {
      // 2^64-1 is reserved by the Noise spec (rekey); reaching it means the session is spent.
      throw new NoiseException(Reason.NONCE_EXHAUSTED, "nonce space of this key is exhausted");
    }
  }
}
