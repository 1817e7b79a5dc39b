package io.topicmesh.node.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.pubsub.router.GossipParams;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParamsCodecTest {
  @Test
  void everyMemberRoundTrips() {
    GossipParams p = GossipParams.builder().mesh(8, 6, 14).heartbeatInterval(Duration.ofMillis(700))
        .floodPublish(false).gossipFactor(0.5).idontwantThreshold(4096).build();
    Map<String, Object> json = ParamsCodec.toJson(p);
    assertThat(json).containsEntry("d", 8).containsEntry("heartbeatIntervalMs", 700L)
        .containsEntry("floodPublish", false).containsEntry("idontwantThreshold", 4096)
        .doesNotContainKey("heartbeatInterval").doesNotContainKey("idontwantMessageThreshold");
    assertThat(ParamsCodec.merge(GossipParams.defaults(), json, "")).isEqualTo(p);
  }

  @Test
  void theOperatorsMembersAreAllKnown() {
    assertThat(ParamsCodec.names()).contains("d", "dlo", "dhi", "dlazy", "dout", "dscore", "heartbeatIntervalMs",
        "historyLength", "historyGossip", "fanoutTtlMs", "seenTtlMs", "floodPublish", "idontwantThreshold");
  }

  @Test
  void aPartialChangeKeepsTheRestAndIsValidatedAsAWhole() {
    GossipParams base = GossipParams.defaults();
    assertThat(ParamsCodec.merge(base, Map.of("dhi", 20), "").dhi()).isEqualTo(20);
    assertThatThrownBy(() -> ParamsCodec.merge(base, Map.of("d", 20), ""))
        .isInstanceOf(ConfigException.class).hasMessage("dhi=12: must be >= d (20)");
    assertThatThrownBy(() -> ParamsCodec.merge(base, Map.of("d", 3_000_000_000L), ""))
        .hasMessage("d=3000000000: must be a 32-bit integer");
    assertThatThrownBy(() -> ParamsCodec.merge(base, Map.of("heartbeatIntervalMs", -5), "p."))
        .hasMessage("p.heartbeatIntervalMs=-5: must be milliseconds in [0, one year]");
    assertThatThrownBy(() -> ParamsCodec.merge(base, Map.of("gossipFactor", true), ""))
        .hasMessage("gossipFactor=true: must be a number");
  }
}
