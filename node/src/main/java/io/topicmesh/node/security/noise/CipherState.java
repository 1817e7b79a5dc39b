package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Noise CipherState for ChaChaPoly: a key and a 64-bit nonce counter.
 *
 * <p>Uses the JDK's {@code ChaCha20-Poly1305} cipher: on 65519-byte frames it measured about twice
 * as fast as bouncycastle's lightweight ChaCha20Poly1305 here (JDK 17: ~240-270 MB/s vs ~125-135
 * MB/s encrypt+decrypt). Not thread-safe; each direction of a session owns one.
 */
final class CipherState {
  static final int TAG_LENGTH = 16;
  static final int KEY_LENGTH = 32;
  private static final byte[] EMPTY = new byte[0];

  private SecretKeySpec key;
  private long nonce;
  private Cipher cipher;

  /** A CipherState with no key yet: encryption is the identity until {@link #initializeKey}. */
  CipherState() {}

  CipherState(byte[] key) {
    initializeKey(key);
  }

  void initializeKey(byte[] k) {
    if (k.length != KEY_LENGTH) {
      throw new IllegalArgumentException("ChaChaPoly keys are 32 bytes, got " + k.length);
    }
    key = new SecretKeySpec(k, "ChaCha20");
    nonce = 0;
    if (cipher == null) {
      cipher = newCipher();
    }
  }

  boolean hasKey() {
    return key != null;
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
    if (key == null) {
      return plaintext.clone();
    }
    byte[] out = new byte[plaintext.length + TAG_LENGTH];
    encrypt(ad, ByteBuffer.wrap(plaintext), ByteBuffer.wrap(out));
    return out;
  }

  byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
    if (key == null) {
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
    init(Cipher.ENCRYPT_MODE, ad);
    try {
      cipher.doFinal(in, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
    nonce++;
  }

  /** Decrypts and authenticates all of {@code in} into {@code out}; the nonce moves on success. */
  void decrypt(byte[] ad, ByteBuffer in, ByteBuffer out) throws NoiseException {
    init(Cipher.DECRYPT_MODE, ad);
    try {
      cipher.doFinal(in, out);
    } catch (AEADBadTagException e) {
      throw new NoiseException(Reason.BAD_MAC, "message authentication failed at nonce " + nonce);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 decryption failed", e);
    }
    nonce++;
  }

  private void init(int mode, byte[] ad) throws NoiseException {
    if (nonce == -1L) {
      // 2^64-1 is reserved by the Noise spec (rekey); reaching it means the session is spent.
      throw new NoiseException(Reason.NONCE_EXHAUSTED, "nonce space of this key is exhausted");
    }
    byte[] iv = new byte[12];
    long n = nonce;
    for (int i = 0; i < 8; i++) {
      iv[4 + i] = (byte) n;
      n >>>= 8;
    }
    try {
      cipher.init(mode, key, new IvParameterSpec(iv));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 init failed", e);
    }
    if (ad != null && ad.length > 0) {
      cipher.updateAAD(ad);
    } else {
      cipher.updateAAD(EMPTY);
    }
  }

  private static Cipher newCipher() {
    try {
      return Cipher.getInstance("ChaCha20-Poly1305");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no ChaCha20-Poly1305 cipher", e);
    }
  }
}
