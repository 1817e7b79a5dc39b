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
    assertThatThrownBy(() -> AeadChoice.select("openssl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(AeadChoice.PROPERTY)
        .hasMessageContaining("openssl");
  }

  @Test
  void autoPicksOursWithoutIntrinsics() {
    // JDK 17 has neither UseChaCha20Intrinsics nor UsePoly1305Intrinsics (added in JDK 20).
    if (Runtime.version().feature() < 20) {
      assertThat(AeadChoice.select("auto")).isEqualTo(AeadChoice.JAVA);
    } else {
      assertThat(AeadChoice.select("auto")).isIn(AeadChoice.JAVA, AeadChoice.JDK);
    }
  }

  @Test
  void bothImplementationsInteroperateAndRejectForgeries() throws Exception {
    Random random = new Random(42);
    byte[] key = new byte[32];
    random.nextBytes(key);
    for (AeadChoice sender : AeadChoice.values()) {
      AeadChoice receiver = sender == AeadChoice.JAVA ? AeadChoice.JDK : AeadChoice.JAVA;
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
    }
  }
}
