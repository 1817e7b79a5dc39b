package io.topicmesh.node.daemon.soak;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exact message accounting of the soak. Every published message carries its sequence number; the
 * ledger knows, per message, which node it was published to, whether the publish call returned
 * success (only then is it <em>accepted</em>), and which nodes were due to receive it: every other
 * node that was ready (its session running) when the publish call began and whose session was still
 * running {@code grace} after the publish returned. A message is settled {@code grace} after it was
 * accepted: each due node that received it counts as delivered, each that did not as lost.
 *
 * <p>Bounded: at most {@link #MAX_PENDING} messages wait to be settled (the publisher skips beyond
 * that and counts it); the latency samples of one interval are capped at {@link #MAX_LATENCIES}.
 */
final class Ledger {
  static final int MAX_PENDING = 200_000;
  static final int MAX_LATENCIES = 500_000;
  static final String PREFIX = "soak ";

  private static final class Msg {
    final long seq;
    final int publisher;
    final long sentNanos;
    final long dueMask;
    final int[] sessions;
    volatile long acceptedNanos;
    volatile boolean failed;
    long receivedMask;

    Msg(long seq, int publisher, long sentNanos, long dueMask, int[] sessions) {
      this.seq = seq;
      this.publisher = publisher;
      this.sentNanos = sentNanos;
      this.dueMask = dueMask;
      this.sessions = sessions;
    }
  }

  /** Figures of one settlement (an interval) or of the whole run. */
  static final class Figures {
    long published;
    long accepted;
    long failed;
    long skipped;
    long due;
    long delivered;
    long late;

    double ratio() {
      return due == 0 ? Double.NaN : (double) delivered / due;
    }

    void add(Figures o) {
      published += o.published;
      accepted += o.accepted;
      failed += o.failed;
      skipped += o.skipped;
      due += o.due;
      delivered += o.delivered;
      late += o.late;
    }
  }

  private final ConcurrentHashMap<Long, Msg> pending = new ConcurrentHashMap<>();
  private Figures current = new Figures();
  private final Figures total = new Figures();
  private long[] latencies = new long[1024];
  private int latencyCount;
  private long[] allLatencyHistogram = new long[0];

  /** The payload of message {@code seq}: {@code soak <seq> } padded with 'x' to {@code size} bytes. */
  static byte[] payload(long seq, int size) {
    String head = PREFIX + seq + " ";
    byte[] b = new byte[Math.max(size, head.length())];
    Arrays.fill(b, (byte) 'x');
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(h, 0, b, 0, h.length);
    return b;
  }

  /** The sequence number in a payload's text, or -1 when it is not a soak message. */
  static long seqOf(String text) {
    if (!text.startsWith(PREFIX)) {
      return -1;
    }
    int end = text.indexOf(' ', PREFIX.length());
    try {
      return Long.parseLong(end < 0 ? text.substring(PREFIX.length()) : text.substring(PREFIX.length(), end));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A publish call begins; false when too many messages wait to be settled (counted as skipped). */
  synchronized boolean publishing(long seq, int publisher, long nanos, List<NodeProcess> nodes) {
    if (pending.size() >= MAX_PENDING) {
      current.skipped++;
      return false;
    }
    long due = 0;
    int[] sessions = new int[nodes.size()];
    for (NodeProcess n : nodes) {
      sessions[n.index] = n.session();
      if (n.index != publisher && n.ready()) {
        due |= 1L << n.index;
      }
    }
    pending.put(seq, new Msg(seq, publisher, nanos, due, sessions));
    current.published++;
    return true;
  }

  /** A publish tick found no ready node or too many calls in flight. */
  synchronized void skipped() {
    current.skipped++;
  }

  void accepted(long seq, long nanos) {
    Msg m = pending.get(seq);
    if (m != null) {
      m.acceptedNanos = nanos;
    }
  }

  void failed(long seq) {
    Msg m = pending.get(seq);
    if (m != null) {
      m.failed = true;
    }
  }

  /** Node {@code node}'s stream delivered message {@code seq}. */
  synchronized void received(long seq, int node, long nanos) {
    Msg m = pending.get(seq);
    if (m == null) {
      current.late++;
      return;
    }
    long bit = 1L << node;
    if ((m.receivedMask & bit) != 0) {
      return;
    }
    m.receivedMask |= bit;
    if ((m.dueMask & bit) != 0 && latencyCount < MAX_LATENCIES) {
      if (latencyCount == latencies.length) {
        latencies = Arrays.copyOf(latencies, latencies.length * 2);
      }
      latencies[latencyCount++] = nanos - m.sentNanos;
    }
  }

  /**
   * Settles every message accepted more than {@code grace} ago (and drops failed ones), and returns
   * the interval's figures and latencies, starting the next interval. {@code all} settles everything
   * (the end of the run, after the drain).
   */
  synchronized Interval settle(long now, long graceNanos, List<NodeProcess> nodes, boolean all) {
    Figures f = current;
    Iterator<Msg> it = pending.values().iterator();
    while (it.hasNext()) {
      Msg m = it.next();
      if (m.failed) {
        f.failed++;
        it.remove();
        continue;
      }
      long acc = m.acceptedNanos;
      if (acc == 0) {
        if (all) {
          f.failed++;
          it.remove();
        }
        continue;
      }
      if (!all && now - acc < graceNanos) {
        continue;
      }
      it.remove();
      f.accepted++;
      for (NodeProcess n : nodes) {
        long bit = 1L << n.index;
        if ((m.dueMask & bit) == 0) {
          continue;
        }
        // due only when the session that was running at the publish outlived the grace period
        long end = n.sessionEnd(m.sessions[n.index]);
        if (end != Long.MAX_VALUE && end - acc < graceNanos) {
          continue;
        }
        f.due++;
        if ((m.receivedMask & bit) != 0) {
          f.delivered++;
        }
      }
    }
    long[] lat = Arrays.copyOf(latencies, latencyCount);
    latencyCount = 0;
    total.add(f);
    current = new Figures();
    Arrays.sort(lat);
    addToHistogram(lat);
    return new Interval(f, lat);
  }

  /** Millisecond buckets over the whole run, for the run's percentiles. */
  private void addToHistogram(long[] sorted) {
    for (long l : sorted) {
      int b = (int) Math.min(600_000, Math.max(0, l / 1_000_000));
      if (b >= allLatencyHistogram.length) {
        allLatencyHistogram = Arrays.copyOf(allLatencyHistogram, Math.max(b + 1, allLatencyHistogram.length * 2));
      }
      allLatencyHistogram[b]++;
    }
  }

  /** The run's latency percentile in ms (bucket upper bound), NaN without samples. */
  synchronized double totalPercentileMs(double q) {
    long n = Arrays.stream(allLatencyHistogram).sum();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(q * n);
    long acc = 0;
    for (int b = 0; b < allLatencyHistogram.length; b++) {
      acc += allLatencyHistogram[b];
      if (acc >= rank) {
        return b + 1;
      }
    }
    return allLatencyHistogram.length;
  }

  synchronized Figures total() {
    Figures t = new Figures();
    t.add(total);
    return t;
  }

  synchronized int pending() {
    return pending.size();
  }

  /** One interval's settled figures and its latencies (sorted, ns). */
  record Interval(Figures figures, long[] latencies) {
    double percentileMs(double q) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      int i = (int) Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1));
      return latencies[i] / 1e6;
    }
  }
}
