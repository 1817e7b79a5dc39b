package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import io.topicmesh.operator.model.GossipParams;
import io.topicmesh.operator.tuning.Tuner;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final OperatorMetrics metrics = new OperatorMetrics(registry);

  @Test
  void clusterAndTopicGaugesAppearOnScrapeAndGoWhenForgotten() {
    TopicClusterStatus status = new TopicClusterStatus();
    status.readyReplicas = 3;
    status.meshHealth = "Healthy";
    status.effectiveParams = new TopicClusterStatus.EffectiveParams(6, 5, 12, 6, 2, 4);
    TopicClusterStatus.TopicMesh mesh = new TopicClusterStatus.TopicMesh();
    mesh.topic = "news";
    mesh.degreeMin = 2;
    mesh.degreeAvg = 2.5;
    mesh.nodesBelowDlo = 0;
    status.mesh = List.of(mesh);
    metrics.clusterStatus("ns", "c1", status, 3, null);
    metrics.reconciled("ns", "c1", "success", Duration.ofMillis(5));
    String text = registry.scrape();
    assertThat(text).contains("topicmesh_operator_nodes_ready{cluster=\"c1\",namespace=\"ns\"} 3.0",
        "topicmesh_operator_effective_d{cluster=\"c1\",namespace=\"ns\"} 6.0",
        "topicmesh_operator_effective_dlo{cluster=\"c1\",namespace=\"ns\"} 5.0",
        "topicmesh_operator_effective_dhi{cluster=\"c1\",namespace=\"ns\"} 12.0",
        "topicmesh_operator_mesh_degree_min{cluster=\"c1\",namespace=\"ns\",topic=\"news\"} 2.0",
        "topicmesh_operator_mesh_degree_avg{cluster=\"c1\",namespace=\"ns\",topic=\"news\"} 2.5",
        "topicmesh_operator_reconciles_total{cluster=\"c1\",namespace=\"ns\",result=\"success\"} 1.0",
        "topicmesh_operator_reconcile_duration_seconds_count{cluster=\"c1\",namespace=\"ns\"} 1");
    status.readyReplicas = 2;
    metrics.clusterStatus("ns", "c1", status, 3, null);
    assertThat(registry.scrape()).contains("topicmesh_operator_nodes_ready{cluster=\"c1\",namespace=\"ns\"} 2.0");
    metrics.clusterSeen("ns", "c2");
    metrics.forget("ns", "c1");
    assertThat(registry.scrape()).doesNotContain("cluster=\"c1\"")
        .contains("topicmesh_operator_reconciles_total{cluster=\"c2\",namespace=\"ns\",result=\"success\"} 0.0");
    metrics.clusterStatus("ns", "c1", status, 3, null);
    assertThat(registry.scrape()).as("re-registered after forget").contains("topicmesh_operator_nodes_ready{cluster=\"c1\"")
        .contains("topicmesh_operator_reconciles_total{cluster=\"c1\",namespace=\"ns\",result=\"error\"} 0.0");
  }

  /** Gap 4 of docs/observability.md: the event counters exist at 0 for every bounded label value once a cluster appears. */
  @Test
  void eventCountersStartAtZeroForEveryLabelValueWhenAClusterAppears() {
    assertThat(registry.scrape()).doesNotContain("topicmesh_operator_");
    metrics.clusterSeen("ns", "c");
    String text = registry.scrape();
    for (String result : OperatorMetrics.RESULTS) {
      assertThat(text).contains("topicmesh_operator_reconciles_total{cluster=\"c\",namespace=\"ns\",result=\""
          + result + "\"} 0.0");
    }
    for (String call : List.of("status", "params", "topics")) {
      assertThat(text).contains("topicmesh_operator_node_api_errors_total{call=\"" + call
          + "\",cluster=\"c\",namespace=\"ns\"} 0.0");
    }
    assertThat(count(text, "topicmesh_operator_tuning_changes_total\\{[^}]*\\} 0\\.0"))
        .isEqualTo(OperatorMetrics.TUNING_CHANGES.size());
    for (Tuner.Cause cause : Tuner.Cause.values()) {
      assertThat(text).as("reason %s pre-registered", cause).contains("reason=\"" + cause.label() + "\"");
    }
    assertThat(text).contains("topicmesh_operator_tuning_changes_total{cluster=\"c\",direction=\"down\","
        + "namespace=\"ns\",parameter=\"d\",reason=\"duplicates\"} 0.0");
    assertThat(text).contains("topicmesh_operator_reconcile_duration_seconds_count{cluster=\"c\",namespace=\"ns\"} 0");
    // bounded: a second look at the same cluster adds nothing
    int series = count(text, "(?m)^topicmesh_operator_");
    metrics.clusterSeen("ns", "c");
    metrics.nodeApiError("ns", "c", OperatorMetrics.NodeCall.PARAMS);
    String after = registry.scrape();
    assertThat(count(after, "(?m)^topicmesh_operator_")).isEqualTo(series);
    assertThat(after).contains("topicmesh_operator_node_api_errors_total{call=\"params\",cluster=\"c\",namespace=\"ns\"} 1.0");
  }

  /** Gap 3: each tuning decision counts the degree parameters that changed, with direction and reason. */
  @Test
  void tuningChangesCarryParameterDirectionAndReason() {
    GossipParams d6 = GossipParams.fromSpec(new TopicClusterSpec.Gossipsub());
    GossipParams d5 = Tuner.withD(d6, 5);
    GossipParams d7 = Tuner.withD(d6, 7);
    metrics.tuningChange("ns", "c", null, d6, Tuner.Cause.INITIAL);
    metrics.tuningChange("ns", "c", d6, d5, Tuner.Cause.DUPLICATES);
    metrics.tuningChange("ns", "c", d5, d6, Tuner.Cause.LATENCY);
    metrics.tuningChange("ns", "c", d6, d7, Tuner.Cause.DELIVERY);
    GossipParams other = new GossipParams(d7.d(), d7.dlo(), d7.dhi(), d7.dlazy() + 1, d7.dout(), d7.dscore(),
        d7.heartbeatIntervalMs(), d7.historyLength(), d7.historyGossip(), d7.fanoutTtlMs(), d7.seenTtlMs(),
        d7.floodPublish(), d7.idontwantThreshold());
    metrics.tuningChange("ns", "c", d7, other, Tuner.Cause.SPEC);
    String text = registry.scrape();
    assertThat(value(text, "d", "set", "initial")).isEqualTo(1.0);
    assertThat(value(text, "dlo", "set", "initial")).isEqualTo(1.0);
    assertThat(value(text, "dhi", "set", "initial")).isEqualTo(1.0);
    // 6 -> 5: Dlo 5 -> 4, Dhi 12 -> 10
    assertThat(value(text, "d", "down", "duplicates")).isEqualTo(1.0);
    assertThat(value(text, "dlo", "down", "duplicates")).isEqualTo(1.0);
    assertThat(value(text, "dhi", "down", "duplicates")).isEqualTo(1.0);
    assertThat(value(text, "d", "up", "latency")).isEqualTo(1.0);
    // 6 -> 7: Dlo stays 5 (7 * 5 / 6), Dhi 12 -> 14
    assertThat(value(text, "d", "up", "delivery")).isEqualTo(1.0);
    assertThat(value(text, "dlo", "up", "delivery")).isEqualTo(0.0);
    assertThat(value(text, "dhi", "up", "delivery")).isEqualTo(1.0);
    assertThat(value(text, "other", "set", "spec")).isEqualTo(1.0);
    assertThat(value(text, "d", "set", "spec")).as("never made").isNull();
  }

  private static Double value(String text, String parameter, String direction, String reason) {
    Matcher m = Pattern.compile("(?m)^topicmesh_operator_tuning_changes_total\\{cluster=\"c\",direction=\"" + direction
        + "\",namespace=\"ns\",parameter=\"" + parameter + "\",reason=\"" + reason + "\"} (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : null;
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
