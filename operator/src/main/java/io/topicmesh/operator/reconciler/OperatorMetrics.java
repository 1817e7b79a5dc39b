package io.topicmesh.operator.reconciler;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import io.topicmesh.operator.model.GossipParams;
import io.topicmesh.operator.tuning.Tuner;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own metrics (prefix {@code topicmesh_operator_}), exposed on its /metrics:
 * <ul>
 *   <li>{@code reconciles_total{namespace,cluster,result}} ({@link #RESULTS}) and
 *       {@code reconcile_duration_seconds{namespace,cluster}}: reconcile outcomes and time per cluster;
 *   <li>{@code node_api_errors_total{namespace,cluster,call}}: failed admin API calls to nodes, by
 *       {@link NodeCall};
 *   <li>{@code tuning_changes_total{namespace,cluster,parameter,direction,reason}}: changes of the
 *       effective parameters, one count per degree parameter that changed ({@code d}, {@code dlo},
 *       {@code dhi}; {@code other} when only other live parameters changed), {@code direction} up,
 *       down or set (the first decision, and {@code other}), {@code reason} the {@link Tuner.Cause};
 *   <li>per cluster ({@code namespace}, {@code cluster}): {@code nodes_ready}, {@code nodes_desired},
 *       {@code effective_d}, {@code effective_dlo}, {@code effective_dhi}, {@code published_per_second}, {@code delivered_per_second},
 *       {@code duplicates_per_message}, {@code delivery_latency_p99_seconds}, {@code mesh_healthy}, and from the
 *       mesh probes {@code probe_delivery_ratio}, {@code probe_latency_p50_seconds},
 *       {@code probe_latency_p99_seconds} and {@code probes_healthy} (NaN while unknown). Rates and
 *       percentiles live here, not in the TopicCluster's status;
 *   <li>per topic (at most 64 per cluster, the schema's limit): {@code mesh_degree_min},
 *       {@code mesh_degree_avg}, {@code mesh_nodes_below_dlo}.
 * </ul>
 *
 * <p>The event counters exist at 0 from the moment a cluster first appears (its first reconcile),
 * for every result, call and plausible tuning change ({@link #TUNING_CHANGES}), so dashboards show 0
 * rather than no data and {@code rate()} sees the first event. A deleted cluster's series all go
 * ({@link #forget}): every label is bounded by the number of clusters times a fixed set.
 */
public final class OperatorMetrics {
  static final String RECONCILES = "topicmesh_operator_reconciles_total";
  static final String RECONCILE_DURATION = "topicmesh_operator_reconcile_duration_seconds";
  static final String NODE_API_ERRORS = "topicmesh_operator_node_api_errors_total";
  static final String TUNING = "topicmesh_operator_tuning_changes_total";

  /** The {@code result} label of {@code reconciles_total}: the reconciler's outcomes, and a failed reconcile. */
  public static final List<String> RESULTS = List.of("success", "paused", "invalid", "error");

  /** The {@code call} label of {@code node_api_errors_total}: which admin API call to a node failed. */
  public enum NodeCall {
    /** {@code GET /v1/status}, collected every round. */
    STATUS,
    /** {@code PUT /v1/params}, pushing the effective parameters. */
    PARAMS,
    /** subscribing or leaving topics. */
    TOPICS;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One (parameter, direction, reason) combination of {@code tuning_changes_total}. */
  public record TuningChange(String parameter, String direction, Tuner.Cause reason) {
  }

  /**
   * The tuning changes registered at 0 for each cluster: the combinations the tuner can produce. The
   * first decision sets D, Dlo and Dhi ({@code set}); latency and delivery only raise D, duplicates only
   * lower it; the cluster's size, a return to the spec's D without traffic and a Static spec edit move it
   * either way; a spec edit that keeps the degrees changes {@code other} parameters.
   */
  public static final List<TuningChange> TUNING_CHANGES = tuningChanges();

  private static List<TuningChange> tuningChanges() {
    List<TuningChange> all = new java.util.ArrayList<>();
    for (String p : List.of("d", "dlo", "dhi")) {
      all.add(new TuningChange(p, "set", Tuner.Cause.INITIAL));
      all.add(new TuningChange(p, "set", Tuner.Cause.STATIC));
      for (Tuner.Cause c : List.of(Tuner.Cause.STATIC, Tuner.Cause.CLUSTER_SIZE, Tuner.Cause.NO_TRAFFIC)) {
        all.add(new TuningChange(p, "up", c));
        all.add(new TuningChange(p, "down", c));
      }
      all.add(new TuningChange(p, "up", Tuner.Cause.LATENCY));
      all.add(new TuningChange(p, "up", Tuner.Cause.DELIVERY));
      all.add(new TuningChange(p, "down", Tuner.Cause.DUPLICATES));
    }
    all.add(new TuningChange("other", "set", Tuner.Cause.STATIC));
    all.add(new TuningChange("other", "set", Tuner.Cause.SPEC));
    return List.copyOf(all);
  }

  private final MeterRegistry registry;
  private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();
  private final Set<String> clusters = ConcurrentHashMap.newKeySet();

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * A cluster the operator reconciles: its event counters and reconcile timer exist at 0 from now on.
   * Idempotent; every recording method calls it.
   */
  public void clusterSeen(String namespace, String cluster) {
    if (!clusters.add(namespace + "/" + cluster)) {
      return;
    }
    Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
    reconcileTimer(tags);
    for (String result : RESULTS) {
      reconciles(tags, result);
    }
    for (NodeCall call : NodeCall.values()) {
      nodeApiErrors(tags, call);
    }
    for (TuningChange c : TUNING_CHANGES) {
      tuningChanges(tags, c);
    }
  }

  /** One reconcile of a cluster and its outcome (one of {@link #RESULTS}). */
  public void reconciled(String namespace, String cluster, String result, Duration took) {
    clusterSeen(namespace, cluster);
    Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
    reconciles(tags, result).increment();
    reconcileTimer(tags).record(took);
  }

  /** A failed admin API call to one of the cluster's nodes. */
  public void nodeApiError(String namespace, String cluster, NodeCall call) {
    clusterSeen(namespace, cluster);
    nodeApiErrors(Tags.of("namespace", namespace, "cluster", cluster), call).increment();
  }

  /**
   * A tuning decision: counts each of D, Dlo and Dhi that changed (up, down, or set when there was no
   * value before), or {@code other} once when none of them changed.
   */
  public void tuningChange(String namespace, String cluster, GossipParams from, GossipParams to, Tuner.Cause reason) {
    clusterSeen(namespace, cluster);
    Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
    boolean degrees = false;
    int[][] pairs = {{from == null ? -1 : from.d(), to.d()}, {from == null ? -1 : from.dlo(), to.dlo()},
        {from == null ? -1 : from.dhi(), to.dhi()}};
    String[] names = {"d", "dlo", "dhi"};
    for (int i = 0; i < names.length; i++) {
      int before = pairs[i][0];
      int after = pairs[i][1];
      if (before != after) {
        degrees = true;
        String direction = from == null ? "set" : after > before ? "up" : "down";
        tuningChanges(tags, new TuningChange(names[i], direction, reason)).increment();
      }
    }
    if (!degrees) {
      tuningChanges(tags, new TuningChange("other", "set", reason)).increment();
    }
  }

  private Timer reconcileTimer(Tags tags) {
    return Timer.builder(RECONCILE_DURATION).description("Time spent in one reconcile of a TopicCluster")
        .tags(tags).register(registry);
  }

  private Counter reconciles(Tags tags, String result) {
    return Counter.builder(RECONCILES).description("Reconciles by cluster and result")
        .tags(tags).tag("result", result).register(registry);
  }

  private Counter nodeApiErrors(Tags tags, NodeCall call) {
    return Counter.builder(NODE_API_ERRORS).description("Failed admin API calls to nodes, by call")
        .tags(tags).tag("call", call.label()).register(registry);
  }

  private Counter tuningChanges(Tags tags, TuningChange c) {
    return Counter.builder(TUNING)
        .description("Changes of the effective parameters by parameter, direction and reason").tags(tags)
        .tag("parameter", c.parameter()).tag("direction", c.direction()).tag("reason", c.reason().label())
        .register(registry);
  }

  /** Publishes a cluster's aggregated status as gauges. */
  public void clusterStatus(String namespace, String cluster, TopicClusterStatus status, int desired,
      ClusterTraffic traffic) {
    Tags tags = Tags.of("namespace", namespace, "cluster", cluster);
    set("topicmesh_operator_nodes_ready", tags, status.readyReplicas);
    set("topicmesh_operator_nodes_desired", tags, desired);
    clusterSeen(namespace, cluster);
    TopicClusterStatus.EffectiveParams effective = status.effectiveParams;
    set("topicmesh_operator_effective_d", tags, effective == null ? null : effective.d);
    set("topicmesh_operator_effective_dlo", tags, effective == null ? null : effective.dlo);
    set("topicmesh_operator_effective_dhi", tags, effective == null ? null : effective.dhi);
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
    clusters.remove(namespace + "/" + cluster);
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
