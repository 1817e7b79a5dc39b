package io.topicmesh.node.security.noise;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 (RFC 8439) from the JDK's plain {@code ChaCha20} cipher and our {@link
 * Poly1305}, Noise nonce layout. For JVMs that have the ChaCha20 intrinsic but not the Poly1305 one
 * (JDK 21+ on x86-64 CPUs without AVX-512 IFMA, e.g. AVX2-only ones): there the JDK's AEAD spends
 * most of its time in its generic Java Poly1305, while its ChaCha20 key stream runs at about twice
 * the speed of ours (see docs/benchmarks.md). {@link AeadChoice} decides when.
 *
 * <p>The one-time Poly1305 key (block 0) comes from our scalar block function, because the JDK
 * cipher refuses to be initialised twice with one key and nonce; messages under {@value
 * #JDK_MIN_BYTES} bytes (handshake messages, small frames) are sealed by ours entirely, as a JDK
 * cipher init costs more than they take. Decryption
 * authenticates the ciphertext before decrypting it, so a forged frame never yields plaintext; the
 * output region is zeroed instead. One instance per key; not thread-safe.
 */
final class HybridChaCha20Poly1305 {
  private static final byte[] NO_AD = new byte[0];

  /** Shorter messages (handshake messages, small frames) go through ours: a JDK init costs more. */
  static final int JDK_MIN_BYTES = 1024;

  private final SecretKeySpec key;
  private final ChaCha20Poly1305 ours;
  /** One per direction: the JDK cipher refuses a repeated key and nonce across inits. */
  private Cipher encryptor;
  private Cipher decryptor;
  private final byte[] iv = new byte[12];
  private final ByteBuffer zeros = ByteBuffer.allocate(64);
  private final ByteBuffer block0 = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);

  HybridChaCha20Poly1305(byte[] key) {
    this.key = new SecretKeySpec(key, "ChaCha20");
    this.ours = new ChaCha20Poly1305(key);
  }

  /** Encrypts {@code in}'s remaining bytes into {@code out}, then the tag; both positions move. */
  void seal(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    int len = in.remaining();
    if (len < JDK_MIN_BYTES) {
      ours.seal(0, (int) nonce, (int) (nonce >>> 32), ad, in, out);
      return;
    }
    if (out.remaining() < len + ChaCha20Poly1305.TAG_LENGTH) {
      throw new IllegalArgumentException(
          "output of " + out.remaining() + " bytes cannot hold " + (len + ChaCha20Poly1305.TAG_LENGTH));
    }
    int op = out.position();
    Poly1305 mac = macFor(nonce, ad);
    ByteBuffer dst = out.duplicate();
    dst.limit(op + len);
    crypt(Cipher.ENCRYPT_MODE, in, dst);
    ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    mac.update(le, op, len, true);
    long[] tag = finish(mac, ad, len);
    le.putLong(op + len, tag[0]).putLong(op + len + 8, tag[1]);
    out.position(op + len + ChaCha20Poly1305.TAG_LENGTH);
  }

  /**
   * Authenticates, then decrypts {@code in}'s remaining bytes (ciphertext, tag) into {@code out}.
   * False on a bad tag: no position moves and the output region is zeroed.
   */
  boolean open(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    int total = in.remaining();
    if (total < ChaCha20Poly1305.TAG_LENGTH) {
      return false;
    }
    int len = total - ChaCha20Poly1305.TAG_LENGTH;
    if (len < JDK_MIN_BYTES) {
      return ours.open(0, (int) nonce, (int) (nonce >>> 32), ad, in, out);
    }
    if (out.remaining() < len) {
      throw new IllegalArgumentException("output of " + out.remaining() + " bytes cannot hold " + len);
    }
    int ip = in.position();
    ByteBuffer le = in.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    long tagLo = le.getLong(ip + len);
    long tagHi = le.getLong(ip + len + 8);
    Poly1305 mac = macFor(nonce, ad);
    mac.update(le, ip, len, true);
    long[] tag = finish(mac, ad, len);
    // Constant time: no early exit on the first differing byte.
    if (((tag[0] ^ tagLo) | (tag[1] ^ tagHi)) != 0) {
      int op = out.position();
      for (int i = 0; i < len; i++) {
        out.put(op + i, (byte) 0);
      }
      return false;
    }
    ByteBuffer src = in.duplicate();
    src.limit(ip + len);
    crypt(Cipher.DECRYPT_MODE, src, out);
    in.position(ip + total);
    return true;
  }

  private Poly1305 macFor(long nonce, byte[] ad) {
    long n = nonce;
    for (int i = 0; i < 8; i++) {
      iv[4 + i] = (byte) n;
      n >>>= 8;
    }
    ours.chacha20(0, 0, (int) nonce, (int) (nonce >>> 32), zeros.clear(), block0.clear());
    Poly1305 mac = new Poly1305(block0.getLong(0), block0.getLong(8), block0.getLong(16), block0.getLong(24));
    byte[] a = ad == null ? NO_AD : ad;
    if (a.length > 0) {
      mac.update(ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN), 0, a.length, true);
    }
    return mac;
  }

  private static long[] finish(Poly1305 mac, byte[] ad, int len) {
    mac.updateBlock(ad == null ? 0 : ad.length, len);
    return mac.tag();
  }

  /** The key stream from block 1 XORed over {@code in} into {@code out}; both positions move. */
  private void crypt(int mode, ByteBuffer in, ByteBuffer out) {
    try {
      Cipher cipher;
      if (mode == Cipher.ENCRYPT_MODE) {
        cipher = encryptor == null ? encryptor = Cipher.getInstance("ChaCha20") : encryptor;
      } else {
        cipher = decryptor == null ? decryptor = Cipher.getInstance("ChaCha20") : decryptor;
      }
      cipher.init(mode, key, new ChaCha20ParameterSpec(iv, 1));
      cipher.doFinal(in, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("ChaCha20 failed", e);
    }
  }
}
