package io.topicmesh.operator.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own metrics (prefix {@code topicmesh_operator_}), exposed on its /metrics:
 * <ul>
 *   <li>{@code reconciles_total{result}} and {@code reconcile_duration_seconds}: reconcile outcomes and time;
 *   <li>{@code node_api_errors_total}: failed admin API calls to nodes;
 *   <li>{@code tuning_changes_total}: changes of the effective parameters;
 *   <li>per cluster ({@code namespace}, {@code cluster}): {@code nodes_ready}, {@code nodes_desired},
 *       {@code effective_d}, {@code published_per_second}, {@code delivered_per_second},
 *       {@code duplicates_per_message}, {@code delivery_latency_p99_seconds}, {@code mesh_healthy}, and from the
 *       mesh probes {@code probe_delivery_ratio}, {@code probe_latency_p50_seconds},
 *       {@code probe_latency_p99_seconds} and {@code probes_healthy} (NaN while unknown). Rates and
 *       percentiles live here, not in the TopicCluster's status;
 *   <li>per topic (at most 64 per cluster, the schema's limit): {@code mesh_degree_min},
 *       {@code mesh_degree_avg}, {@code mesh_nodes_below_dlo}.
 * </ul>
 */
public final class OperatorMetrics {
  private final MeterRegistry registry;
  private final Timer reconcileTimer;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.reconcileTimer = Timer.builder("topicmesh_operator_reconcile_duration_seconds")
        .description("Time spent in one reconcile of a TopicCluster").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void reconciled(String result, Duration took) {
    Counter.builder("topicmesh_operator_reconciles_total").description("Reconciles by result")
        .tag("result", result).register(registry).increment();
    reconcileTimer.record(took);
  }

  public void nodeApiError(String namespace, String cluster) {
    Counter.builder("topicmesh_operator_node_api_errors_total").description("Failed admin API calls to nodes")
        .tags("namespace", namespace, "cluster", cluster).register(registry).increment();
  }

  public void tuningChange(String namespace, String cluster) {
    Counter.builder("topicmesh_operator_tuning_changes_total").description("Changes of the effective parameters")
        .tags("namespace", namespace, "cluster", cluster).register(registry).increment();
  }

  /** Publishes a cluster's aggregated status as gauges. */
  public void clusterStatus(String namespace, String cluster, TopicClusterStatus status, int desired,
      ClusterTraffic traffic) {
    Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
    set("topicmesh_operator_nodes_ready", tags, status.readyReplicas);
    set("topicmesh_operator_nodes_desired", tags, desired);
    set("topicmesh_operator_effective_d", tags, status.effectiveParams == null ? null : status.effectiveParams.d);
    set("topicmesh_operator_mesh_healthy", tags, "Healthy".equals(status.meshHealth) ? 1 : 0);
    set("topicmesh_operator_probes_healthy", tags, status.probeHealth == null || "Unknown".equals(status.probeHealth)
        ? null : "Healthy".equals(status.probeHealth) ? 1 : 0);
    if (traffic != null) {
      set("topicmesh_operator_published_per_second", tags, traffic.publishedPerSecond);
      set("topicmesh_operator_delivered_per_second", tags, traffic.deliveredPerSecond);
      set("topicmesh_operator_duplicates_per_message", tags, traffic.duplicatesPerMessage);
      set("topicmesh_operator_delivery_latency_p99_seconds", tags, seconds(traffic.latencyP99Ms));
      set("topicmesh_operator_probe_delivery_ratio", tags, traffic.probes.deliveryRatio());
      set("topicmesh_operator_probe_latency_p50_seconds", tags, seconds(traffic.probes.latencyP50Ms()));
      set("topicmesh_operator_probe_latency_p99_seconds", tags, seconds(traffic.probes.latencyP99Ms()));
    }
    if (status.mesh != null) {
      for (var topic : status.mesh) {
        Tags t = tags.and("topic", topic.topic);
        set("topicmesh_operator_mesh_degree_min", t, topic.degreeMin);
        set("topicmesh_operator_mesh_degree_avg", t, topic.degreeAvg);
        set("topicmesh_operator_mesh_nodes_below_dlo", t, topic.nodesBelowDlo);
      }
    }
  }

  private static Double seconds(Double ms) {
    return ms == null ? null : ms / 1000.0;
  }

  /** Removes a deleted cluster's gauges. */
  public void forget(String namespace, String cluster) {
    registry.getMeters().stream()
        .filter(m -> namespace.equals(m.getId().getTag("namespace")) && cluster.equals(m.getId().getTag("cluster")))
        .forEach(m -> {
          registry.remove(m);
          gauges.remove(key(m.getId().getName(), Tags.of(m.getId().getTags())));
        });
  }

  private void set(String name, Tags tags, Number value) {
    AtomicReference<Double> holder = gauges.computeIfAbsent(key(name, tags), k -> {
      AtomicReference<Double> ref = new AtomicReference<>(Double.NaN);
      Gauge.builder(name, ref, r -> r.get()).tags(tags).register(registry);
      return ref;
    });
    holder.set(value == null ? Double.NaN : value.doubleValue());
  }

  private static String key(String name, Tags tags) {
    return name + tags;
  }
}
