package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.operator.node.NodeStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficTrackerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  static NodeStatus node(String peer, long pub, long del, long dup, double p50, double p99) {
    return new NodeStatus(peer, List.of(), "v", 1, true, List.of(), List.of(), null,
        new NodeStatus.Traffic(pub, del, dup, p50, p99));
  }

  @Test
  void ratesComeFromCounterDeltasOverTime() {
    TrafficTracker tracker = new TrafficTracker();
    var first = tracker.observe("c", List.of(node("a", 0, 0, 0, 1, 5), node("b", 0, 0, 0, 3, 9)), T0);
    assertThat(first.deliveredPerSecond).as("no rate from one sample").isNull();
    assertThat(first.latencyP99Ms).isEqualTo(9.0);
    var second = tracker.observe("c", List.of(node("a", 100, 400, 800, 2, 6), node("b", 100, 600, 1200, 4, 12)),
        T0.plusSeconds(10));
    assertThat(second.publishedPerSecond).isEqualTo(20.0);
    assertThat(second.deliveredPerSecond).isEqualTo(100.0);
    assertThat(second.duplicatesPerMessage).isEqualTo(2.0);
    assertThat(second.deliveryRatio).as("1000 deliveries of 200 messages over 1 other node").isEqualTo(5.0);
    assertThat(second.latencyP50Ms).isEqualTo(4.0);
    assertThat(second.latencyP99Ms).isEqualTo(12.0);
  }

  @Test
  void aRestartedNodeIsNotCountedAsNegativeTraffic() {
    TrafficTracker tracker = new TrafficTracker();
    tracker.observe("c", List.of(node("a", 100, 100, 100, 1, 1)), T0);
    var after = tracker.observe("c", List.of(node("a", 1, 1, 1, 1, 1)), T0.plusSeconds(5));
    assertThat(after.deliveredPerSecond).isNull();
    var next = tracker.observe("c", List.of(node("a", 11, 51, 1, 1, 1)), T0.plusSeconds(10));
    assertThat(next.deliveredPerSecond).isEqualTo(10.0);
    assertThat(next.duplicatesPerMessage).isEqualTo(0.0);
  }

  @Test
  void clustersAreKeptApart() {
    TrafficTracker tracker = new TrafficTracker();
    tracker.observe("c1", List.of(node("a", 0, 0, 0, 1, 1)), T0);
    var other = tracker.observe("c2", List.of(node("a", 50, 50, 50, 1, 1)), T0.plusSeconds(1));
    assertThat(other.deliveredPerSecond).isNull();
  }

  static NodeStatus withTopics(String peer, long news, Long prices) {
    return new NodeStatus(peer, List.of(), "v", 1, true, List.of(), List.of(
        new NodeStatus.TopicState("news", List.of(), List.of(), news),
        new NodeStatus.TopicState("prices", List.of(), List.of(), prices)), null, null);
  }

  @Test
  void topicRatesAreTheHighestRateAnyNodeSaw() {
    TrafficTracker tracker = new TrafficTracker();
    tracker.observe("c", List.of(withTopics("a", 0, null), withTopics("b", 10, null)), T0);
    assertThat(tracker.topicRates("c")).as("one sample: no rate").isEmpty();
    tracker.observe("c", List.of(withTopics("a", 100, null), withTopics("b", 60, null)), T0.plusSeconds(10));
    assertThat(tracker.topicRates("c")).containsOnlyKeys("news").containsEntry("news", 10.0);
    tracker.forget("c");
    assertThat(tracker.topicRates("c")).isEmpty();
  }

  @Test
  void statusWritesWaitForAMeaningfulChange() {
    var a = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.Traffic();
    a.publishedPerSecond = 100.0;
    a.latencyP99Ms = 20.0;
    var b = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.Traffic();
    b.publishedPerSecond = 105.0;
    b.latencyP99Ms = 20.5;
    assertThat(TopicClusterReconciler.changedMeaningfully(a, b)).as("5% and 0.5 ms are noise").isFalse();
    b.publishedPerSecond = 120.0;
    assertThat(TopicClusterReconciler.changedMeaningfully(a, b)).isTrue();
    b.publishedPerSecond = 100.0;
    b.latencyP99Ms = null;
    assertThat(TopicClusterReconciler.changedMeaningfully(a, b)).as("a figure vanished").isTrue();
    var idle = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.Traffic();
    idle.publishedPerSecond = 0.2;
    var idle2 = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.Traffic();
    idle2.publishedPerSecond = 0.4;
    assertThat(TopicClusterReconciler.changedMeaningfully(idle, idle2)).as("below the 0.5 msg/s floor").isFalse();
  }
}
