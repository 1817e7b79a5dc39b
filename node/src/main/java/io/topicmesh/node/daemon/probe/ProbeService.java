package io.topicmesh.node.daemon.probe;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesh health probes: this node publishes a {@link ProbePayload} on the cluster's reserved probe
 * topic every interval and measures the probes of every other node ({@link ProbeStats}). The
 * daemon subscribes the probe topic through the router and hands received bodies to {@link
 * #onMessage}; nothing on the probe topic ever reaches a listener, the admin API or the daemon's
 * traffic figures.
 *
 * <p>Metrics (no labels: there is one probe topic per node): {@code topicmesh_probe_published_total},
 * {@code _expected_total}, {@code _received_total} (received by the time they were due), {@code
 * _late_total}, {@code _clock_skew_total}, {@code _latency_seconds} (histogram with fixed buckets,
 * plausible latencies only), gauges {@code _publishers} and {@code _delivery_ratio} (the last
 * {@value ProbeStats#WINDOW_SECONDS} s, NaN when nothing fell due).
 */
public final class ProbeService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProbeService.class);

  /** Topics starting with this are the node's own; clients can neither subscribe nor publish to them. */
  public static final String RESERVED_PREFIX = io.topicmesh.node.daemon.config.ConfigLoader.RESERVED_TOPIC_PREFIX;

  /** Latency histogram buckets: fine below the default 500 ms objective, a few beyond. */
  static final Duration[] BUCKETS = {
      Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20),
      Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(500),
      Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final String topic;
  private final String self;
  private final Duration interval;
  private final long bootId;
  private final Function<byte[], CompletableFuture<?>> publisher;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier monoNanos;
  private final LongSupplier wallNanos;
  private final ProbeStats stats;
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong publishFailures = new AtomicLong();
  private final AtomicLong malformed = new AtomicLong();
  private volatile IntSupplier meshPeers = () -> 0;
  private volatile ScheduledFuture<?> publishTask;
  private volatile ScheduledFuture<?> tickTask;
  private volatile boolean closed;

  /** The probe topic of a cluster: {@code _topicmesh/probe/<cluster>}, or {@code _topicmesh/probe} without one. */
  public static String topicFor(String cluster) {
    return RESERVED_PREFIX + "probe" + (cluster == null || cluster.isBlank() ? "" : "/" + cluster);
  }

  public static boolean reserved(String topic) {
    return topic.startsWith(RESERVED_PREFIX);
  }

  /**
   * @param self this node's peer id (its own probes are not measured)
   * @param bootId random, new at every start
   * @param publisher publishes one body on the probe topic
   * @param monoNanos monotonic clock (durations, due times)
   * @param wallNanos wall clock in ns since the epoch (what goes on the wire)
   */
  public ProbeService(String topic, String self, Duration interval, long bootId,
      Function<byte[], CompletableFuture<?>> publisher, ScheduledExecutorService scheduler, MeterRegistry registry,
      LongSupplier monoNanos, LongSupplier wallNanos) {
    if (interval.toMillis() <= 0 || interval.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("probe interval must be at least 1 ms, got " + interval);
    }
    this.topic = topic;
    this.self = self;
    this.interval = interval;
    this.bootId = bootId;
    this.publisher = publisher;
    this.scheduler = scheduler;
    this.monoNanos = monoNanos;
    this.wallNanos = wallNanos;
    Timer latency = Timer.builder("topicmesh_probe_latency_seconds")
        .description("Send-to-receive time of mesh probes from other nodes (publisher wall clock; skewed ones left out)")
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
    this.stats = new ProbeStats(n -> latency.record(n, TimeUnit.NANOSECONDS));
    FunctionCounter.builder("topicmesh_probe_published_total", published, AtomicLong::get)
        .description("Mesh probes published by this node").register(registry);
    FunctionCounter.builder("topicmesh_probe_expected_total", stats, ProbeStats::expected)
        .description("Probes from other nodes that fell due here (the delivery ratio's denominator)").register(registry);
    FunctionCounter.builder("topicmesh_probe_received_total", stats, ProbeStats::received)
        .description("Probes from other nodes received by the time they fell due").register(registry);
    FunctionCounter.builder("topicmesh_probe_late_total", stats, ProbeStats::late)
        .description("Probes received after they had been counted as missed").register(registry);
    FunctionCounter.builder("topicmesh_probe_clock_skew_total", stats, ProbeStats::skewed)
        .description("Probes with a negative or implausible latency (clock skew), left out of the latency").register(registry);
    Gauge.builder("topicmesh_probe_publishers", stats, ProbeStats::publishers)
        .description("Other nodes whose probes this node expects").register(registry);
    Gauge.builder("topicmesh_probe_delivery_ratio", this, s -> s.stats.snapshot(s.monoNanos.getAsLong()).deliveryRatio())
        .description("Probes received / expected over the last " + ProbeStats.WINDOW_SECONDS + " s (NaN when none was expected)")
        .register(registry);
  }

  public String topic() {
    return topic;
  }

  public Duration interval() {
    return interval;
  }

  /** Where the status reads the probe topic's mesh size. */
  public void meshPeers(IntSupplier s) {
    this.meshPeers = s;
  }

  /** Publishes every interval (first one after a random fraction of it) and settles at least once a second. */
  public void start() {
    long every = interval.toNanos();
    long first = Math.floorMod(bootId, every);
    publishTask = scheduler.scheduleWithFixedDelay(this::publishOne, first, every, TimeUnit.NANOSECONDS);
    long tick = Math.min(every, TimeUnit.SECONDS.toNanos(1));
    tickTask = scheduler.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.NANOSECONDS);
    log.info("mesh probes on topic={} interval={}ms", topic, interval.toMillis());
  }

  void publishOne() {
    if (closed) {
      return;
    }
    publish(false);
  }

  private CompletableFuture<?> publish(boolean bye) {
    byte[] body = new ProbePayload(self, bootId, seq.getAndIncrement(), wallNanos.getAsLong(), (int) interval.toMillis(), bye)
        .encode();
    CompletableFuture<?> f;
    try {
      f = publisher.apply(body);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    return f.whenComplete((r, e) -> {
      if (e == null) {
        published.incrementAndGet();
      } else if (publishFailures.getAndIncrement() % 100 == 0) {
        log.warn("probe publish failed topic={} failures={}: {}", topic, publishFailures.get(), e.toString());
      }
    });
  }

  void tick() {
    try {
      stats.tick(monoNanos.getAsLong());
    } catch (RuntimeException e) {
      log.warn("probe accounting failed: {}", e.toString());
    }
  }

  /**
   * A message on the probe topic. Our own probes and anything that is not a probe are dropped
   * (malformed ones counted in the status).
   */
  public void onMessage(byte[] data, boolean local) {
    if (local) {
      return;
    }
    var p = ProbePayload.decode(data);
    if (p.isEmpty()) {
      malformed.incrementAndGet();
      return;
    }
    if (p.get().publisher().equals(self)) {
      return;
    }
    stats.receive(p.get(), monoNanos.getAsLong(), wallNanos.getAsLong());
  }

  public ProbeStats.Snapshot snapshot() {
    return stats.snapshot(monoNanos.getAsLong());
  }

  /** The {@code probes} object of {@code GET /v1/status}. */
  public Map<String, Object> status() {
    return status(meshPeers.getAsInt());
  }

  /** The same, with the probe topic's mesh size from a router snapshot the caller already holds. */
  public Map<String, Object> status(int meshPeersNow) {
    ProbeStats.Snapshot s = snapshot();
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("enabled", true);
    o.put("topic", topic);
    o.put("intervalMs", interval.toMillis());
    o.put("published", published.get());
    o.put("meshPeers", meshPeersNow);
    o.put("publishers", s.publishers());
    o.put("windowSeconds", ProbeStats.WINDOW_SECONDS);
    o.put("expected", s.windowExpected());
    o.put("received", s.windowReceived());
    o.put("deliveryRatio", finite(s.deliveryRatio()));
    o.put("latencyP50Ms", finite(s.latencyP50Nanos() / 1e6));
    o.put("latencyP99Ms", finite(s.latencyP99Nanos() / 1e6));
    o.put("latencySamples", s.latencySamples());
    Map<String, Object> skew = new LinkedHashMap<>();
    skew.put("probes", s.skewed());
    skew.put("publishers", s.skewedPublishers());
    skew.put("lastOffsetMs", s.skewed() == 0 ? null : s.lastSkewNanos() / 1e6);
    o.put("clockSkew", skew);
    Map<String, Object> totals = new LinkedHashMap<>();
    totals.put("expected", s.expected());
    totals.put("received", s.received());
    totals.put("late", s.late());
    totals.put("malformed", malformed.get());
    totals.put("publishFailures", publishFailures.get());
    totals.put("ignoredPublishers", s.ignored());
    totals.put("forgottenPublishers", s.forgotten());
    o.put("totals", totals);
    return o;
  }

  /** The status object of a node with probes switched off. */
  public static Map<String, Object> disabledStatus() {
    return Map.of("enabled", false);
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  /** Stops publishing; with {@code bye}, tells the others (waits at most {@code wait} for the publish). */
  public void close(boolean bye, Duration wait) {
    if (closed) {
      return;
    }
    closed = true;
    ScheduledFuture<?> p = publishTask;
    ScheduledFuture<?> t = tickTask;
    if (p != null) {
      p.cancel(false);
    }
    if (t != null) {
      t.cancel(false);
    }
    if (bye && p != null) {
      try {
        publish(true).get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        log.info("probe bye not confirmed topic={}: {}", topic, e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    close(true, Duration.ofSeconds(1));
  }
}
