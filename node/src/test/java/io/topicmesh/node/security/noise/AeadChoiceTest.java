package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The runtime choice of AEAD, and the two choices agreeing byte for byte through CipherState. */
class AeadChoiceTest {
  @Test
  void settingsSelectTheImplementation() {
    assertThat(AeadChoice.select("java")).isEqualTo(AeadChoice.JAVA);
    assertThat(AeadChoice.select(" JDK ")).isEqualTo(AeadChoice.JDK);
    assertThat(AeadChoice.select("Hybrid")).isEqualTo(AeadChoice.HYBRID);
    NativeAeads.Probe usable = new NativeAeads.Probe(true, "OpenSSL 3.9 through FFM");
    assertThat(AeadChoice.decide("NATIVE", () -> usable, NEVER).choice).isEqualTo(AeadChoice.NATIVE);
    NativeAeads.Probe jni = new NativeAeads.Probe(true, "OpenSSL 3.9 through JNI");
    assertThat(AeadChoice.decide(" Jni", NEVER, () -> jni).choice).isEqualTo(AeadChoice.JNI);
    assertThatThrownBy(() -> AeadChoice.select("openssl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(AeadChoice.PROPERTY)
        .hasMessageContaining("openssl");
  }

  /** A probe that must not be asked. */
  private static final java.util.function.Supplier<NativeAeads.Probe> NEVER = () -> {
    throw new AssertionError("probed");
  };

  @Test
  void autoPicksNativeThenJniThenOursWithoutIntrinsics() {
    // JDK 17 has neither UseChaCha20Intrinsics nor UsePoly1305Intrinsics (added in JDK 20), nor
    // the final FFM API the native AEAD needs (JDK 22): OpenSSL through JNI where it loads.
    if (Runtime.version().feature() < 20) {
      assertThat(NativeAeads.probe().available).isFalse();
      assertThat(NativeAeads.probe().detail).contains("JDK " + Runtime.version().feature(), "22");
      assertThat(AeadChoice.select("auto"))
          .isEqualTo(JniAeads.probe().available ? AeadChoice.JNI : AeadChoice.JAVA);
    } else if (NativeAeads.probe().available) {
      assertThat(AeadChoice.select("auto")).isEqualTo(AeadChoice.NATIVE);
    } else if (JniAeads.probe().available) {
      assertThat(AeadChoice.select("auto")).isEqualTo(AeadChoice.JNI);
    } else {
      assertThat(AeadChoice.select("auto")).isIn(AeadChoice.JAVA, AeadChoice.JDK, AeadChoice.HYBRID);
    }
  }

  @Test
  void autoPrefersFfmToJniAndJniToTheJavaPaths() {
    NativeAeads.Probe ffm = new NativeAeads.Probe(true, "OpenSSL 3.9 through FFM");
    NativeAeads.Probe noFfm = new NativeAeads.Probe(false, "JDK 17 has no final FFM API");
    NativeAeads.Probe jni = new NativeAeads.Probe(true, "OpenSSL 3.9 through JNI");
    NativeAeads.Probe noJni = new NativeAeads.Probe(false, "no JNI library for Mac OS X/aarch64");
    // the JNI library is not even loaded when FFM is usable
    assertThat(AeadChoice.decide("auto", () -> ffm, NEVER).choice).isEqualTo(AeadChoice.NATIVE);
    AeadChoice.Decision viaJni = AeadChoice.decide("auto", () -> noFfm, () -> jni);
    assertThat(viaJni.choice).isEqualTo(AeadChoice.JNI);
    assertThat(viaJni.reason).contains("native unavailable: JDK 17 has no final FFM API", "OpenSSL 3.9 through JNI");
    AeadChoice.Decision neither = AeadChoice.decide("auto", () -> noFfm, () -> noJni);
    assertThat(neither.choice).isIn(AeadChoice.JAVA, AeadChoice.JDK, AeadChoice.HYBRID);
    assertThat(neither.reason).contains("native unavailable: JDK 17", "jni unavailable: no JNI library for Mac OS X");
    assertThatThrownBy(() -> AeadChoice.decide("jni", NEVER, () -> noJni))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(AeadChoice.PROPERTY + "=jni")
        .hasMessageContaining("no JNI library for Mac OS X");
    assertThat(AeadChoice.JNI.description()).contains("JNI");
  }

  @Test
  void autoFallsBackWhenTheNativeAeadIsUnusableAndForcingItFailsWithTheReason() {
    NativeAeads.Probe unusable = new NativeAeads.Probe(false, "cannot load libcrypto.so.3");
    NativeAeads.Probe noJni = new NativeAeads.Probe(false, "cannot load libcrypto.so.3 either");
    AeadChoice.Decision auto = AeadChoice.decide("auto", () -> unusable, () -> noJni);
    assertThat(auto.choice).isIn(AeadChoice.JAVA, AeadChoice.JDK, AeadChoice.HYBRID);
    assertThat(auto.reason).contains("cannot load libcrypto.so.3");
    assertThatThrownBy(() -> AeadChoice.decide("native", () -> unusable, NEVER))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(AeadChoice.PROPERTY + "=native")
        .hasMessageContaining("cannot load libcrypto.so.3");
    NativeAeads.Probe usable = new NativeAeads.Probe(true, "OpenSSL 3.9 through FFM");
    assertThat(AeadChoice.decide("auto", () -> usable, NEVER).choice).isEqualTo(AeadChoice.NATIVE);
    assertThat(AeadChoice.decide("auto", () -> usable, NEVER).reason).contains("OpenSSL 3.9");
    // Forcing another one never loads a native library.
    assertThat(AeadChoice.decide("java", NEVER, NEVER).choice).isEqualTo(AeadChoice.JAVA);
    assertThat(AeadChoice.decide("hybrid", NEVER, NEVER).choice).isEqualTo(AeadChoice.HYBRID);
  }

  /** Every implementation this JVM can run: FFM only where it is usable (JDK 22+), JNI where it loads. */
  private static java.util.List<AeadChoice> runnable() {
    java.util.List<AeadChoice> all = new java.util.ArrayList<>(java.util.List.of(AeadChoice.values()));
    if (!NativeAeads.probe().available) {
      all.remove(AeadChoice.NATIVE);
    }
    if (!JniAeads.probe().available) {
      all.remove(AeadChoice.JNI);
    }
    return all;
  }

  @Test
  void bothImplementationsInteroperateAndRejectForgeries() throws Exception {
    Random random = new Random(42);
    byte[] key = new byte[32];
    random.nextBytes(key);
    // On JDK 17 the native AEAD is left out (AeadChoiceTest runs again on JDK 25 in the native-aead
    // surefire execution, where it is in; NativeAeadTest fails there if it is unusable).
    for (AeadChoice sender : runnable()) {
      for (AeadChoice receiver : runnable()) {
        if (receiver == sender) {
          continue;
        }
        CipherState enc = new CipherState(sender);
        CipherState dec = new CipherState(receiver);
        enc.initializeKey(key);
        dec.initializeKey(key);
        for (int len : new int[] {0, 1, 63, 64, 1023, 1024, 4097, 65519}) {
          byte[] ad = new byte[len % 40];
          byte[] plain = new byte[len];
          random.nextBytes(ad);
          random.nextBytes(plain);
          byte[] sealed = enc.encryptWithAd(ad, plain);
          assertThat(dec.decryptWithAd(ad, sealed)).isEqualTo(plain);
        }
        byte[] sealed = enc.encryptWithAd(null, new byte[100]);
        sealed[sealed.length - 1] ^= 1;
        ByteBuffer out = ByteBuffer.allocate(100);
        assertThatThrownBy(() -> dec.decrypt(null, ByteBuffer.wrap(sealed), out))
            .isInstanceOf(NoiseException.class)
            .extracting(e -> ((NoiseException) e).reason())
            .isEqualTo(NoiseException.Reason.BAD_MAC);
        assertThat(out.array()).containsOnly((byte) 0);
      }
    }
  }

  /** The hybrid against the JDK's AEAD: heap and direct buffers, in place, forgeries. */
  @Test
  void hybridMatchesTheJdkCipher() throws Exception {
    Random random = new Random(7);
    for (int round = 0; round < 60; round++) {
      byte[] key = new byte[32];
      random.nextBytes(key);
      long nonce = random.nextLong() >>> 1;
      byte[] ad = new byte[random.nextInt(41)];
      random.nextBytes(ad);
      int length = round < 8 ? new int[] {0, 1, 15, 16, 63, 64, 65, 65519}[round] : random.nextInt(70_001);
      byte[] plain = new byte[length];
      random.nextBytes(plain);
      boolean direct = round % 2 == 1;
      JdkChaCha20Poly1305 jdk = new JdkChaCha20Poly1305(key);
      ByteBuffer expected = ByteBuffer.allocate(length + 16);
      jdk.seal(nonce, ad, ByteBuffer.wrap(plain), expected);
      byte[] sealed = expected.array();

      HybridChaCha20Poly1305 hybrid = new HybridChaCha20Poly1305(key);
      ByteBuffer in = buffer(plain, direct);
      ByteBuffer out = direct ? ByteBuffer.allocateDirect(length + 16) : ByteBuffer.allocate(length + 16);
      hybrid.seal(nonce, ad, in, out);
      assertThat(in.hasRemaining()).isFalse();
      assertThat(out.hasRemaining()).isFalse();
      assertThat(bytes(out.flip())).isEqualTo(sealed);

      // In place, as NoiseTransportCodec seals a composite message copied into the output.
      ByteBuffer inPlace = buffer(java.util.Arrays.copyOf(plain, length + 16), direct);
      new HybridChaCha20Poly1305(key).seal(nonce, ad, inPlace.duplicate().limit(length), inPlace.duplicate());
      assertThat(bytes(inPlace)).isEqualTo(sealed);

      ByteBuffer opened = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
      ByteBuffer src = buffer(sealed, direct);
      assertThat(hybrid.open(nonce, ad, src, opened)).isTrue();
      assertThat(src.hasRemaining()).isFalse();
      assertThat(bytes(opened.flip())).isEqualTo(plain);

      byte[] forged = sealed.clone();
      forged[random.nextInt(forged.length)] ^= (byte) (1 + random.nextInt(255));
      ByteBuffer rejected = ByteBuffer.allocate(length);
      java.util.Arrays.fill(rejected.array(), (byte) 7);
      ByteBuffer forgedIn = buffer(forged, direct);
      assertThat(hybrid.open(nonce, ad, forgedIn, rejected)).isFalse();
      assertThat(forgedIn.position()).isZero();
      assertThat(rejected.array()).isEqualTo(new byte[length]);
    }
  }

  private static ByteBuffer buffer(byte[] b, boolean direct) {
    if (!direct) {
      return ByteBuffer.wrap(b);
    }
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
