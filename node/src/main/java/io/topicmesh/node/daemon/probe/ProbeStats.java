package io.topicmesh.node.daemon.probe;

import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * What one node makes of the probes it receives: per publisher which sequence numbers arrived, how
 * many were expected, and the send-to-receive latency. Pure logic on injected time (the caller
 * passes the monotonic and the wall clock), so tests drive it on virtual time.
 *
 * <p><b>The denominator.</b> A publisher is expected from its first probe until its bye probe or
 * until it has been silent for {@link #forgetAfter} (a crash or a partition: it stays counted as
 * missing that long, then drops out, as a pod that is gone should). Its sequence number {@code s} is
 * due at {@code anchorTime + (s - anchorSeq) x interval + grace}, where the anchor is the newest
 * probe received from it (its arrival on our monotonic clock) and the interval is the one the
 * publisher announces. When a sequence number falls due it is settled: expected += 1, and received
 * += 1 if it arrived by then. So a silent publisher is counted as missed one interval after another,
 * a gap in the sequence is counted as missed once it is due, and a probe that arrives after it was
 * settled is counted late (not received). Settling uses only our own clock; the publisher's clock
 * enters only the latency.
 *
 * <p><b>Warm-up.</b> For one grace period after a publisher is first heard (or restarts) only the
 * newest sequence number counts as its start, and no latency is recorded: a joining node receives
 * old probes through gossip, whose age is not mesh latency.
 *
 * <p><b>Clock skew.</b> Latency is our wall clock at receipt minus the publisher's wall clock at
 * send. Pods on one node share its clock; across nodes the clocks must be NTP-synchronised. A
 * negative latency, or one above {@link #MAX_PLAUSIBLE_LATENCY}, can only be skew: it is counted
 * as such and left out of the latency figures (the probe still counts as received).
 *
 * <p>Bounded: at most {@link #MAX_PUBLISHERS} publishers (further ones are counted as ignored),
 * {@link #SEQ_WINDOW} sequence numbers ahead of the settled one per publisher, {@link
 * #LATENCY_SAMPLES} latency samples and {@link #WINDOW_SECONDS} one-second buckets for the recent
 * delivery ratio. Thread-safe.
 */
public final class ProbeStats {
  public static final int MAX_PUBLISHERS = 1024;
  static final int SEQ_WINDOW = 256;
  /** A sequence jump larger than this is taken as a new incarnation, not as this many losses. */
  static final long MAX_GAP = 100_000;
  /** Most sequence numbers one publisher settles per call, so a long silence never stalls a caller. */
  static final int MAX_SETTLE_PER_CALL = 100_000;
  public static final int LATENCY_SAMPLES = 4096;
  /** The window of the recent delivery ratio and latency percentiles. */
  public static final int WINDOW_SECONDS = 60;
  public static final Duration MAX_PLAUSIBLE_LATENCY = Duration.ofSeconds(60);
  /** Least time a probe may take before it counts as missed. */
  public static final Duration MIN_GRACE = Duration.ofSeconds(2);
  /** Least silence after which a publisher is no longer expected. */
  public static final Duration MIN_FORGET = Duration.ofSeconds(60);

  private final LongConsumer latencySink;
  private final Map<String, Publisher> publishers = new LinkedHashMap<>();
  private final long[] bucketSecond = new long[WINDOW_SECONDS];
  private final long[] bucketExpected = new long[WINDOW_SECONDS];
  private final long[] bucketReceived = new long[WINDOW_SECONDS];
  private final long[] latencyNanos = new long[LATENCY_SAMPLES];
  private final long[] latencyAt = new long[LATENCY_SAMPLES];
  private long latencyCount;
  private long expected;
  private long received;
  private long late;
  private long skewed;
  private long ignored;
  private long forgotten;
  private long lastSkewNanos;

  /** @param latencySink gets every plausible latency in nanoseconds (the histogram) */
  public ProbeStats(LongConsumer latencySink) {
    this.latencySink = latencySink;
    Arrays.fill(bucketSecond, Long.MIN_VALUE);
  }

  private static final class Publisher {
    long bootId;
    long intervalNanos;
    long anchorSeq;
    long anchorMono;
    /** Every sequence number up to this one has been settled. */
    long settled;
    /** Arrival flags of sequence numbers settled+1 .. settled+SEQ_WINDOW, indexed by seq mod SEQ_WINDOW. */
    final boolean[] arrived = new boolean[SEQ_WINDOW];
    long lastHeardMono;
    long firstHeardMono;
    boolean skewed;

    void reset(ProbePayload p, long now) {
      firstHeardMono = now;
      bootId = p.bootId();
      intervalNanos = p.intervalMillis() * 1_000_000L;
      anchorSeq = p.seq();
      anchorMono = now;
      settled = p.seq() - 1;
      Arrays.fill(arrived, false);
      skewed = false;
    }

    long graceNanos() {
      return Math.max(MIN_GRACE.toNanos(), intervalNanos);
    }

    long forgetNanos() {
      return Math.max(MIN_FORGET.toNanos(), 10 * intervalNanos);
    }

    long due(long seq) {
      return anchorMono + (seq - anchorSeq) * intervalNanos + graceNanos();
    }
  }

  /**
   * One probe from another node arrived.
   *
   * @param nowMono our monotonic clock, ns
   * @param nowWallNanos our wall clock, ns since the epoch
   */
  public synchronized void receive(ProbePayload p, long nowMono, long nowWallNanos) {
    Publisher pub = publishers.get(p.publisher());
    if (pub == null) {
      if (p.bye()) {
        return;
      }
      if (publishers.size() >= MAX_PUBLISHERS) {
        ignored++;
        return;
      }
      pub = new Publisher();
      pub.reset(p, nowMono);
      publishers.put(p.publisher(), pub);
    } else if (pub.bootId != p.bootId()) {
      settle(pub, nowMono);
      pub.reset(p, nowMono); // restarted: its sequence starts over
    }
    pub.lastHeardMono = nowMono;
    if (p.bye()) {
      settle(pub, nowMono);
      publishers.remove(p.publisher());
      return;
    }
    pub.intervalNanos = p.intervalMillis() * 1_000_000L;
    long s = p.seq();
    long latency = nowWallNanos - p.sentEpochNanos();
    boolean skew = latency < 0 || latency > MAX_PLAUSIBLE_LATENCY.toNanos();
    if (nowMono - pub.firstHeardMono < pub.graceNanos()) {
      warmUp(pub, s, nowMono);
      if (skew) {
        countSkew(pub, latency);
      }
      return;
    }
    if (s <= pub.settled) {
      late++; // already counted as missed (a stalled publisher's backlog still re-anchors it below)
    } else {
      if (s - pub.settled > MAX_GAP) {
        pub.reset(p, nowMono);
      } else if (s - pub.settled > SEQ_WINDOW) {
        settleThrough(pub, s - SEQ_WINDOW, nowMono);
      }
      pub.arrived[(int) Math.floorMod(s, (long) SEQ_WINDOW)] = true;
    }
    if (s > pub.anchorSeq) {
      pub.anchorSeq = s;
      pub.anchorMono = nowMono;
    }
    if (skew) {
      countSkew(pub, latency);
    } else {
      pub.skewed = false;
      latencySink.accept(latency);
      int i = (int) (latencyCount++ % LATENCY_SAMPLES);
      latencyNanos[i] = latency;
      latencyAt[i] = nowMono;
    }
  }

  private void countSkew(Publisher pub, long latency) {
    skewed++;
    pub.skewed = true;
    lastSkewNanos = latency;
  }

  /**
   * The first grace period after a publisher is first heard (or restarted) sets the baseline and
   * yields no figures: a node that joins gets the publisher's recent probes through gossip (IWANT),
   * seconds old and out of order, which are neither deliveries of the mesh to measure nor losses.
   * The newest sequence number seen becomes the start; anything older is dropped.
   */
  private static void warmUp(Publisher pub, long s, long nowMono) {
    if (s <= pub.settled) {
      return;
    }
    if (s > pub.settled + 1) {
      if (s - pub.settled > SEQ_WINDOW) {
        Arrays.fill(pub.arrived, false);
      } else {
        for (long q = pub.settled + 1; q < s; q++) {
          pub.arrived[(int) Math.floorMod(q, (long) SEQ_WINDOW)] = false;
        }
      }
      pub.settled = s - 1;
    }
    pub.arrived[(int) Math.floorMod(s, (long) SEQ_WINDOW)] = true;
    if (s > pub.anchorSeq) {
      pub.anchorSeq = s;
      pub.anchorMono = nowMono;
    }
  }

  /** Settles what has fallen due and forgets publishers silent for too long; call every interval or so. */
  public synchronized void tick(long nowMono) {
    for (Iterator<Publisher> it = publishers.values().iterator(); it.hasNext(); ) {
      Publisher pub = it.next();
      settle(pub, nowMono);
      if (nowMono - pub.lastHeardMono > pub.forgetNanos()) {
        it.remove();
        forgotten++;
      }
    }
  }

  private void settle(Publisher pub, long nowMono) {
    int n = 0;
    while (n++ < MAX_SETTLE_PER_CALL && pub.due(pub.settled + 1) - nowMono <= 0) {
      settleOne(pub, nowMono);
    }
  }

  private void settleThrough(Publisher pub, long seq, long nowMono) {
    while (pub.settled < seq) {
      settleOne(pub, nowMono);
    }
  }

  private void settleOne(Publisher pub, long nowMono) {
    long s = ++pub.settled;
    int i = (int) Math.floorMod(s, (long) SEQ_WINDOW);
    boolean got = pub.arrived[i];
    pub.arrived[i] = false;
    expected++;
    if (got) {
      received++;
    }
    long sec = Math.floorDiv(nowMono, 1_000_000_000L);
    int b = (int) Math.floorMod(sec, (long) WINDOW_SECONDS);
    if (bucketSecond[b] != sec) {
      bucketSecond[b] = sec;
      bucketExpected[b] = 0;
      bucketReceived[b] = 0;
    }
    bucketExpected[b]++;
    if (got) {
      bucketReceived[b]++;
    }
  }

  /**
   * The figures now: recent ({@link #WINDOW_SECONDS}) delivery ratio and latency percentiles, and
   * totals since start.
   *
   * @param deliveryRatio received / expected over the window, NaN when nothing fell due in it
   * @param latencyP50Nanos NaN without samples in the window, likewise p99
   * @param skewedPublishers publishers whose last probe had an implausible latency
   * @param lastSkewNanos the latency of the last probe counted as skew (0 when none)
   */
  public record Snapshot(int publishers, long windowExpected, long windowReceived, double deliveryRatio,
      double latencyP50Nanos, double latencyP99Nanos, int latencySamples, long expected, long received, long late,
      long skewed, int skewedPublishers, long lastSkewNanos, long ignored, long forgotten) {}

  public synchronized Snapshot snapshot(long nowMono) {
    long sec = Math.floorDiv(nowMono, 1_000_000_000L);
    long we = 0;
    long wr = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      if (bucketSecond[i] != Long.MIN_VALUE && sec - bucketSecond[i] < WINDOW_SECONDS) {
        we += bucketExpected[i];
        wr += bucketReceived[i];
      }
    }
    long since = nowMono - Duration.ofSeconds(WINDOW_SECONDS).toNanos();
    int n = (int) Math.min(latencyCount, LATENCY_SAMPLES);
    long[] recent = new long[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (latencyAt[i] - since >= 0) {
        recent[k++] = latencyNanos[i];
      }
    }
    recent = Arrays.copyOf(recent, k);
    Arrays.sort(recent);
    int skewedPubs = 0;
    for (Publisher p : publishers.values()) {
      if (p.skewed) {
        skewedPubs++;
      }
    }
    return new Snapshot(publishers.size(), we, wr, we == 0 ? Double.NaN : (double) wr / we, percentile(recent, 0.5),
        percentile(recent, 0.99), k, expected, received, late, skewed, skewedPubs, lastSkewNanos, ignored, forgotten);
  }

  /** Nearest-rank percentile of sorted samples, NaN when empty. */
  static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
  }

  public synchronized long expected() {
    return expected;
  }

  public synchronized long received() {
    return received;
  }

  public synchronized long late() {
    return late;
  }

  public synchronized long skewed() {
    return skewed;
  }

  public synchronized int publishers() {
    return publishers.size();
  }
}
