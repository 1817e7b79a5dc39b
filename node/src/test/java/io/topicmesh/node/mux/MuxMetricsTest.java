package io.topicmesh.node.mux;

import static io.topicmesh.node.mux.Wire.feed;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MuxMetricsTest {
  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  @Test
  void countsStreamsRefusalsDropsAndProtocolErrorsByReason() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MuxMetrics metrics = new MuxMetrics(registry, "yamux");
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new YamuxHandler(false, MuxConfig.defaults().withMaxInboundStreams(1), null, metrics));
    try {
      feed(ch, "000100010000000100000000"); // SYN stream 1: accepted
      feed(ch, "000100010000000300000000"); // SYN stream 3: refused
      feed(ch, "00000000000000090000000161"); // data for unknown stream 9
      feed(ch, "000100080000000100000000"); // RST stream 1
      feed(ch, "00ff00000000000000000000"); // unknown type
      assertThat(count(registry, "topicmesh_mux_streams_opened", "direction", "in")).isEqualTo(1);
      assertThat(count(registry, "topicmesh_mux_streams_refused", "reason", "TOO_MANY_STREAMS")).isEqualTo(1);
      assertThat(count(registry, "topicmesh_mux_frames_dropped", "reason", "UNKNOWN_STREAM")).isEqualTo(1);
      assertThat(count(registry, "topicmesh_mux_streams_closed", "reason", "RESET_BY_REMOTE")).isEqualTo(1);
      assertThat(count(registry, "topicmesh_mux_protocol_errors", "reason", "UNKNOWN_TYPE")).isEqualTo(1);
      assertThat(ch.isActive()).isFalse();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static double count(SimpleMeterRegistry r, String name, String tag, String value) {
    var c = r.find(name).tag("muxer", "yamux").tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }
}
