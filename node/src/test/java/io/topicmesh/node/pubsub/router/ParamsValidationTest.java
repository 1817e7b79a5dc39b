package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ParamsValidationTest {
  @Test
  void defaultsAreTheSpecValues() {
    GossipParams p = GossipParams.defaults();
    assertThat(new int[] {p.d(), p.dlo(), p.dhi(), p.dscore(), p.dout(), p.dlazy()})
        .containsExactly(6, 5, 12, 4, 2, 6);
    assertThat(p.historyLength()).isEqualTo(5);
    assertThat(p.historyGossip()).isEqualTo(3);
    assertThat(p.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.fanoutTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(p.pruneBackoff()).isEqualTo(Duration.ofMinutes(1));
    assertThat(p.gossipFactor()).isEqualTo(0.25);
    assertThat(p.floodPublish()).isTrue();
    assertThat(p.toBuilder().build()).isEqualTo(p);
  }

  @Test
  void meshInvariantsNameFieldAndValue() {
    assertThatThrownBy(() -> GossipParams.builder().mesh(6, 7, 12).build())
        .isInstanceOf(InvalidParamsException.class)
        .hasMessageStartingWith("dlo=7")
        .hasMessageContaining("must be <= d (6)");
    assertThatThrownBy(() -> GossipParams.builder().mesh(6, 5, 4).build())
        .hasMessageStartingWith("dhi=4");
    assertThatThrownBy(() -> GossipParams.builder().dout(5).build())
        .hasMessageStartingWith("dout=5")
        .hasMessageContaining("dlo");
    assertThatThrownBy(() -> GossipParams.builder().mesh(4, 4, 8).dout(3).build())
        .hasMessageStartingWith("dout=3")
        .hasMessageContaining("d/2");
    assertThatThrownBy(() -> GossipParams.builder().dscore(13).build())
        .hasMessageStartingWith("dscore=13");
    assertThatThrownBy(() -> GossipParams.builder().historyGossip(6).build())
        .hasMessageStartingWith("historyGossip=6");
    assertThatThrownBy(() -> GossipParams.builder().gossipFactor(1.5).build())
        .hasMessageStartingWith("gossipFactor=1.5");
    assertThatThrownBy(() -> GossipParams.builder().heartbeatInterval(Duration.ZERO).build())
        .hasMessageStartingWith("heartbeatInterval=PT0S");
  }

  @Test
  void bootstrapperConfigurationIsAllowed() {
    GossipParams p = GossipParams.builder().mesh(0, 0, 0).dout(0).dscore(0).build();
    assertThat(p.d()).isZero();
  }

  @Test
  void thresholdOrderingIsEnforced() {
    assertThat(PeerScoreThresholds.defaults().graylistThreshold()).isEqualTo(-80);
    assertThatThrownBy(() -> new PeerScoreThresholds(1, -1, -2, 0, 0))
        .hasMessageStartingWith("gossipThreshold=1.0");
    assertThatThrownBy(() -> new PeerScoreThresholds(-10, -5, -20, 0, 0))
        .hasMessageStartingWith("publishThreshold=-5.0");
    assertThatThrownBy(() -> new PeerScoreThresholds(-10, -20, -15, 0, 0))
        .hasMessageStartingWith("graylistThreshold=-15.0");
    assertThatThrownBy(() -> new PeerScoreThresholds(-10, -20, -30, -1, 0))
        .hasMessageStartingWith("acceptPxThreshold=-1.0");
    assertThatThrownBy(() -> new PeerScoreThresholds(Double.NaN, -20, -30, 0, 0))
        .hasMessageContaining("finite");
  }

  @Test
  void scoreParamSignsAndDecaysAreEnforced() {
    TopicScoreParams t = TopicScoreParams.defaults();
    assertThat(t.topicWeight()).isEqualTo(0.5);
    assertThatThrownBy(
            () ->
                new TopicScoreParams(
                    1, 1, Duration.ofSeconds(1), 10, 1, 0.5, 10, 1 /* positive P3 */, 0.5, 10, 5,
                    Duration.ZERO, Duration.ofSeconds(1), -1, 0.5, -1, 0.5))
        .hasMessageStartingWith("meshMessageDeliveriesWeight=1.0");
    assertThatThrownBy(
            () ->
                new TopicScoreParams(
                    1, 1, Duration.ofSeconds(1), 10, 1, 1.0 /* no decay */, 10, -1, 0.5, 10, 5,
                    Duration.ZERO, Duration.ofSeconds(1), -1, 0.5, -1, 0.5))
        .hasMessageStartingWith("firstMessageDeliveriesDecay=1.0");
    PeerScoreParams p = PeerScoreParams.defaults();
    assertThatThrownBy(
            () ->
                new PeerScoreParams(
                    p.topics(), p.topicScoreCap(), p.appSpecificWeight(), 1, 1, p.ipColocationWhitelist(),
                    p.behaviourPenaltyWeight(), 0, 0.5, p.decayInterval(), 0.1, p.retainScore()))
        .hasMessageStartingWith("ipColocationFactorWeight=1.0");
    assertThat(p.withTopic("t", t).topics()).containsKey("t");
  }
}
