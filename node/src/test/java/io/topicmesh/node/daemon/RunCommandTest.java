package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {
  @Test
  void muxerNamesMapToProtocolIdsInOrder() {
    assertThat(RunCommand.muxerIds(List.of("mplex", "yamux"))).containsExactly("/mplex/6.7.0", "/yamux/1.0.0");
    assertThat(RunCommand.muxerIds(List.of("yamux"))).containsExactly("/yamux/1.0.0");
    assertThatThrownBy(() -> RunCommand.muxerIds(List.of("spdy")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spdy");
  }

  @Test
  void pingIntervalAcceptsUnitsAndIsoDurations() {
    assertThat(RunCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(RunCommand.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(RunCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(RunCommand.parseDuration("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> RunCommand.parseDuration("soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--ping-interval");
  }

  @Test
  void unknownMuxerIsAnErrorExitNotAStackTrace() {
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--muxer", "spdy")).isEqualTo(2);
    assertThat(Main.execute("--version")).isZero();
  }
}
