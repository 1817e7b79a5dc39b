package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenSSL's ChaCha20-Poly1305 through JNI against {@link NativeAeadContract}. Runs on JDK 17 (the
 * default surefire execution) and on JDK 22+ (native-aead). On Linux x86-64, where the build
 * compiles the shim into target/classes, it fails when the JNI AEAD cannot load, with the probe's
 * reason (the library missing from the class path, libcrypto.so.3 missing, ...); elsewhere it
 * checks that the probe says why there is no JNI AEAD and that "auto" falls back.
 */
class JniAeadTest extends NativeAeadContract {
  private static final boolean SUPPORTED = System.getProperty("os.name", "").startsWith("Linux")
      && (System.getProperty("os.arch", "").equals("amd64") || System.getProperty("os.arch", "").equals("x86_64"));

  @BeforeAll
  static void theJniAeadIsUsableHere() {
    NativeAeads.Probe probe = JniAeads.probe();
    if (!SUPPORTED) {
      assertThat(probe.available).isFalse();
      assertThat(probe.detail).contains("no JNI library for");
      assertThat(AeadChoice.select("auto")).isNotEqualTo(AeadChoice.JNI);
      return;
    }
    assertThat(probe.available)
        .as("the JNI AEAD must load on Linux x86-64 (built by node/src/main/c/build.sh during mvn compile;"
            + " needs libcrypto.so.3, Debian: libssl3): %s", probe)
        .isTrue();
    assertThat(probe.detail).contains("OpenSSL 3", "through JNI", "self-test passed");
  }

  @Override
  NativeAead create(byte[] key) {
    // Reported as skipped, with the reason, on platforms the jar has no library for (never CI's).
    Assumptions.assumeTrue(SUPPORTED, "no JNI AEAD on this platform: " + JniAeads.probe().detail);
    return JniAeads.create(key);
  }

  @Override
  AeadChoice choice() {
    return AeadChoice.JNI;
  }

  /** Forcing it selects it, and on JDKs without the final FFM API "auto" picks it too. */
  @Test
  void autoPicksItWhereFfmIsUnavailable() {
    if (!SUPPORTED) {
      assertThatThrownBy(() -> AeadChoice.select("jni"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no JNI library for");
      return;
    }
    assertThat(AeadChoice.select("jni")).isEqualTo(AeadChoice.JNI);
    if (!NativeAeads.probe().available) {
      assertThat(AeadChoice.select("auto")).isEqualTo(AeadChoice.JNI);
    } else {
      assertThat(AeadChoice.select("auto")).isEqualTo(AeadChoice.NATIVE);
    }
  }
}
