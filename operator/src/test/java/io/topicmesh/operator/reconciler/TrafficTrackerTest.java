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

  static NodeStatus topic(String peer, String topic, long messages, Long duplicates) {
    return new NodeStatus(peer, List.of(), "v", 1, true, List.of(), List.of(
        new NodeStatus.TopicState(topic, List.of(), List.of(), messages, duplicates)), null, null);
  }

  @Test
  void eachTopicHasItsOwnDuplicatesPerMessageAndDeliveryRatio() {
    TrafficTracker tracker = new TrafficTracker();
    tracker.observe("c", List.of(topic("a", "t", 0, 0L), topic("b", "t", 0, 0L), topic("x", "t", 0, 0L)), T0);
    assertThat(tracker.topicTraffic("c")).as("one sample: nothing").isEmpty();
    // 100 messages on the topic: a and b saw all, x 70; 540 duplicates over the 270 messages seen
    tracker.observe("c", List.of(topic("a", "t", 100, 200L), topic("b", "t", 100, 200L), topic("x", "t", 70, 140L)),
        T0.plusSeconds(10));
    var t = tracker.topicTraffic("c").get("t");
    assertThat(t.messagesPerSecond()).isEqualTo(10.0);
    assertThat(t.duplicatesPerMessage()).isEqualTo(2.0);
    assertThat(t.deliveryRatio()).isEqualTo(0.9);
    // too few messages in a round for a ratio; a node without the duplicates counter: unknown, not 0
    tracker.observe("c", List.of(topic("a", "t", 110, 210L), topic("b", "t", 110, null), topic("x", "t", 75, 150L)),
        T0.plusSeconds(20));
    t = tracker.topicTraffic("c").get("t");
    assertThat(t.deliveryRatio()).isNull();
    assertThat(t.duplicatesPerMessage()).isNull();
  }

  private static NodeStatus withProbes(String peer, Long expected, Long received, Double p50, Double p99) {
    return new NodeStatus(peer, List.of(), "v", 1, true, List.of(), List.of(), null,
        new NodeStatus.Traffic(0, 0, 0, null, null),
        new NodeStatus.Probes(true, 2, expected, received, expected == null ? null : (double) received / expected, p50, p99));
  }

  /** Issue 9: the probe figures are summed over the nodes; the worst node's p99; absent stays absent. */
  @Test
  void probeFiguresAreAggregatedAndAbsentFiguresStayAbsent() {
    ProbeSummary s = ProbeSummary.of(List.of(withProbes("a", 100L, 100L, 2.0, 10.0), withProbes("b", 100L, 90L, 3.0, 40.0),
        withProbes("c", 100L, 100L, 4.0, 20.0)));
    assertThat(s.nodes()).isEqualTo(3);
    assertThat(s.deliveryRatio()).isEqualTo(290 / 300.0, org.assertj.core.api.Assertions.within(1e-4));
    assertThat(s.latencyP99Ms()).isEqualTo(40.0);
    assertThat(s.latencyP50Ms()).isEqualTo(3.0);
    ProbeSummary none = ProbeSummary.of(List.of(withProbes("a", null, null, null, null)));
    assertThat(none.nodes()).isEqualTo(1);
    assertThat(none.deliveryRatio()).isNull();
    assertThat(none.latencyP99Ms()).isNull();
    NodeStatus old = new NodeStatus("x", List.of(), "v", 1, true, List.of(), List.of(), null, null);
    assertThat(ProbeSummary.of(List.of(old))).isEqualTo(ProbeSummary.NONE);

    // without probes and without load latency, Auto tuning sees NaN, never 0
    ClusterTraffic t = new ClusterTraffic();
    t.deliveredPerSecond = 10.0;
    var o = TopicClusterReconciler.observation(t);
    assertThat(o.latencyKnown()).isFalse();
    assertThat(o.deliveryKnown()).isFalse();
    t.latencyP99Ms = 80.0;
    t.deliveryRatio = 0.98;
    assertThat(TopicClusterReconciler.observation(t).latencyP99Ms()).as("load latency as fallback").isEqualTo(80.0);
    t.probes = s;
    assertThat(TopicClusterReconciler.observation(t).latencyP99Ms()).as("probes first").isEqualTo(40.0);
    assertThat(TopicClusterReconciler.observation(t).deliveryRatio()).isEqualTo(s.deliveryRatio());
  }

  /** Issue 9: mesh health from probes is state with hysteresis, naming the violated objective. */
  @Test
  void probeHealthClassifiesWithHysteresisAndStableMessages() {
    ProbeSummary good = new ProbeSummary(3, 300L, 300L, 1.0, 5.0, 100.0);
    ProbeHealth h = ProbeHealth.classify(good, 0.99, 500, 10, null);
    assertThat(h.state()).isEqualTo("Healthy");
    assertThat(h.reason()).isEqualTo(ProbeHealth.OBJECTIVES_MET);
    ProbeSummary lossy = new ProbeSummary(3, 300L, 270L, 0.9, 5.0, 120.0);
    ProbeHealth l = ProbeHealth.classify(lossy, 0.99, 500, 10, h.reason());
    assertThat(l.state()).isEqualTo("Degraded");
    assertThat(l.reason()).isEqualTo(ProbeHealth.DELIVERY_LOW);
    assertThat(ProbeHealth.classify(new ProbeSummary(3, 300L, 280L, 0.93, 5.0, 130.0), 0.99, 500, 10, l.reason()).message())
        .as("other figures, same message: no status write").isEqualTo(l.message());
    // latency: 530 ms is within the 10% band from healthy, but keeps a violation going
    ProbeSummary slowish = new ProbeSummary(3, 300L, 300L, 1.0, 5.0, 530.0);
    assertThat(ProbeHealth.classify(slowish, 0.99, 500, 10, ProbeHealth.OBJECTIVES_MET).state()).isEqualTo("Healthy");
    assertThat(ProbeHealth.classify(slowish, 0.99, 500, 10, ProbeHealth.LATENCY_HIGH).reason())
        .isEqualTo(ProbeHealth.LATENCY_HIGH);
    assertThat(ProbeHealth.classify(new ProbeSummary(3, 300L, 200L, 0.66, 5.0, 900.0), 0.99, 500, 10, null).reason())
        .isEqualTo(ProbeHealth.BOTH);
    ProbeHealth unknown = ProbeHealth.classify(ProbeSummary.NONE, 0.99, 500, 10, ProbeHealth.DELIVERY_LOW);
    assertThat(unknown.state()).isEqualTo("Unknown");
    assertThat(unknown.status()).isEqualTo("Unknown");
    assertThat(unknown.reason()).isEqualTo(ProbeHealth.NO_DATA);
  }
}
