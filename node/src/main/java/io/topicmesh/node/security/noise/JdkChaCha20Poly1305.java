package io.topicmesh.node.security.noise;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 through the JDK's {@code javax.crypto} cipher, Noise nonce layout. Chosen by
 * {@link AeadChoice} on JVMs with ChaCha20 and Poly1305 intrinsics (JDK 20+ on x86-64/aarch64),
 * where it is several times faster than {@link ChaCha20Poly1305}. One per key; not thread-safe.
 */
final class JdkChaCha20Poly1305 {
  private static final byte[] EMPTY = new byte[0];

  private final SecretKeySpec key;
  private final Cipher cipher;
  private final byte[] iv = new byte[12];

  JdkChaCha20Poly1305(byte[] key) {
    this.key = new SecretKeySpec(key, "ChaCha20");
    try {
      cipher = Cipher.getInstance("ChaCha20-Poly1305");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no ChaCha20-Poly1305 cipher", e);
    }
  }

  void seal(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    try {
      init(Cipher.ENCRYPT_MODE, nonce, ad);
      cipher.doFinal(in, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 encryption failed", e);
    }
  }

  /** False if the tag does not match; then nothing was written to {@code out}. */
  boolean open(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    try {
      init(Cipher.DECRYPT_MODE, nonce, ad);
      cipher.doFinal(in, out);
      return true;
    } catch (AEADBadTagException e) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20-Poly1305 decryption failed", e);
    }
  }

  private void init(int mode, long nonce, byte[] ad) throws GeneralSecurityException {
    long n = nonce;
    for (int i = 0; i < 8; i++) {
      iv[4 + i] = (byte) n;
      n >>>= 8;
    }
    cipher.init(mode, key, new IvParameterSpec(iv));
    cipher.updateAAD(ad != null ? ad : EMPTY);
  }
}
