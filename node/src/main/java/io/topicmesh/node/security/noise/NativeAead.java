package io.topicmesh.node.security.noise;

import java.nio.ByteBuffer;

/**
 * A ChaCha20-Poly1305 (RFC 8439) implementation outside this Java 17 code base, OpenSSL's libcrypto:
 * through the Foreign Function &amp; Memory API ({@code OpenSslChaCha20Poly1305}, compiled for Java
 * 22+ into the jar's {@code META-INF/versions/22} and reached only through {@link NativeAeads}), or
 * through JNI ({@link JniChaCha20Poly1305}, any JDK, loaded by {@link JniAeads}). Same contract as {@link
 * HybridChaCha20Poly1305}: {@code seal} writes the ciphertext then the 16-byte tag and moves both
 * positions; {@code open} moves both positions and returns true, or on a bad tag returns false,
 * moves no position and leaves the output region zeroed. Buffers may be heap or direct (direct ones
 * are handed to libcrypto as they are, without a copy); {@code in} and {@code out} may be the same
 * memory (in place) but must not overlap otherwise. One instance per key, not thread-safe; the
 * native context is freed by {@link #close()}, or when the instance becomes unreachable.
 */
interface NativeAead extends AutoCloseable {
  /** Seals under the Noise nonce: 32 zero bits, then {@code nonce} as 64 bits little-endian. */
  void seal(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out);

  /** Opens under the Noise nonce (see {@link #seal(long, byte[], ByteBuffer, ByteBuffer)}). */
  boolean open(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out);

  /** Seals under a 12-byte RFC 8439 nonce; for the self-test and the test vectors. */
  void seal(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out);

  /** Opens under a 12-byte RFC 8439 nonce. */
  boolean open(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out);

  /** Frees the native context now (idempotent); seal and open fail afterwards. */
  @Override
  void close();
}
