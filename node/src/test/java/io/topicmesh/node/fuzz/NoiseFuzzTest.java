package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.security.noise.NoiseException;
import io.topicmesh.node.security.noise.NoisePayloads;
import java.util.Arrays;

/**
 * Noise handshake input from the remote: first byte even, the libp2p handshake payload (identity
 * key, signature over a fixed static key, muxer extensions) as the handler verifies it; odd, XX
 * message 1 as a responder reads it. The only error is {@link NoiseException}. (Transport frames
 * after the handshake are authenticated: random bytes end at the MAC check.)
 */
class NoiseFuzzTest {
  private static final byte[] REMOTE_STATIC = new byte[32];

  static {
    Arrays.fill(REMOTE_STATIC, (byte) 7);
  }

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void handshake(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    try {
      if ((input[0] & 1) == 0) {
        NoisePayloads.Verified v = NoisePayloads.verify(rest, REMOTE_STATIC);
        assertThat(v.peer()).isNotNull();
      } else {
        assertThat(NoisePayloads.readFirstMessage(rest)).hasSize(rest.length - 32);
      }
    } catch (NoiseException e) {
      assertThat(e.reason()).isNotNull();
    }
  }
}
