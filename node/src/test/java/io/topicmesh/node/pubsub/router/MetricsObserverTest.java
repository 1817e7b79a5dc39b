package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsObserverTest {
  @Test
  void routerActivityShowsUpInMetrics() {
    MeterRegistry reg = new SimpleMeterRegistry();
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(reg, 2);
    RouterHarness h = new RouterHarness(b -> b.observer(metrics).lockListener(metrics));
    metrics.bindInboxDepth(h.router::inboxDepth);
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(8, "t");
    h.heartbeats(1);
    ScriptedPeer src = ps.stream().filter(x -> h.router.meshPeers("t").contains(x.id)).findFirst().orElseThrow();
    var m = src.signed("t", new byte[2000]);
    src.publish(m);
    src.publish(m);
    h.router.publish("t", new byte[] {1});
    h.heartbeats(1);
    String p = MicrometerRouterObserver.PREFIX;
    assertThat(reg.get(p + "messages_delivered_total").tag("topic", "t").counter().count()).isEqualTo(1);
    assertThat(reg.get(p + "messages_duplicate_total").tag("topic", "t").counter().count()).isEqualTo(1);
    assertThat(reg.get(p + "messages_published_total").tag("topic", "t").counter().count()).isEqualTo(1);
    assertThat(reg.get(p + "graft_total").tag("reason", "undersubscribed").counter().count()).isEqualTo(6);
    assertThat(reg.get(p + "mesh_peers").tag("topic", "t").gauge().value()).isEqualTo(6);
    assertThat(reg.get(p + "peers").tag("protocol", "/meshsub/1.2.0").gauge().value()).isEqualTo(8);
    assertThat(reg.get(p + "rpc_bytes_total").tag("direction", "in").tag("part", "publish").counter().count())
        .isGreaterThan(4000);
    assertThat(reg.get(p + "control_ids_total").tag("type", "idontwant").tag("direction", "out").counter().count())
        .isGreaterThan(0);
    assertThat(reg.get(p + "heartbeat_duration_seconds").timer().count()).isEqualTo(2);
    assertThat(reg.get(p + "lock_hold_seconds").tag("holder", "heartbeat").timer().count()).isGreaterThanOrEqualTo(2);
    assertThat(reg.get(p + "peers_by_score").tag("band", "non_negative").gauge().value()).isEqualTo(8);
    assertThat(reg.get(p + "lock_inbox_depth").gauge().value()).isZero();
    h.router.onInvalidRpc(src.id, io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason.TOO_MANY_MESSAGES);
    assertThat(reg.get(p + "invalid_rpcs_total").tag("reason", "too_many_messages").counter().count()).isEqualTo(1);
  }

  @Test
  void holdCpuTimeIsAHistogramWithBoundedBucketsOnlyWhenMeasured() {
    MeterRegistry reg = new SimpleMeterRegistry();
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(reg, 1);
    String p = MicrometerRouterObserver.PREFIX;
    metrics.released("rpc", 2_000_000, io.topicmesh.node.pubsub.lock.RouterMutex.CPU_NOT_MEASURED);
    assertThat(reg.find(p + "lock_hold_cpu_seconds").timer()).as("not measured: no meter").isNull();
    assertThat(reg.get(p + "lock_hold_seconds").tag("holder", "rpc").timer().count()).isEqualTo(1);
    metrics.released("heartbeat", 300_000_000, 12_000_000);
    metrics.released("rpc", 1_000_000, 400_000);
    var t = reg.get(p + "lock_hold_cpu_seconds").timer();
    assertThat(t.count()).isEqualTo(2);
    assertThat(t.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(12.0);
    var buckets = t.takeSnapshot().histogramCounts();
    assertThat(buckets).hasSize(MicrometerRouterObserver.LOCK_HOLD_CPU_BUCKETS.length);
    // cumulative: 0.4 ms is under 0.5 ms, 12 ms is over 10 ms and under 25 ms
    assertThat(java.util.Arrays.stream(buckets).filter(b -> b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS) == 0.5)
        .findFirst().orElseThrow().count()).isEqualTo(1);
    assertThat(java.util.Arrays.stream(buckets).filter(b -> b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS) == 10)
        .findFirst().orElseThrow().count()).isEqualTo(1);
    assertThat(java.util.Arrays.stream(buckets).filter(b -> b.bucket(java.util.concurrent.TimeUnit.MILLISECONDS) == 25)
        .findFirst().orElseThrow().count()).isEqualTo(2);
    assertThat(reg.get(p + "lock_hold_seconds").tag("holder", "heartbeat").timer().max(
        java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(300.0);
  }

  /** Issue 9: bounded-enum event counters exist at 0 before their first event, so panels show 0. */
  @Test
  void eventCountersStartAtZeroForEveryReason() {
    MeterRegistry reg = new SimpleMeterRegistry();
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(reg, 1);
    String p = MicrometerRouterObserver.PREFIX;
    assertThat(reg.find(p + "invalid_rpcs_total").counters())
        .hasSize(io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason.values().length)
        .allSatisfy(c -> assertThat(c.count()).isZero());
    assertThat(reg.get(p + "outbound_dropped_total").tag("reason", "queue_full").counter().count()).isZero();
    assertThat(reg.find(p + "outbound_dropped_total").counters()).hasSize(DropReason.values().length);
    assertThat(reg.get(p + "lock_long_holds_total").tag("holder", "heartbeat").counter().count()).isZero();
    assertThat(reg.find(p + "messages_rejected_total").counters()).as("no topic labelled yet").isEmpty();

    metrics.topicLabel("t");
    metrics.topicLabel("t");
    assertThat(metrics.topicLabel("u")).isEqualTo(MicrometerRouterObserver.OTHER);
    assertThat(reg.find(p + "messages_rejected_total").counters()).as("only the labelled topic")
        .hasSize(RejectReason.values().length)
        .allSatisfy(c -> assertThat(c.getId().getTag("topic")).isEqualTo("t"));
    assertThat(reg.get(p + "prune_total").tag("topic", "t").tag("reason", "oversubscribed").counter().count())
        .isZero();
    assertThat(reg.find(p + "prune_total").counters()).hasSize(PruneReason.values().length);
    metrics.rejected("t", null, null, RejectReason.INVALID_SIGNATURE);
    assertThat(reg.get(p + "messages_rejected_total").tag("topic", "t").tag("reason", "invalid_signature").counter()
        .count()).isEqualTo(1);
  }

  @Test
  void topicLabelsAreCapped() {
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(new SimpleMeterRegistry(), 2);
    assertThat(metrics.topicLabel("a")).isEqualTo("a");
    assertThat(metrics.topicLabel("b")).isEqualTo("b");
    assertThat(metrics.topicLabel("c")).isEqualTo("other");
    assertThat(metrics.topicLabel("a")).isEqualTo("a");
  }

  @Test
  void prometheusNamesCarryThePrefixAndNoDoubledSuffixes() {
    var prom = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(prom, 8);
    RouterHarness h = new RouterHarness(b -> b.observer(metrics).lockListener(metrics));
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.heartbeats(2);
    ps.get(0).publish(ps.get(0).signed("t", new byte[] {1}));
    h.time.runPending();
    String text = prom.scrape();
    assertThat(text)
        .contains("topicmesh_pubsub_messages_delivered_total{topic=\"t\"} 1.0")
        .contains("topicmesh_pubsub_heartbeat_duration_seconds_count")
        .contains("topicmesh_pubsub_mesh_peers{topic=\"t\"} 3.0")
        .contains("topicmesh_pubsub_lock_hold_seconds_count{holder=\"heartbeat\"}")
        .doesNotContain("_total_total")
        .doesNotContain("_seconds_seconds");
  }

  /**
   * Gaps 8 and 9 of docs/observability.md: the heartbeat and validation histograms have explicit
   * service-level buckets (11 plus +Inf each, not Micrometer's 69), and validation time is named for
   * what it measures.
   */
  @Test
  void heartbeatAndValidationHistogramsHaveExplicitBuckets() {
    var prom = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(prom, 8);
    RouterHarness h = new RouterHarness(b -> b.observer(metrics).lockListener(metrics));
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.heartbeats(2);
    ps.get(0).publish(ps.get(0).signed("t", new byte[] {1}));
    h.time.runPending();
    metrics.delivered("t", null, null, 1, 30);
    String text = prom.scrape();
    List<String> heartbeat = text.lines().filter(l -> l.startsWith("topicmesh_pubsub_heartbeat_duration_seconds_bucket"))
        .toList();
    assertThat(heartbeat).hasSize(MicrometerRouterObserver.HEARTBEAT_BUCKETS.length + 1)
        .anySatisfy(l -> assertThat(l).contains("le=\"0.001\""))
        .anySatisfy(l -> assertThat(l).contains("le=\"1.0\""))
        .anySatisfy(l -> assertThat(l).contains("le=\"+Inf\"}"));
    assertThat(heartbeat.size()).isBetween(10, 14);
    List<String> validation = text.lines()
        .filter(l -> l.startsWith("topicmesh_pubsub_validation_duration_seconds_bucket{") && l.contains("topic=\"t\""))
        .toList();
    assertThat(validation).hasSize(MicrometerRouterObserver.VALIDATION_BUCKETS.length + 1)
        .anySatisfy(l -> assertThat(l).contains("le=\"0.025\"").endsWith(" 1"))
        .anySatisfy(l -> assertThat(l).contains("le=\"0.05\"").endsWith(" 2"))
        .anySatisfy(l -> assertThat(l).contains("le=\"+Inf\"").endsWith(" 2"));
    assertThat(text).contains("# TYPE topicmesh_pubsub_validation_duration_seconds histogram")
        .contains("# TYPE topicmesh_pubsub_heartbeat_duration_seconds histogram")
        .doesNotContain("first_delivery_latency");
  }
}
