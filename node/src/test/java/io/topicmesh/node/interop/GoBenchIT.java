package io.topicmesh.node.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The go benchmark runs and reports every figure a side-by-side table needs (small sizes: CI). */
class GoBenchIT {

  @Test
  void reportsThroughputAndHandshakeFigures() {
    PeerEvent bench = GoBench.run(List.of("--mb", "8", "--streams", "8", "--handshakes", "20", "--rounds", "1"),
        Duration.ofMinutes(3));
    assertThat(bench.string("impl")).startsWith("go-libp2p");
    assertThat(bench.number("bytes")).isEqualTo(8_000_000);
    assertThat(bench.number("streams")).isEqualTo(8);
    assertThat(bench.number("handshakes")).isEqualTo(20);
    for (String figure : List.of("noiseMBps", "yamux1MBps", "yamuxNMBps", "handshakesPerSec", "handshakesPerSecMultistreamMuxer")) {
      assertThat(bench.number(figure)).as(figure).isPositive();
    }
  }

  @Test
  void badFlagsFailWithTheBenchmarksMessage() {
    assertThatThrownBy(() -> GoBench.run(List.of("--mb", "zero"), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a positive integer");
  }
}
