package io.topicmesh.node.security.noise;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * ChaCha20-Poly1305 (RFC 8439) from OpenSSL 3's libcrypto through JNI: the native AEAD on JVMs
 * without the final FFM API (JDK 17-21), where {@link OpenSslChaCha20Poly1305}'s way is closed.
 * The C side is {@code node/src/main/c/openssl_aead.c}, shipped in the jar as {@code
 * native/linux-x86_64/libtopicmesh-aead.so} and loaded by {@link JniAeads}, which also runs the RFC
 * 8439 self-test before {@link AeadChoice} may pick it. The shim dlopens libcrypto itself, so a
 * machine without it gets a reason, not a link error.
 *
 * <p>Same contract and same libcrypto calls as the FFM path: one {@code EVP_CIPHER_CTX} per
 * instance, keyed once; each message re-initialises only its nonce. Direct buffers reach libcrypto
 * by address ({@code GetDirectBufferAddress}) and heap arrays inside a JNI critical region, so
 * neither is copied (a read-only heap buffer, whose array Java does not hand out, is copied once).
 * On a bad tag the output region is zeroed and {@code open} returns false. {@link #close()} frees
 * the context at once (a {@link Cleaner} frees it if the instance is dropped unclosed); using a
 * closed instance is an {@link IllegalStateException}, never a use of freed memory.
 */
final class JniChaCha20Poly1305 implements NativeAead {
  private static final int TAG_LENGTH = 16;
  private static final int NONCE_LENGTH = 12;
  private static final Cleaner CLEANER = Cleaner.create();

  /** The EVP_CIPHER_CTX, 0 once closed. */
  private long ctx;
  private final Cleaner.Cleanable cleanable;

  /** Only after {@link JniAeads} loaded the library ({@link #load0} succeeded). */
  JniChaCha20Poly1305(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("ChaCha20 keys are 32 bytes, got " + key.length);
    }
    long c = create0(key);
    ctx = c;
    cleanable = CLEANER.register(this, new Free(c));
  }

  @Override
  public void seal(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    seal(0, nonce, ad, in, out);
  }

  @Override
  public boolean open(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    return open(0, nonce, ad, in, out);
  }

  @Override
  public void seal(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    checkNonce(nonce);
    seal(le32(nonce, 0), le64(nonce, 4), ad, in, out);
  }

  @Override
  public boolean open(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    checkNonce(nonce);
    return open(le32(nonce, 0), le64(nonce, 4), ad, in, out);
  }

  /** Frees the native context now; later calls fail. Idempotent. */
  @Override
  public void close() {
    if (ctx != 0) {
      ctx = 0;
      cleanable.clean();
    }
  }

  /** The nonce is n0 (4 bytes) then n1 (8 bytes), both little-endian. */
  private void seal(int n0, long n1, byte[] ad, ByteBuffer in, ByteBuffer out) {
    int len = in.remaining();
    if (out.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    if (out.remaining() < len + TAG_LENGTH) {
      throw new IllegalArgumentException(
          "output of " + out.remaining() + " bytes cannot hold " + (len + TAG_LENGTH));
    }
    long c = live();
    ByteBuffer inDirect = in.isDirect() ? in : null;
    byte[] inArray = in.isDirect() ? null : array(in, len);
    int inOffset = in.isDirect() ? in.position() : offset(in);
    ByteBuffer outDirect = out.isDirect() ? out : null;
    byte[] outArray = out.isDirect() ? null : out.array();
    int outOffset = out.isDirect() ? out.position() : out.arrayOffset() + out.position();
    try {
      seal0(c, n0, n1, ad, inDirect, inArray, inOffset, outDirect, outArray, outOffset, len);
    } finally {
      Reference.reachabilityFence(this);
    }
    in.position(in.position() + len);
    out.position(out.position() + len + TAG_LENGTH);
  }

  private boolean open(int n0, long n1, byte[] ad, ByteBuffer in, ByteBuffer out) {
    int total = in.remaining();
    if (total < TAG_LENGTH) {
      return false;
    }
    int len = total - TAG_LENGTH;
    if (out.isReadOnly()) {
      throw new ReadOnlyBufferException();
    }
    if (out.remaining() < len) {
      throw new IllegalArgumentException("output of " + out.remaining() + " bytes cannot hold " + len);
    }
    long c = live();
    ByteBuffer inDirect = in.isDirect() ? in : null;
    byte[] inArray = in.isDirect() ? null : array(in, total);
    int inOffset = in.isDirect() ? in.position() : offset(in);
    ByteBuffer outDirect = out.isDirect() ? out : null;
    byte[] outArray = out.isDirect() ? null : out.array();
    int outOffset = out.isDirect() ? out.position() : out.arrayOffset() + out.position();
    int result;
    try {
      result = open0(c, n0, n1, ad, inDirect, inArray, inOffset, outDirect, outArray, outOffset, len);
    } finally {
      Reference.reachabilityFence(this);
    }
    if (result != 1) {
      return false;
    }
    in.position(in.position() + total);
    out.position(out.position() + len);
    return true;
  }

  private long live() {
    long c = ctx;
    if (c == 0) {
      throw new IllegalStateException("this AEAD is closed");
    }
    return c;
  }

  /** The heap buffer's array, or for a read-only one (no array given out) a copy of its bytes. */
  private static byte[] array(ByteBuffer b, int length) {
    if (b.hasArray()) {
      return b.array();
    }
    byte[] copy = new byte[length];
    b.duplicate().get(copy);
    return copy;
  }

  private static int offset(ByteBuffer b) {
    return b.hasArray() ? b.arrayOffset() + b.position() : 0;
  }

  private static void checkNonce(byte[] nonce) {
    if (nonce.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("ChaCha20-Poly1305 nonces are 12 bytes, got " + nonce.length);
    }
  }

  private static int le32(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }

  private static long le64(byte[] b, int at) {
    return (le32(b, at) & 0xffffffffL) | (long) le32(b, at + 4) << 32;
  }

  /** Frees a context; holds only its address, so that the instance can become unreachable. */
  private static final class Free implements Runnable {
    private final long ctx;

    Free(long ctx) {
      this.ctx = ctx;
    }

    @Override
    public void run() {
      free0(ctx);
    }
  }

  /**
   * Loads libcrypto ({@code library}: a name or path for dlopen) and binds its EVP functions.
   *
   * @return OpenSSL's version text
   * @throws IllegalStateException naming what is missing
   */
  static native String load0(String library);

  private static native long create0(byte[] key);

  private static native void free0(long ctx);

  /** Exactly one of direct buffer and array per side; offsets are absolute positions in either. */
  private static native int seal0(long ctx, int n0, long n1, byte[] ad,
      ByteBuffer inDirect, byte[] inArray, int inOffset,
      ByteBuffer outDirect, byte[] outArray, int outOffset, int length);

  /** 1 authentic, 0 a bad tag (the output zeroed); {@code length} is the plaintext's. */
  private static native int open0(long ctx, int n0, long n1, byte[] ad,
      ByteBuffer inDirect, byte[] inArray, int inOffset,
      ByteBuffer outDirect, byte[] outArray, int outOffset, int length);
}
