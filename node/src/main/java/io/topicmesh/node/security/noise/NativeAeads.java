package io.topicmesh.node.security.noise;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * The way from this Java 17 code to {@link NativeAead}'s implementation, OpenSSL's ChaCha20-Poly1305
 * through the FFM API ({@code OpenSslChaCha20Poly1305}, in the jar's {@code META-INF/versions/22}).
 *
 * <p>{@link #probe()} decides once per JVM whether it can be used: the JDK is 22 or newer, the class
 * is there (the multi-release jar, or its directory on the class path), libcrypto loads ({@code
 * libcrypto.so.3}, or the path in {@code -Dtopicmesh.noise.libcrypto}), and a self-test passes: the
 * AEAD vector of RFC 8439 §2.8.2 sealed and opened on heap and direct buffers, the decryption vector
 * of appendix A.5 through the Noise nonce layout, and a tampered tag rejected. Native access must be
 * granted ({@code Enable-Native-Access: ALL-UNNAMED} in the executable jar's manifest, or {@code
 * --enable-native-access=ALL-UNNAMED}); without it JDK 22-25 print a warning and go on.
 */
final class NativeAeads {
  static final String IMPLEMENTATION = "io.topicmesh.node.security.noise.OpenSslChaCha20Poly1305";

  /** Whether the native AEAD can be used here; {@code detail} is OpenSSL's version or the reason not. */
  static final class Probe {
    final boolean available;
    final String detail;

    Probe(boolean available, String detail) {
      this.available = available;
      this.detail = detail;
    }

    @Override
    public String toString() {
      return (available ? "available: " : "unavailable: ") + detail;
    }
  }

  private static final HexFormat HEX = HexFormat.of();
  private static Probe probe;
  private static MethodHandle constructor;

  private NativeAeads() {}

  /**
   * Prints whether the native AEAD is usable here and why; exits 1 when it is not. For checks of a
   * runtime (e2e/images/build.sh runs it inside the node image's root filesystem): {@code java
   * --enable-native-access=ALL-UNNAMED -cp topicmesh-node.jar
   * io.topicmesh.node.security.noise.NativeAeads}.
   */
  public static void main(String[] args) {
    Probe p = probe();
    System.out.println("native AEAD " + p);
    if (!p.available) {
      System.exit(1);
    }
  }

  /** The result of loading and self-testing the native AEAD, computed on the first call. */
  static synchronized Probe probe() {
    if (probe == null) {
      probe = load();
    }
    return probe;
  }

  /** A native AEAD for {@code key}; only after {@link #probe()} found it available. */
  static NativeAead create(byte[] key) {
    Probe p = probe();
    if (!p.available) {
      throw new IllegalStateException("the native AEAD is unavailable: " + p.detail);
    }
    return newInstance(key);
  }

  private static NativeAead newInstance(byte[] key) {
    try {
      return (NativeAead) constructor.invoke(key);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("creating the native AEAD failed", t);
    }
  }

  private static Probe load() {
    int feature = Runtime.version().feature();
    if (feature < 22) {
      return new Probe(false, "JDK " + feature + " has no final FFM API (it needs JDK 22+)");
    }
    String version;
    try {
      Class<?> type = Class.forName(IMPLEMENTATION);
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      constructor = lookup.findConstructor(type, MethodType.methodType(void.class, byte[].class));
      version = (String) lookup.findStatic(type, "load", MethodType.methodType(String.class)).invoke();
    } catch (ClassNotFoundException e) {
      return new Probe(false, IMPLEMENTATION
          + " is missing: not run from the multi-release jar (META-INF/versions/22)");
    } catch (Throwable t) {
      // IllegalStateException from load() names what is missing; IllegalCallerException when
      // native access is denied (--illegal-native-access=deny without --enable-native-access).
      return new Probe(false, "libcrypto through FFM failed: " + t.getMessage());
    }
    try {
      String failure = selfTest(NativeAeads::newInstance);
      return failure == null
          ? new Probe(true, version + " through FFM, RFC 8439 self-test passed")
          : new Probe(false, version + " failed the RFC 8439 self-test: " + failure);
    } catch (RuntimeException | LinkageError e) {
      return new Probe(false, version + " failed the RFC 8439 self-test: " + e);
    }
  }

  // RFC 8439 §2.8.2.
  private static final String SUNSCREEN_KEY = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
  private static final String SUNSCREEN_NONCE = "070000004041424344454647";
  private static final String SUNSCREEN_AD = "50515253c0c1c2c3c4c5c6c7";
  private static final String SUNSCREEN =
      "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049662049"
          + "20636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074686520667574757265"
          + "2c2073756e73637265656e20776f756c642062652069742e";
  private static final String SUNSCREEN_SEALED =
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
          + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
          + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
          + "3ff4def08e4b7a9de576d26586cec64b6116"
          + "1ae10b594f09e26a7e902ecbd0600691";
  // RFC 8439 appendix A.5: nonce 00000000 0102030405060708, i.e. the Noise nonce 0x0807060504030201.
  private static final String A5_KEY = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
  private static final long A5_NOISE_NONCE = 0x0807060504030201L;
  private static final String A5_AD = "f33388860000000000004e91";
  private static final String A5_PLAIN =
      "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c6964"
          + "20666f722061206d6178696d756d206f6620736978206d6f6e74687320616e64206d61792062652075"
          + "7064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f746865722064"
          + "6f63756d656e747320617420616e792074696d652e20497420697320696e617070726f707269617465"
          + "20746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d617465"
          + "7269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f"
          + "726b20696e2070726f67726573732e2fe2809d";
  private static final String A5_SEALED =
      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
          + "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
          + "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
          + "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
          + "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
          + "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
          + "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
          + "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
          + "a6ad5cb4022b02709b"
          + "eead9d67890cbb22392336fea1851f38";

  /**
   * Null when the implementation reproduces the RFC 8439 vectors, else what went wrong; the
   * instances it makes are closed before it returns.
   */
  static String selfTest(Function<byte[], NativeAead> implementation) {
    try (NativeAead aead = implementation.apply(HEX.parseHex(SUNSCREEN_KEY));
        NativeAead a5 = implementation.apply(HEX.parseHex(A5_KEY))) {
      return selfTest(aead, a5);
    }
  }

  private static String selfTest(NativeAead aead, NativeAead a5) {
    byte[] nonce = HEX.parseHex(SUNSCREEN_NONCE);
    byte[] ad = HEX.parseHex(SUNSCREEN_AD);
    byte[] plain = HEX.parseHex(SUNSCREEN);
    byte[] sealed = HEX.parseHex(SUNSCREEN_SEALED);
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer out = allocate(sealed.length, direct);
      aead.seal(nonce, ad, copy(plain, direct), out);
      if (out.hasRemaining() || !Arrays.equals(bytes(out.flip()), sealed)) {
        return "§2.8.2 sealed to other bytes (" + (direct ? "direct" : "heap") + " buffers)";
      }
      ByteBuffer opened = allocate(plain.length, direct);
      if (!aead.open(nonce, ad, copy(sealed, direct), opened) || !Arrays.equals(bytes(opened.flip()), plain)) {
        return "§2.8.2 did not open (" + (direct ? "direct" : "heap") + " buffers)";
      }
      byte[] forged = sealed.clone();
      forged[forged.length - 1] ^= 1;
      ByteBuffer rejected = allocate(plain.length, direct);
      if (aead.open(nonce, ad, copy(forged, direct), rejected)) {
        return "a tampered tag was accepted";
      }
      for (byte b : bytes(rejected)) {
        if (b != 0) {
          return "a rejected message left plaintext in the output";
        }
      }
    }
    byte[] a5Plain = HEX.parseHex(A5_PLAIN);
    ByteBuffer opened = ByteBuffer.allocateDirect(a5Plain.length);
    if (!a5.open(A5_NOISE_NONCE, HEX.parseHex(A5_AD), copy(HEX.parseHex(A5_SEALED), true), opened)
        || !Arrays.equals(bytes(opened.flip()), a5Plain)) {
      return "appendix A.5 did not open through the Noise nonce";
    }
    return null;
  }

  private static ByteBuffer allocate(int size, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
  }

  private static ByteBuffer copy(byte[] b, boolean direct) {
    return allocate(b.length, direct).put(b).flip();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
