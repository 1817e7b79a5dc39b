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
        .hasMessage("heartbeatIntervalMs=0: must be > 0");
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

  /** P3/P3b are opt-in: off by default, and when on every member they depend on must be set. */
  @Test
  void meshDeliveryScoreIsOffByDefaultAndNeedsItsCalibrationWhenOn() {
    TopicScoreParams d = TopicScoreParams.defaults();
    assertThat(d.meshMessageDeliveriesWeight()).isZero();
    assertThat(d.meshFailurePenaltyWeight()).isZero();
    assertThat(d.meshDeliveriesScored()).isFalse();
    // P3 on with the defaults' (unset) threshold
    assertThatThrownBy(() -> p3(-1, 0, 100, Duration.ofSeconds(5), 0.5, 0, 0.5))
        .isInstanceOf(InvalidParamsException.class)
        .hasMessageStartingWith("meshMessageDeliveriesThreshold=0.0: must be > 0 while meshMessageDeliveriesWeight (P3) < 0");
    assertThatThrownBy(() -> p3(-1, 20, 100, Duration.ZERO, 0.5, 0, 0.5))
        .hasMessageStartingWith("meshMessageDeliveriesActivation=PT0S: must be >= 1s while meshMessageDeliveriesWeight");
    assertThatThrownBy(() -> p3(-1, 20, 10, Duration.ofSeconds(5), 0.5, 0, 0.5))
        .hasMessageStartingWith("meshMessageDeliveriesCap=10.0: must be >= meshMessageDeliveriesThreshold (20.0)");
    assertThatThrownBy(() -> p3(-1, 20, 100, Duration.ofSeconds(5), 1.0, 0, 0.5))
        .hasMessageStartingWith("meshMessageDeliveriesDecay=1.0: must be in (0, 1)");
    // P3b alone still needs P3's threshold (its penalty is P3's deficit at PRUNE time)
    assertThatThrownBy(() -> p3(0, 0, 100, Duration.ofSeconds(5), 0.5, -1, 0.5))
        .hasMessageStartingWith("meshMessageDeliveriesThreshold=0.0: must be > 0 while meshFailurePenaltyWeight (P3b) < 0");
    assertThatThrownBy(() -> p3(0, 20, 100, Duration.ofSeconds(5), 0.5, -1, 0))
        .hasMessageStartingWith("meshFailurePenaltyDecay=0.0: must be in (0, 1)");
    // off: the calibration members may be anything non-negative
    assertThat(p3(0, 0, 0, Duration.ZERO, 0, 0, 0).meshDeliveriesScored()).isFalse();
    assertThat(p3(-1, 20, 100, Duration.ofSeconds(5), 0.5, -1, 0.5).meshDeliveriesScored()).isTrue();
  }

  private static TopicScoreParams p3(double w3, double threshold, double cap, Duration activation, double decay,
      double w3b, double decay3b) {
    TopicScoreParams d = TopicScoreParams.defaults();
    return new TopicScoreParams(d.topicWeight(), d.timeInMeshWeight(), d.timeInMeshQuantum(), d.timeInMeshCap(),
        d.firstMessageDeliveriesWeight(), d.firstMessageDeliveriesDecay(), d.firstMessageDeliveriesCap(), w3, decay, cap,
        threshold, d.meshMessageDeliveriesWindow(), activation, w3b, decay3b, d.invalidMessageDeliveriesWeight(),
        d.invalidMessageDeliveriesDecay());
  }
}
