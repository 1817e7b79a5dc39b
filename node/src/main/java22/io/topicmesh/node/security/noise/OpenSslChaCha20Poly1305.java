package io.topicmesh.node.security.noise;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * ChaCha20-Poly1305 (RFC 8439) from OpenSSL 3's libcrypto ({@code EVP_CIPHER} "ChaCha20-Poly1305",
 * its assembly for AVX2/AVX-512/NEON) through the Foreign Function &amp; Memory API, final in Java
 * 22. This class is compiled with {@code --release 22} into {@code META-INF/versions/22} of the jar
 * and reached only through {@link NativeAeads}, which loads it reflectively on JDK 22+ and runs a
 * self-test before {@link AeadChoice} may pick it.
 *
 * <p>One {@code EVP_CIPHER_CTX} per instance, keyed once; each message re-initialises only its
 * nonce. Direct buffers go to libcrypto as native segments without a copy, through ordinary
 * downcalls; when a buffer (or the associated data) is on the heap the call goes through a
 * "critical" downcall that may take heap memory, again without a copy. Decryption writes the
 * plaintext while it authenticates; when the tag does not match, the output region is zeroed
 * before {@code open} returns false, so no unauthenticated plaintext is left behind. {@link
 * #close()} frees the context at once; a {@link Cleaner} frees it when an instance is dropped open. Any other
 * libcrypto failure is an {@link IllegalStateException} with OpenSSL's error text.
 */
final class OpenSslChaCha20Poly1305 implements NativeAead {
  /** The library name (or path) given to dlopen; {@code topicmesh.noise.libcrypto} overrides it. */
  static final String LIBRARY_PROPERTY = "topicmesh.noise.libcrypto";

  private static final int TAG_LENGTH = 16;
  private static final int NONCE_LENGTH = 12;
  private static final int EVP_CTRL_AEAD_GET_TAG = 0x10;
  private static final int EVP_CTRL_AEAD_SET_TAG = 0x11;
  private static final ValueLayout.OfLong LONG_LE =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  // Scratch layout: the nonce, the int out-length, the tag, the key while it is installed.
  private static final long IV = 0;
  private static final long OUTL = 16;
  private static final long TAG = 32;
  private static final long KEY = 64;
  private static final long SCRATCH = 96;

  private static final Cleaner CLEANER = Cleaner.create();

  private final MemorySegment ctx;
  private final MemorySegment scratch;
  private final MemorySegment iv;
  private final MemorySegment outl;
  private final MemorySegment tag;
  private final Cleaner.Cleanable cleanable;
  private boolean closed;

  /**
   * Loads libcrypto and binds the functions used here.
   *
   * @return OpenSSL's version text
   * @throws IllegalStateException naming what is missing
   */
  static String load() {
    try {
      return Lib.VERSION;
    } catch (ExceptionInInitializerError e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getClass().getSimpleName() + ": " + cause.getMessage(), cause);
    } catch (NoClassDefFoundError e) {
      throw new IllegalStateException("libcrypto failed to load earlier in this JVM", e);
    }
  }

  OpenSslChaCha20Poly1305(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("ChaCha20 keys are 32 bytes, got " + key.length);
    }
    load();
    scratch = Arena.ofAuto().allocate(SCRATCH, 16);
    iv = scratch.asSlice(IV, NONCE_LENGTH);
    outl = scratch.asSlice(OUTL, 4);
    tag = scratch.asSlice(TAG, TAG_LENGTH);
    MemorySegment c;
    try {
      c = (MemorySegment) Lib.CTX_NEW.invokeExact();
    } catch (Throwable t) {
      throw rethrow("EVP_CIPHER_CTX_new", t);
    }
    if (c.address() == 0) {
      throw new IllegalStateException("EVP_CIPHER_CTX_new failed: " + errors());
    }
    ctx = c;
    cleanable = CLEANER.register(this, new Free(c.address()));
    MemorySegment k = scratch.asSlice(KEY, 32);
    MemorySegment.copy(key, 0, k, JAVA_BYTE, 0, 32);
    try {
      check("EVP_CipherInit_ex (key)",
          (int) Lib.CIPHER_INIT.invokeExact(ctx, Lib.CIPHER, MemorySegment.NULL, k, MemorySegment.NULL, 1));
    } catch (Throwable t) {
      throw rethrow("EVP_CipherInit_ex", t);
    } finally {
      k.fill((byte) 0);
    }
  }

  @Override
  public void seal(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    noiseNonce(nonce);
    seal(ad, in, out);
  }

  @Override
  public boolean open(long nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    noiseNonce(nonce);
    return open(ad, in, out);
  }

  @Override
  public void seal(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    rfcNonce(nonce);
    seal(ad, in, out);
  }

  @Override
  public boolean open(byte[] nonce, byte[] ad, ByteBuffer in, ByteBuffer out) {
    rfcNonce(nonce);
    return open(ad, in, out);
  }

  /** Frees the context now; seal and open fail afterwards. Idempotent. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      cleanable.clean();
    }
  }

  private void noiseNonce(long nonce) {
    scratch.set(JAVA_INT, IV, 0);
    scratch.set(LONG_LE, IV + 4, nonce);
  }

  private void rfcNonce(byte[] nonce) {
    if (nonce.length != NONCE_LENGTH) {
      throw new IllegalArgumentException("ChaCha20-Poly1305 nonces are 12 bytes, got " + nonce.length);
    }
    MemorySegment.copy(nonce, 0, scratch, JAVA_BYTE, IV, NONCE_LENGTH);
  }

  private void seal(byte[] ad, ByteBuffer in, ByteBuffer out) {
    int len = in.remaining();
    if (out.remaining() < len + TAG_LENGTH) {
      throw new IllegalArgumentException(
          "output of " + out.remaining() + " bytes cannot hold " + (len + TAG_LENGTH));
    }
    MemorySegment src = MemorySegment.ofBuffer(in);
    MemorySegment dst = MemorySegment.ofBuffer(out);
    try {
      begin(1, ad);
      if (len > 0) {
        update(dst, src, len);
      }
      check("EVP_CipherFinal_ex", (int) Lib.CIPHER_FINAL.invokeExact(ctx, tag, outl));
      check("EVP_CTRL_AEAD_GET_TAG",
          (int) Lib.CTX_CTRL.invokeExact(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, tag));
    } catch (Throwable t) {
      throw rethrow("sealing", t);
    }
    MemorySegment.copy(scratch, TAG, dst, len, TAG_LENGTH);
    in.position(in.position() + len);
    out.position(out.position() + len + TAG_LENGTH);
  }

  private boolean open(byte[] ad, ByteBuffer in, ByteBuffer out) {
    int total = in.remaining();
    if (total < TAG_LENGTH) {
      return false;
    }
    int len = total - TAG_LENGTH;
    if (out.remaining() < len) {
      throw new IllegalArgumentException("output of " + out.remaining() + " bytes cannot hold " + len);
    }
    MemorySegment src = MemorySegment.ofBuffer(in);
    MemorySegment dst = MemorySegment.ofBuffer(out);
    MemorySegment.copy(src, len, scratch, TAG, TAG_LENGTH);
    int finished;
    try {
      begin(0, ad);
      check("EVP_CTRL_AEAD_SET_TAG",
          (int) Lib.CTX_CTRL.invokeExact(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, tag));
      if (len > 0) {
        update(dst, src, len);
      }
      finished = (int) Lib.CIPHER_FINAL.invokeExact(ctx, tag, outl);
    } catch (Throwable t) {
      throw rethrow("opening", t);
    }
    if (finished != 1) {
      // The tag did not match (the only way a decrypting final fails here): no plaintext stays.
      dst.asSlice(0, len).fill((byte) 0);
      clearErrors();
      return false;
    }
    in.position(in.position() + total);
    out.position(out.position() + len);
    return true;
  }

  /** A new message: the nonce in scratch, the direction, then the associated data. */
  private void begin(int encrypt, byte[] ad) throws Throwable {
    if (closed) {
      throw new IllegalStateException("this AEAD is closed");
    }
    check("EVP_CipherInit_ex (nonce)", (int) Lib.CIPHER_INIT.invokeExact(
        ctx, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, iv, encrypt));
    if (ad != null && ad.length > 0) {
      check("EVP_CipherUpdate (AAD)", (int) Lib.CIPHER_UPDATE_HEAP.invokeExact(
          ctx, MemorySegment.NULL, outl, MemorySegment.ofArray(ad), ad.length));
    }
  }

  private void update(MemorySegment dst, MemorySegment src, int len) throws Throwable {
    MethodHandle h = dst.isNative() && src.isNative() ? Lib.CIPHER_UPDATE : Lib.CIPHER_UPDATE_HEAP;
    check("EVP_CipherUpdate", (int) h.invokeExact(ctx, dst, outl, src, len));
    int written = scratch.get(JAVA_INT, OUTL);
    if (written != len) {
      throw new IllegalStateException("EVP_CipherUpdate wrote " + written + " of " + len + " bytes");
    }
  }

  private static void check(String call, int result) {
    if (result != 1) {
      throw new IllegalStateException(call + " failed: " + errors());
    }
  }

  private static RuntimeException rethrow(String what, Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("libcrypto " + what + " failed", t);
  }

  /** OpenSSL's queued error texts (the queue is emptied), or "no OpenSSL error queued". */
  private static String errors() {
    StringBuilder text = new StringBuilder();
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buf = arena.allocate(256);
      for (int i = 0; i < 8; i++) {
        long code = (long) Lib.ERR_GET_ERROR.invokeExact();
        if (code == 0) {
          break;
        }
        Lib.ERR_ERROR_STRING_N.invokeExact(code, buf, 256L);
        text.append(text.length() == 0 ? "" : "; ").append(buf.getString(0));
      }
      clearErrors();
    } catch (Throwable t) {
      return "(reading OpenSSL's error queue failed: " + t + ")";
    }
    return text.length() == 0 ? "no OpenSSL error queued" : text.toString();
  }

  private static void clearErrors() {
    try {
      Lib.ERR_CLEAR_ERROR.invokeExact();
    } catch (Throwable t) {
      throw rethrow("ERR_clear_error", t);
    }
  }

  /** Frees a context; holds only its address, so that the instance can become unreachable. */
  private record Free(long address) implements Runnable {
    @Override
    public void run() {
      try {
        Lib.CTX_FREE.invokeExact(MemorySegment.ofAddress(address));
      } catch (Throwable t) {
        // Nothing to do at this point; the context leaks.
      }
    }
  }

  /** libcrypto's functions, bound on first use; a failure here makes {@link #load()} throw. */
  private static final class Lib {
    static final MethodHandle CTX_NEW;
    static final MethodHandle CTX_FREE;
    static final MethodHandle CIPHER_INIT;
    static final MethodHandle CIPHER_UPDATE;
    static final MethodHandle CIPHER_UPDATE_HEAP;
    static final MethodHandle CIPHER_FINAL;
    static final MethodHandle CTX_CTRL;
    static final MethodHandle ERR_GET_ERROR;
    static final MethodHandle ERR_ERROR_STRING_N;
    static final MethodHandle ERR_CLEAR_ERROR;
    static final MemorySegment CIPHER;
    static final String VERSION;

    static {
      String name = System.getProperty(LIBRARY_PROPERTY, "libcrypto.so.3");
      SymbolLookup lib;
      try {
        lib = SymbolLookup.libraryLookup(name, Arena.global());
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("cannot load " + name + " (install libssl3, or set -D"
            + LIBRARY_PROPERTY + " to libcrypto's path): " + e.getMessage(), e);
      }
      Linker linker = Linker.nativeLinker();
      FunctionDescriptor update = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT);
      CTX_NEW = bind(linker, lib, "EVP_CIPHER_CTX_new", FunctionDescriptor.of(ADDRESS));
      CTX_FREE = bind(linker, lib, "EVP_CIPHER_CTX_free", FunctionDescriptor.ofVoid(ADDRESS));
      CIPHER_INIT = bind(linker, lib, "EVP_CipherInit_ex",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
      CIPHER_UPDATE = bind(linker, lib, "EVP_CipherUpdate", update);
      CIPHER_UPDATE_HEAP = bind(linker, lib, "EVP_CipherUpdate", update, Linker.Option.critical(true));
      CIPHER_FINAL = bind(linker, lib, "EVP_CipherFinal_ex",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
      CTX_CTRL = bind(linker, lib, "EVP_CIPHER_CTX_ctrl",
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
      ERR_GET_ERROR = bind(linker, lib, "ERR_get_error", FunctionDescriptor.of(JAVA_LONG));
      ERR_ERROR_STRING_N = bind(linker, lib, "ERR_error_string_n",
          FunctionDescriptor.ofVoid(JAVA_LONG, ADDRESS, JAVA_LONG));
      ERR_CLEAR_ERROR = bind(linker, lib, "ERR_clear_error", FunctionDescriptor.ofVoid());
      MethodHandle fetch = bind(linker, lib, "EVP_CIPHER_fetch",
          FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS));
      MethodHandle version = bind(linker, lib, "OpenSSL_version", FunctionDescriptor.of(ADDRESS, JAVA_INT));
      try {
        VERSION = ((MemorySegment) version.invokeExact(0)).reinterpret(256).getString(0);
        CIPHER = (MemorySegment) fetch.invokeExact(
            MemorySegment.NULL, Arena.global().allocateFrom("ChaCha20-Poly1305"), MemorySegment.NULL);
      } catch (Throwable t) {
        throw new IllegalStateException("calling " + name + " failed: " + t, t);
      }
      if (CIPHER.address() == 0) {
        throw new IllegalStateException(VERSION + " has no ChaCha20-Poly1305 (EVP_CIPHER_fetch: " + errors() + ")");
      }
    }

    private static MethodHandle bind(
        Linker linker, SymbolLookup lib, String function, FunctionDescriptor fd, Linker.Option... options) {
      MemorySegment at = lib.find(function).orElseThrow(() -> new IllegalStateException(
          "libcrypto has no " + function + " (OpenSSL 3 is needed)"));
      return linker.downcallHandle(at, fd, options);
    }

    private Lib() {}
  }
}
