package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {
  @Test
  void clusterAndTopicGaugesAppearOnScrapeAndGoWhenForgotten() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics metrics = new OperatorMetrics(registry);
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
    metrics.reconciled("success", Duration.ofMillis(5));
    String text = registry.scrape();
    assertThat(text).contains("topicmesh_operator_nodes_ready{cluster=\"c1\",namespace=\"ns\"} 3.0",
        "topicmesh_operator_effective_d{cluster=\"c1\",namespace=\"ns\"} 6.0",
        "topicmesh_operator_mesh_degree_min{cluster=\"c1\",namespace=\"ns\",topic=\"news\"} 2.0",
        "topicmesh_operator_mesh_degree_avg{cluster=\"c1\",namespace=\"ns\",topic=\"news\"} 2.5",
        "topicmesh_operator_reconciles_total{result=\"success\"} 1.0");
    status.readyReplicas = 2;
    metrics.clusterStatus("ns", "c1", status, 3, null);
    assertThat(registry.scrape()).contains("topicmesh_operator_nodes_ready{cluster=\"c1\",namespace=\"ns\"} 2.0");
    metrics.forget("ns", "c1");
    assertThat(registry.scrape()).doesNotContain("cluster=\"c1\"").contains("topicmesh_operator_reconciles_total");
    metrics.clusterStatus("ns", "c1", status, 3, null);
    assertThat(registry.scrape()).as("re-registered after forget").contains("topicmesh_operator_nodes_ready{cluster=\"c1\"");
  }
}
