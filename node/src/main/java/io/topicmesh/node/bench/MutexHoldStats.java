package io.topicmesh.node.bench;

import io.topicmesh.node.pubsub.lock.LockListener;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Router-mutex holds of all of the benchmark's routers (one listener shared by all): the longest
 * hold and the 99th percentile, in wall time and in the holder's CPU time, and per task kind the
 * longest and total CPU time. Thread-safe and bounded: histograms of fixed log-scale buckets, at most
 * {@link #MAX_KINDS} task kinds (names are code literals). {@link #reset} starts a phase.
 */
final class MutexHoldStats implements LockListener {
  static final int MAX_KINDS = 64;
  /** Buckets per doubling: a percentile is exact to within 2^(1/8), 9 %. */
  private static final int PER_OCTAVE = 8;
  /** Bucket 0 is below 1 µs; the last one is 2^30 µs (18 min) and above. */
  private static final int BUCKETS = 1 + 30 * PER_OCTAVE + 1;

  /** The figures of one phase. CPU figures are NaN when the mutex did not measure CPU time. */
  record Figures(long holds, double maxWallMs, double maxCpuMs, double p99WallMs, double p99CpuMs,
      List<Kind> kindsByMaxCpu) {
    String kinds(int n) {
      StringBuilder b = new StringBuilder();
      for (Kind k : kindsByMaxCpu.subList(0, Math.min(n, kindsByMaxCpu.size()))) {
        b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.2f ms (%d tasks, %.0f ms in all)",
            k.name(), k.maxCpuMs(), k.count(), k.totalCpuMs()));
      }
      return b.toString();
    }
  }

  /** One task kind: how many ran, the longest and the total CPU time. */
  record Kind(String name, long count, double maxCpuMs, double totalCpuMs) {}

  private final AtomicLongArray wall = new AtomicLongArray(BUCKETS);
  private final AtomicLongArray cpu = new AtomicLongArray(BUCKETS);
  private final AtomicLong holds = new AtomicLong();
  private final AtomicLong cpuHolds = new AtomicLong();
  private final AtomicLong maxWall = new AtomicLong();
  private final AtomicLong maxCpu = new AtomicLong();
  private final Map<String, long[]> kinds = new ConcurrentHashMap<>();

  @Override
  public void released(String holder, long holdNanos, long cpuNanos) {
    holds.incrementAndGet();
    wall.incrementAndGet(bucket(holdNanos));
    maxWall.accumulateAndGet(holdNanos, Math::max);
    if (cpuNanos != RouterMutex.CPU_NOT_MEASURED) {
      cpuHolds.incrementAndGet();
      cpu.incrementAndGet(bucket(cpuNanos));
      maxCpu.accumulateAndGet(cpuNanos, Math::max);
    }
  }

  @Override
  public void taskRan(String name, long wallNanos, long cpuNanos) {
    String key = name == null ? "null" : name;
    long[] k = kinds.get(key);
    if (k == null) {
      if (kinds.size() >= MAX_KINDS) {
        key = "(other)";
      }
      k = kinds.computeIfAbsent(key, x -> new long[3]);
    }
    synchronized (k) {
      k[0]++;
      k[1] = Math.max(k[1], cpuNanos);
      k[2] += cpuNanos;
    }
  }

  void reset() {
    for (int i = 0; i < BUCKETS; i++) {
      wall.set(i, 0);
      cpu.set(i, 0);
    }
    holds.set(0);
    cpuHolds.set(0);
    maxWall.set(0);
    maxCpu.set(0);
    kinds.clear();
  }

  Figures figures() {
    boolean measured = cpuHolds.get() > 0;
    List<Kind> ks = new ArrayList<>();
    kinds.forEach((name, k) -> {
      synchronized (k) {
        ks.add(new Kind(name, k[0], k[1] / 1e6, k[2] / 1e6));
      }
    });
    ks.sort((a, b) -> Double.compare(b.maxCpuMs(), a.maxCpuMs()));
    return new Figures(holds.get(), maxWall.get() / 1e6, measured ? maxCpu.get() / 1e6 : Double.NaN,
        percentileMs(wall, 0.99), measured ? percentileMs(cpu, 0.99) : Double.NaN, ks);
  }

  static int bucket(long nanos) {
    long us = nanos / 1000;
    if (us < 1) {
      return 0;
    }
    // log2(us) * PER_OCTAVE, from the bit length and the next 3 bits below the top one
    int exp = 63 - Long.numberOfLeadingZeros(us);
    int frac = exp >= 3 ? (int) ((us >>> (exp - 3)) & 7) : (int) ((us << (3 - exp)) & 7);
    return Math.min(BUCKETS - 1, 1 + exp * PER_OCTAVE + frac);
  }

  /** The upper bound of bucket {@code b} in ms. */
  static double upperMs(int b) {
    if (b == 0) {
      return 0.001;
    }
    int exp = (b - 1) / PER_OCTAVE;
    int frac = (b - 1) % PER_OCTAVE;
    return Math.scalb(1.0 + (frac + 1) / 8.0, exp) / 1000.0;
  }

  /** The upper bound of the bucket holding quantile {@code q}; NaN without samples. */
  static double percentileMs(AtomicLongArray h, double q) {
    long n = 0;
    for (int i = 0; i < h.length(); i++) {
      n += h.get(i);
    }
    if (n == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < h.length(); i++) {
      seen += h.get(i);
      if (seen >= rank) {
        return upperMs(i);
      }
    }
    return upperMs(h.length() - 1);
  }
}
