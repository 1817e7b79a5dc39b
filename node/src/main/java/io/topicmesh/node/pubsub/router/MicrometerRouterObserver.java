package io.topicmesh.node.pubsub.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.lock.LockListener;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Router metrics on micrometer, prefix {@code topicmesh_pubsub_}. Register it as the router's
 * observer and lock listener. Topic labels are capped: the first {@code maxTopics} topics seen keep
 * their name, later ones are reported as {@code "other"}, so a peer cannot blow up cardinality.
 *
 * <ul>
 *   <li>{@code peers{protocol}} — connected pubsub peers per negotiated protocol (gauge)
 *   <li>{@code mesh_peers{topic}}, {@code fanout_peers{topic}} — sizes at the last heartbeat
 *   <li>{@code messages_published_total}, {@code _delivered_total}, {@code _forwarded_total},
 *       {@code _duplicate_total}, {@code _rejected_total{reason}} — per topic
 *   <li>{@code rpc_bytes_total{direction,part}} — encoded bytes by RPC part (subscriptions,
 *       publish, control)
 *   <li>{@code control_ids_total{type,direction}} — IHAVE/IWANT/IDONTWANT message ids
 *   <li>{@code invalid_rpcs_total{reason}} — frames the host could not decode
 *   <li>{@code ihave_flood_total}, {@code graft_during_backoff_total}, {@code graylisted_rpcs_total}
 *   <li>{@code peers_by_score{band}} — score distribution at the last heartbeat
 *   <li>{@code graft_total{reason}}, {@code prune_total{reason}}
 *   <li>{@code heartbeat_duration_seconds} (histogram, {@link #HEARTBEAT_BUCKETS}),
 *       {@code validation_duration_seconds{topic}} (histogram, {@link #VALIDATION_BUCKETS}: a message's
 *       first receipt to its validated delivery, i.e. the time validation took, in whole milliseconds;
 *       not the publish-to-delivery latency, which the mesh probes measure)
 *   <li>{@code lock_hold_seconds{holder}} (wall time, which counts time the holder was descheduled),
 *       {@code lock_hold_cpu_seconds} (histogram, {@link #LOCK_HOLD_CPU_BUCKETS}: the holder's CPU time
 *       per hold; only when the router's mutex measures CPU time), {@code lock_contended_total},
 *       {@code lock_long_holds_total{holder}}, {@code lock_inbox_depth}
 *   <li>{@code outbound_queue_depth{stat=total|max}}, {@code outbound_dropped_total{reason}}
 * </ul>
 *
 * <p>Event counters whose labels are bounded enums exist at 0 before their first event, so that
 * dashboards show 0 rather than no data and {@code rate()} sees the first event: {@code
 * invalid_rpcs_total} and {@code outbound_dropped_total} for every reason at construction, {@code
 * messages_rejected_total} and {@code prune_total} for every reason when a topic gets its label, and
 * {@code lock_long_holds_total} for the {@code heartbeat} holder (holder names are code literals,
 * not an enum; one zero series is enough for the sums the panels and alerts take).
 */
public final class MicrometerRouterObserver implements RouterObserver, LockListener {
  static final String PREFIX = "topicmesh_pubsub_";
  static final String OTHER = "other";

  /**
   * Buckets of {@code heartbeat_duration_seconds}: 1 ms to 2.5 s, around the 1 s default interval and
   * the 700 ms of the example cluster, so that an overrun falls in its own buckets. Explicit
   * service-level buckets, 11 plus +Inf, instead of Micrometer's 69-bucket percentile histogram.
   */
  public static final Duration[] HEARTBEAT_BUCKETS = millis(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500);

  /** Buckets of {@code validation_duration_seconds}: 1 ms (the resolution) to 5 s, 11 plus +Inf. */
  public static final Duration[] VALIDATION_BUCKETS = millis(1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 5000);

  /**
   * Buckets of {@code lock_hold_cpu_seconds}: 0.1 ms to 250 ms, around the 10 ms a hold should stay
   * under, 11 plus +Inf.
   */
  public static final Duration[] LOCK_HOLD_CPU_BUCKETS = millis(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250);

  private static Duration[] millis(double... ms) {
    Duration[] d = new Duration[ms.length];
    for (int i = 0; i < ms.length; i++) {
      d[i] = Duration.ofNanos(Math.round(ms[i] * 1_000_000));
    }
    return d;
  }

  private final MeterRegistry registry;
  private final int maxTopics;
  private final Set<String> knownTopics = ConcurrentHashMap.newKeySet();
  private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
  private final Timer heartbeat;
  private final Map<String, Timer> validation = new ConcurrentHashMap<>();
  private final Counter contended;
  private volatile Timer holdCpu;
  private final PeerScoreThresholds thresholds;

  public MicrometerRouterObserver(MeterRegistry registry, int maxTopics) {
    this(registry, maxTopics, PeerScoreThresholds.defaults());
  }

  /** @param thresholds the router's thresholds, for the score bands */
  public MicrometerRouterObserver(MeterRegistry registry, int maxTopics, PeerScoreThresholds thresholds) {
    this.thresholds = thresholds;
    this.registry = registry;
    this.maxTopics = maxTopics;
    this.heartbeat =
        Timer.builder(PREFIX + "heartbeat_duration_seconds")
            .description("Time one heartbeat held the router")
            .serviceLevelObjectives(HEARTBEAT_BUCKETS)
            .register(registry);
    this.contended =
        Counter.builder(PREFIX + "lock_contended_total")
            .description("Tasks queued on the router inbox because the mutex was busy")
            .register(registry);
    for (var reason : io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason.values()) {
      registry.counter(PREFIX + "invalid_rpcs_total", "reason", reason.name().toLowerCase());
    }
    for (DropReason reason : DropReason.values()) {
      registry.counter(PREFIX + "outbound_dropped_total", "reason", reason.name().toLowerCase());
    }
    registry.counter(PREFIX + "lock_long_holds_total", "holder", "heartbeat");
  }

  /** A topic got its own label: its per-reason event counters start at 0. */
  private void topicLabelled(String topic) {
    for (RejectReason reason : RejectReason.values()) {
      registry.counter(PREFIX + "messages_rejected_total", "topic", topic, "reason", reason.name().toLowerCase());
    }
    for (PruneReason reason : PruneReason.values()) {
      registry.counter(PREFIX + "prune_total", "topic", topic, "reason", reason.name().toLowerCase());
    }
  }

  /** Exposes the router's inbox depth. */
  public void bindInboxDepth(Supplier<Number> depth) {
    io.micrometer.core.instrument.Gauge.builder(PREFIX + "lock_inbox_depth", depth, s -> s.get().doubleValue())
        .description("Tasks waiting on the router mutex inbox")
        .strongReference(true)
        .register(registry);
  }

  String topicLabel(String topic) {
    if (knownTopics.contains(topic)) {
      return topic;
    }
    synchronized (knownTopics) {
      if (knownTopics.contains(topic)) {
        return topic;
      }
      if (knownTopics.size() < maxTopics) {
        topicLabelled(topic);
        knownTopics.add(topic);
        return topic;
      }
    }
    return OTHER;
  }

  private void count(String name, String... tags) {
    registry.counter(PREFIX + name, tags).increment();
  }

  private void count(String name, double n, String... tags) {
    registry.counter(PREFIX + name, tags).increment(n);
  }

  private void gauge(String name, long value, String... tags) {
    String key = name + String.join(",", tags);
    gauges
        .computeIfAbsent(
            key,
            k -> {
              AtomicLong v = new AtomicLong();
              registry.gauge(PREFIX + name, Tags.of(tags), v);
              return v;
            })
        .set(value);
  }

  // ---- router events -----------------------------------------------------------------------

  @Override
  public void grafted(PeerId peer, String topic, GraftReason reason) {
    count("graft_total", "topic", topicLabel(topic), "reason", reason.name().toLowerCase());
  }

  @Override
  public void pruned(PeerId peer, String topic, PruneReason reason) {
    count("prune_total", "topic", topicLabel(topic), "reason", reason.name().toLowerCase());
  }

  @Override
  public void published(String topic, MessageId id, int bytes, int peers) {
    count("messages_published_total", "topic", topicLabel(topic));
  }

  @Override
  public void delivered(String topic, MessageId id, PeerId source, int bytes, long validationMillis) {
    String t = topicLabel(topic);
    count("messages_delivered_total", "topic", t);
    validation
        .computeIfAbsent(t, topicLabel -> Timer.builder(PREFIX + "validation_duration_seconds")
            .description("First receipt of a message to its validated delivery (validation time), per topic")
            .tag("topic", topicLabel)
            .serviceLevelObjectives(VALIDATION_BUCKETS)
            .register(registry))
        .record(validationMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void forwarded(String topic, MessageId id, int peers) {
    count("messages_forwarded_total", peers, "topic", topicLabel(topic));
  }

  @Override
  public void duplicate(String topic, MessageId id, PeerId source) {
    count("messages_duplicate_total", "topic", topicLabel(topic));
  }

  @Override
  public void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {
    count("messages_rejected_total", "topic", topicLabel(topic), "reason", reason.name().toLowerCase());
  }

  @Override
  public void rpcReceived(PeerId peer, Rpc rpc) {
    rpcBytes("in", rpc);
  }

  @Override
  public void rpcSent(PeerId peer, Rpc rpc) {
    rpcBytes("out", rpc);
  }

  private void rpcBytes(String direction, Rpc rpc) {
    if (!rpc.subscriptions().isEmpty()) {
      count("rpc_bytes_total", RpcCodec.encodedSize(new Rpc(rpc.subscriptions(), java.util.List.of(), null)),
          "direction", direction, "part", "subscriptions");
    }
    if (!rpc.publish().isEmpty()) {
      count("rpc_bytes_total", RpcCodec.encodedSize(Rpc.ofMessages(rpc.publish())),
          "direction", direction, "part", "publish");
    }
    if (!rpc.control().isEmpty()) {
      count("rpc_bytes_total", RpcCodec.encodedSize(Rpc.ofControl(rpc.control())),
          "direction", direction, "part", "control");
    }
  }

  @Override
  public void invalidRpc(PeerId peer, io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason reason) {
    count("invalid_rpcs_total", "reason", reason.name().toLowerCase());
  }

  @Override
  public void graylisted(PeerId peer) {
    count("graylisted_rpcs_total");
  }

  @Override
  public void ihaveReceived(PeerId peer, String topic, int ids) {
    count("control_ids_total", ids, "type", "ihave", "direction", "in");
  }

  @Override
  public void ihaveSent(PeerId peer, String topic, int ids) {
    count("control_ids_total", ids, "type", "ihave", "direction", "out");
  }

  @Override
  public void iwantReceived(PeerId peer, int ids) {
    count("control_ids_total", ids, "type", "iwant", "direction", "in");
  }

  @Override
  public void iwantSent(PeerId peer, int ids) {
    count("control_ids_total", ids, "type", "iwant", "direction", "out");
  }

  @Override
  public void idontwantReceived(PeerId peer, int ids) {
    count("control_ids_total", ids, "type", "idontwant", "direction", "in");
  }

  @Override
  public void idontwantSent(PeerId peer, int ids) {
    count("control_ids_total", ids, "type", "idontwant", "direction", "out");
  }

  @Override
  public void ihaveFlood(PeerId peer) {
    count("ihave_flood_total");
  }

  @Override
  public void graftDuringBackoff(PeerId peer, String topic) {
    count("graft_during_backoff_total", "topic", topicLabel(topic));
  }

  @Override
  public void outboundDropped(PeerId peer, DropReason reason, int n) {
    count("outbound_dropped_total", n, "reason", reason.name().toLowerCase());
  }

  @Override
  public void heartbeat(
      long durationNanos,
      Map<String, Integer> meshSizes,
      Map<String, Integer> fanoutSizes,
      Map<PeerId, Double> scores,
      Map<PubsubProtocol, Integer> peersByProtocol,
      Map<PeerId, Integer> queueDepths) {
    heartbeat.record(durationNanos, TimeUnit.NANOSECONDS);
    for (PubsubProtocol p : PubsubProtocol.values()) {
      gauge("peers", peersByProtocol.getOrDefault(p, 0), "protocol", p.id());
    }
    Map<String, Long> mesh = new HashMap<>();
    meshSizes.forEach((t, n) -> mesh.merge(topicLabel(t), (long) n, Long::sum));
    Set<String> seenTopics = new LinkedHashSet<>(knownTopics);
    seenTopics.add(OTHER);
    for (String t : seenTopics) {
      gauge("mesh_peers", mesh.getOrDefault(t, 0L), "topic", t);
    }
    Map<String, Long> fan = new HashMap<>();
    fanoutSizes.forEach((t, n) -> fan.merge(topicLabel(t), (long) n, Long::sum));
    for (String t : seenTopics) {
      gauge("fanout_peers", fan.getOrDefault(t, 0L), "topic", t);
    }
    long[] bands = new long[5];
    for (double s : scores.values()) {
      bands[scoreBand(s)]++;
    }
    String[] names = {"graylisted", "below_publish", "below_gossip", "negative", "non_negative"};
    for (int i = 0; i < names.length; i++) {
      gauge("peers_by_score", bands[i], "band", names[i]);
    }
    long total = 0;
    long max = 0;
    for (int d : queueDepths.values()) {
      total += d;
      max = Math.max(max, d);
    }
    gauge("outbound_queue_depth", total, "stat", "total");
    gauge("outbound_queue_depth", max, "stat", "max");
  }

  private int scoreBand(double s) {
    PeerScoreThresholds t = thresholds;
    if (s < t.graylistThreshold()) {
      return 0;
    }
    if (s < t.publishThreshold()) {
      return 1;
    }
    if (s < t.gossipThreshold()) {
      return 2;
    }
    return s < 0 ? 3 : 4;
  }

  // ---- lock --------------------------------------------------------------------------------

  @Override
  public void released(String holder, long holdNanos) {
    registry.timer(PREFIX + "lock_hold_seconds", "holder", holder).record(holdNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void released(String holder, long holdNanos, long cpuNanos) {
    released(holder, holdNanos);
    if (cpuNanos >= 0) {
      Timer t = holdCpu;
      if (t == null) {
        // registered on the first measured hold, so that a router without a CPU clock shows none
        t = Timer.builder(PREFIX + "lock_hold_cpu_seconds")
            .description("CPU time the holder of the router mutex spent in one hold")
            .serviceLevelObjectives(LOCK_HOLD_CPU_BUCKETS)
            .register(registry);
        holdCpu = t;
      }
      t.record(cpuNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void queued(String holder, int depth) {
    contended.increment();
  }

  @Override
  public void longHold(String holder, long holdNanos) {
    count("lock_long_holds_total", "holder", holder);
  }
}
