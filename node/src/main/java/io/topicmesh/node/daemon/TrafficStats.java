package io.topicmesh.node.daemon;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's traffic figures: messages published here, delivered here from others, duplicates
 * received, and delivery latency of load messages ({@link LoadPayload}) over a bounded window of
 * recent samples.
 */
public final class TrafficStats implements RouterObserver {
  /** Latency samples kept for percentiles. */
  static final int WINDOW = 4096;

  private final AtomicLong published = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  /** Most topics counted in {@link #topicMessages}; the router's topic limit is far below it. */
  static final int MAX_TOPICS = 4096;
  /** Distinct messages per topic seen here since start: published here, or delivered from others. */
  private final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> topicMessages =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** Duplicate receptions per topic since start (bounded like {@link #topicMessages}). */
  private final java.util.concurrent.ConcurrentHashMap<String, AtomicLong> topicDuplicates =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final long[] latencyNanos = new long[WINDOW];
  private final long[] sampledAt = new long[WINDOW];
  private long samples;
  private final Timer latencyTimer;

  TrafficStats(MeterRegistry registry) {
    latencyTimer = Timer.builder("topicmesh_node_delivery_latency_seconds")
        .description("Publish to delivery time of load messages (publisher clock)")
        .publishPercentiles(0.5, 0.99)
        .distributionStatisticExpiry(Duration.ofMinutes(1))
        .register(registry);
  }

  /** A topic whose messages are not user traffic (the mesh probes'); null for none. */
  private volatile String ignored;

  /** Leaves {@code topic}'s messages out of every figure here. */
  void ignoreTopic(String topic) {
    this.ignored = topic;
  }

  private boolean ignored(String topic) {
    return topic.equals(ignored);
  }

  @Override
  public void published(String topic, MessageId id, int bytes, int peers) {
    if (ignored(topic)) {
      return;
    }
    published.incrementAndGet();
    countTopicMessage(topic);
  }

  @Override
  public void delivered(String topic, MessageId id, PeerId source, int bytes, long validationMillis) {
    if (ignored(topic)) {
      return;
    }
    countTopicMessage(topic);
  }

  private void countTopicMessage(String topic) {
    count(topicMessages, topic);
  }

  private static void count(java.util.concurrent.ConcurrentHashMap<String, AtomicLong> counters, String topic) {
    AtomicLong n = counters.get(topic);
    if (n == null) {
      if (counters.size() >= MAX_TOPICS) {
        return;
      }
      n = counters.computeIfAbsent(topic, t -> new AtomicLong());
    }
    n.incrementAndGet();
  }

  /**
   * Duplicate receptions of {@code topic}'s messages here since start: with {@link #topicMessages},
   * the topic's own duplicates per message, from which the operator tunes the topic's mesh degree.
   */
  public long topicDuplicates(String topic) {
    AtomicLong n = topicDuplicates.get(topic);
    return n == null ? 0 : n.get();
  }

  /**
   * Distinct messages of {@code topic} this node has seen since it started (its own publishes and
   * the first copy of each message from others); what the operator's P3 guard turns into a rate.
   */
  public long topicMessages(String topic) {
    AtomicLong n = topicMessages.get(topic);
    return n == null ? 0 : n.get();
  }

  @Override
  public void duplicate(String topic, MessageId id, PeerId source) {
    if (ignored(topic)) {
      return;
    }
    duplicates.incrementAndGet();
    count(topicDuplicates, topic);
  }

  /** A message from another node reached a subscriber here. */
  void delivered(byte[] data) {
    delivered.incrementAndGet();
    long at = LoadPayload.publishedAt(data);
    if (at > 0) {
      long lat = Math.max(0, LoadPayload.nowEpochNanos() - at);
      latencyTimer.record(lat, TimeUnit.NANOSECONDS);
      synchronized (latencyNanos) {
        int i = (int) (samples++ % WINDOW);
        latencyNanos[i] = lat;
        sampledAt[i] = System.nanoTime();
      }
    }
  }

  public long published() {
    return published.get();
  }

  public long delivered() {
    return delivered.get();
  }

  public long duplicates() {
    return duplicates.get();
  }

  /** The latency samples of the last {@code window} (at most {@link #WINDOW}), in nanoseconds, unsorted. */
  public long[] latencySamples(Duration window) {
    long since = System.nanoTime() - window.toNanos();
    synchronized (latencyNanos) {
      int n = (int) Math.min(samples, WINDOW);
      long[] out = new long[n];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (sampledAt[i] - since >= 0) {
          out[k++] = latencyNanos[i];
        }
      }
      return Arrays.copyOf(out, k);
    }
  }

  /** Percentile {@code q} in [0, 1] of {@code samples} in milliseconds, or NaN when empty. */
  public static double percentileMillis(long[] samples, double q) {
    if (samples.length == 0) {
      return Double.NaN;
    }
    long[] s = samples.clone();
    Arrays.sort(s);
    int i = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
    return s[i] / 1e6;
  }
}
