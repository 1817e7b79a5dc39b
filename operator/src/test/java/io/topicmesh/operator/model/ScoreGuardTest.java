package io.topicmesh.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScoreGuardTest {
  static TopicClusterSpec.Topic withP3(String name) {
    TopicClusterSpec.Topic t = new TopicClusterSpec.Topic(name);
    t.score = new TopicClusterSpec.TopicScore();
    t.score.topicWeight = 1.0;
    t.score.meshMessageDeliveriesWeight = -1.0;
    t.score.meshMessageDeliveriesThreshold = 20.0;
    t.score.meshMessageDeliveriesActivationMs = 5_000L;
    t.score.meshMessageDeliveriesDecay = 0.5;
    t.score.meshFailurePenaltyWeight = -1.0;
    return t;
  }

  @Test
  void expectedDeliveriesFollowTheDocumentedFormula() {
    // r=10 msg/s over 5 mesh peers, decay 0.5 per second, activation 5 s: 2 * (1 - 0.5^5) / 0.5 = 3.875
    assertThat(ScoreGuard.expectedDeliveries(10, 5, 5, 0.5)).isCloseTo(3.875, within(1e-9));
    assertThat(ScoreGuard.expectedDeliveries(10, 5, 5, 1.0)).isCloseTo(10.0, within(1e-9));
    assertThat(ScoreGuard.expectedDeliveries(0, 5, 5, 0.9)).isZero();
  }

  @Test
  void anIdleTopicNeverGetsAPenalisingP3() {
    var decision = ScoreGuard.decide(List.of(withP3("prices")), Map.of("prices", 0.0), 4, Set.of());
    assertThat(decision.guardedTopics()).containsExactly("prices");
    assertThat(decision.scores().get("prices")).containsEntry("meshMessageDeliveriesWeight", 0.0)
        .containsEntry("meshFailurePenaltyWeight", 0.0).containsEntry("topicWeight", 1.0);
    assertThat(decision.guarded().get(0).message()).contains("prices", "0.000 msg/s", "4 mesh peers", "threshold");
  }

  @Test
  void aNewTopicStartsWithP3OffUntilItsRateIsKnown() {
    var unknown = ScoreGuard.decide(List.of(withP3("prices")), Map.of(), 4, null);
    assertThat(unknown.guardedTopics()).containsExactly("prices");
    assertThat(unknown.guarded().get(0).message()).contains("no message rate observed");
  }

  @Test
  void enoughTrafficEnablesP3WithHysteresis() {
    // threshold 20, decay 0.5, activation 5 s, 4 peers: c = (r/4) * 1.9375; on at c >= 40 (r >= 82.6), off below 20 (r < 41.3)
    TopicClusterSpec.Topic prices = withP3("prices");
    assertThat(ScoreGuard.decide(List.of(prices), Map.of("prices", 60.0), 4, Set.of("prices")).guardedTopics())
        .as("60 msg/s is not enough to turn P3 on").containsExactly("prices");
    var on = ScoreGuard.decide(List.of(prices), Map.of("prices", 90.0), 4, Set.of("prices"));
    assertThat(on.guardedTopics()).isEmpty();
    assertThat(on.scores().get("prices")).containsEntry("meshMessageDeliveriesWeight", -1.0);
    assertThat(ScoreGuard.decide(List.of(prices), Map.of("prices", 60.0), 4, Set.of()).guardedTopics())
        .as("once on, 60 msg/s keeps it on").isEmpty();
    assertThat(ScoreGuard.decide(List.of(prices), Map.of("prices", 30.0), 4, Set.of()).guardedTopics())
        .as("below the threshold it goes off").containsExactly("prices");
    assertThat(ScoreGuard.decide(List.of(prices), Map.of(), 4, Set.of()).guardedTopics())
        .as("an unknown rate keeps the previous state").isEmpty();
  }

  @Test
  void topicsWithoutP3GetExplicitZeroWeightsAndTopicsWithoutScoreNone() {
    TopicClusterSpec.Topic news = new TopicClusterSpec.Topic("news");
    TopicClusterSpec.Topic weather = new TopicClusterSpec.Topic("weather");
    weather.score = new TopicClusterSpec.TopicScore();
    weather.score.invalidMessageDeliveriesWeight = -100.0;
    var decision = ScoreGuard.decide(List.of(news, weather), Map.of(), 4, null);
    assertThat(decision.scores().get("news")).isNull();
    assertThat(decision.scores().get("weather")).containsEntry("meshMessageDeliveriesWeight", 0.0)
        .containsEntry("meshFailurePenaltyWeight", 0.0).containsEntry("invalidMessageDeliveriesWeight", -100.0);
    assertThat(decision.guarded()).as("nothing held off that the spec asked for").isEmpty();
  }
}
