package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MuxConfigTest {
  @Test
  void defaultsAreTheDocumentedValues() {
    MuxConfig c = MuxConfig.defaults();
    assertThat(c.maxInboundStreams()).isEqualTo(512);
    assertThat(c.maxOutboundStreams()).isEqualTo(512);
    assertThat(c.maxAckBacklog()).isEqualTo(256);
    assertThat(c.yamuxInitialWindow()).isEqualTo(256 * 1024);
    assertThat(c.yamuxMaxWindow()).isEqualTo(16 << 20);
    assertThat(c.maxSendFrameLength()).isEqualTo(64 * 1024);
    assertThat(c.mplexMaxStreamBufferBytes()).isEqualTo(4 << 20);
    assertThat(c.maxPendingPings()).isEqualTo(32);
    assertThat(c.maxConnectionBufferBytes()).isEqualTo(64 << 20);
    assertThat(c.yamuxKeepAliveInterval()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(c.yamuxPingTimeout()).isEqualTo(java.time.Duration.ofSeconds(10));
  }

  @Test
  void rejectsValuesOutsideTheirRangeNamingTheField() {
    MuxConfig d = MuxConfig.defaults();
    assertThatThrownBy(() -> d.withMaxInboundStreams(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInboundStreams")
        .hasMessageContaining("got 0");
    assertThatThrownBy(() -> d.withYamuxWindows(1024, 1 << 20))
        .hasMessageContaining("yamuxInitialWindow")
        .hasMessageContaining("262144");
    assertThatThrownBy(() -> d.withYamuxWindows(1 << 20, 512 * 1024))
        .hasMessageContaining("yamuxMaxWindow");
    assertThatThrownBy(() -> d.withMaxSendFrameLength(2 << 20)).hasMessageContaining("maxSendFrameLength");
    assertThatThrownBy(() -> d.withMplexMaxStreamBufferBytes(1000))
        .hasMessageContaining("mplexMaxStreamBufferBytes");
    assertThatThrownBy(() -> d.withMaxConnectionBufferBytes(1 << 20))
        .hasMessageContaining("maxConnectionBufferBytes");
    assertThatThrownBy(() -> new MuxConfig(1, 1, 257, 262144, 262144, 1024, 1 << 20, 1, 1 << 20, java.time.Duration.ZERO, java.time.Duration.ofSeconds(1)))
        .hasMessageContaining("maxAckBacklog");
    assertThatThrownBy(() -> d.withYamuxKeepAlive(java.time.Duration.ofSeconds(-1), java.time.Duration.ofSeconds(1)))
        .hasMessageContaining("yamuxKeepAliveInterval");
    assertThatThrownBy(() -> d.withYamuxKeepAlive(java.time.Duration.ZERO, java.time.Duration.ZERO))
        .hasMessageContaining("yamuxPingTimeout");
  }

  @Test
  void muxersAreCreatedByProtocolId() {
    assertThat(Muxers.PROTOCOL_IDS).containsExactly("/yamux/1.0.0", "/mplex/6.7.0");
    for (String id : Muxers.PROTOCOL_IDS) {
      assertThat(Muxers.create(id, true, MuxConfig.defaults(), null, null).protocolId()).isEqualTo(id);
    }
    assertThatThrownBy(() -> Muxers.create("/spdy/3.1.0", true, MuxConfig.defaults(), null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/spdy/3.1.0");
  }
}
