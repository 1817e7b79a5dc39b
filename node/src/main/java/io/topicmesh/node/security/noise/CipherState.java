package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.nio.ByteBuffer;

/**
 * Noise CipherState for ChaChaPoly: a key and a 64-bit nonce counter.
 *
 * <p>The AEAD is OpenSSL's through FFM or JNI ({@link NativeAead}: FFM on JDK 22+, JNI on older
 * JDKs, both with libcrypto), ours ({@link
 * ChaCha20Poly1305}), the JDK's, or the JDK's ChaCha20 with our Poly1305 ({@link
 * HybridChaCha20Poly1305}), as {@link AeadChoice} selects: native where it is usable, else ours on
 * JDK 17, the JDK's on JVMs with ChaCha20 and Poly1305 intrinsics, the hybrid where only ChaCha20
 * has one (see {@code docs/benchmarks.md}). Not thread-safe; each direction of a session owns one.
 *
 * <p>{@link #close()} frees a native AEAD's context at once (the owner calls it when the session
 * ends; a Cleaner is the safety net); re-keying frees the previous key's context.
 */
final class CipherState implements AutoCloseable {
  static final int TAG_LENGTH = ChaCha20Poly1305.TAG_LENGTH;
  static final int KEY_LENGTH = ChaCha20Poly1305.KEY_LENGTH;

  private final AeadChoice choice;
  private ChaCha20Poly1305 aead;
  private JdkChaCha20Poly1305 jdk;
  private HybridChaCha20Poly1305 hybrid;
  private NativeAead nat;
  private long nonce;
  private boolean closed;

  /** A CipherState with no key yet: encryption is the identity until {@link #initializeKey}. */
  CipherState() {
    this(AeadChoice.selected());
  }

  CipherState(AeadChoice choice) {
    this.choice = choice;
  }

  CipherState(byte[] key) {
    this(AeadChoice.selected());
    initializeKey(key);
  }

  void initializeKey(byte[] k) {
    if (k.length != KEY_LENGTH) {
      throw new IllegalArgumentException("ChaChaPoly keys are 32 bytes, got " + k.length);
    }
    if (closed) {
      throw new IllegalStateException("this CipherState is closed");
    }
    if (nat != null) {
      nat.close();
      nat = null;
    }
    if (choice == AeadChoice.JDK) {
      jdk = new JdkChaCha20Poly1305(k);
    } else if (choice == AeadChoice.HYBRID) {
      hybrid = new HybridChaCha20Poly1305(k);
    } else if (choice == AeadChoice.NATIVE) {
      nat = NativeAeads.create(k);
    } else if (choice == AeadChoice.JNI) {
      nat = JniAeads.create(k);
    } else {
      aead = new ChaCha20Poly1305(k);
    }
    nonce = 0;
  }

  /**
   * Frees a native AEAD's context now; idempotent. Afterwards every operation fails (never falls
   * back to the key-less identity).
   */
  @Override
  public void close() {
    closed = true;
    if (nat != null) {
      nat.close();
    }
  }

  boolean hasKey() {
    return aead != null || jdk != null || hybrid != null || nat != null;
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
    if (closed) {
      throw new IllegalStateException("this CipherState is closed");
    }
    if (!hasKey()) {
      return plaintext.clone();
    }
    byte[] out = new byte[plaintext.length + TAG_LENGTH];
    encrypt(ad, ByteBuffer.wrap(plaintext), ByteBuffer.wrap(out));
    return out;
  }

  byte[] decryptWithAd(byte[] ad, byte[] ciphertext) throws NoiseException {
    if (closed) {
      throw new IllegalStateException("this CipherState is closed");
    }
    if (!hasKey()) {
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
    if (nat != null) {
      nat.seal(nonce, ad, in, out);
    } else if (hybrid != null) {
      hybrid.seal(nonce, ad, in, out);
    } else if (jdk != null) {
      jdk.seal(nonce, ad, in, out);
    } else {
      aead.seal(0, (int) nonce, (int) (nonce >>> 32), ad, in, out);
    }
    nonce++;
  }

  /** Decrypts and authenticates all of {@code in} into {@code out}; the nonce moves on success. */
  void decrypt(byte[] ad, ByteBuffer in, ByteBuffer out) throws NoiseException {
    checkNonce();
    boolean authentic = nat != null
        ? nat.open(nonce, ad, in, out)
        : hybrid != null
        ? hybrid.open(nonce, ad, in, out)
        : jdk != null
            ? jdk.open(nonce, ad, in, out)
            : aead.open(0, (int) nonce, (int) (nonce >>> 32), ad, in, out);
    if (!authentic) {
      throw new NoiseException(Reason.BAD_MAC, "message authentication failed at nonce " + nonce);
    }
    nonce++;
  }

  private void checkNonce() throws NoiseException {
    if (closed) {
      throw new IllegalStateException("this CipherState is closed");
    }
    if (nonce == -1L) {
      // 2^64-1 is reserved by the Noise spec (rekey); reaching it means the session is spent.
      throw new NoiseException(Reason.NONCE_EXHAUSTED, "nonce space of this key is exhausted");
    }
  }
}
