package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;

/**
 * OpenSSL's ChaCha20-Poly1305 through FFM against {@link NativeAeadContract}. Runs only in the
 * {@code native-aead} surefire execution (JDK 22+, node/pom.xml); there it fails when the native
 * AEAD is unusable.
 */
class NativeAeadTest extends NativeAeadContract {
  @BeforeAll
  static void theNativeAeadIsUsableHere() {
    assertThat(Runtime.version().feature())
        .as("NativeAeadTest runs on JDK 22+ (the native-aead execution of node/pom.xml)")
        .isGreaterThanOrEqualTo(22);
    NativeAeads.Probe probe = NativeAeads.probe();
    assertThat(probe.available).as("native AEAD %s", probe).isTrue();
    assertThat(probe.detail).contains("OpenSSL 3", "self-test passed");
  }

  @Override
  NativeAead create(byte[] key) {
    return NativeAeads.create(key);
  }

  @Override
  AeadChoice choice() {
    return AeadChoice.NATIVE;
  }
}
