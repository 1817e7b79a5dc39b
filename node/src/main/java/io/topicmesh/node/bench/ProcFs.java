package io.topicmesh.node.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads a process's CPU time and resident memory from Linux's /proc (pure parsers, tested). */
final class ProcFs {
  /** Clock ticks per second of /proc/[pid]/stat's times: USER_HZ, 100 on every Linux we run on. */
  static final int USER_HZ = 100;

  private ProcFs() {}

  /** utime + stime of a /proc/[pid]/stat line, in clock ticks (fields 14 and 15; the name may hold spaces). */
  static long cpuTicks(String statLine) {
    int close = statLine.lastIndexOf(')');
    if (close < 0 || close + 2 > statLine.length()) {
      throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + statLine);
    }
    String[] f = statLine.substring(close + 2).trim().split(" ");
    if (f.length < 13) {
      throw new IllegalArgumentException("short /proc/<pid>/stat line: " + statLine);
    }
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** VmRSS of a /proc/[pid]/status text, in KiB. */
  static long rssKiB(String statusText) {
    for (String l : statusText.split("\n")) {
      if (l.startsWith("VmRSS:")) {
        String[] f = l.substring("VmRSS:".length()).trim().split("\\s+");
        if (f.length != 2 || !f[1].equals("kB")) {
          throw new IllegalArgumentException("unexpected VmRSS line: " + l);
        }
        return Long.parseLong(f[0]);
      }
    }
    throw new IllegalArgumentException("no VmRSS line (a kernel thread, or a zombie?)");
  }

  /** The 1-minute load average of a /proc/loadavg line. */
  static double loadAverage1(String loadavg) {
    return Double.parseDouble(loadavg.trim().split("\\s+")[0]);
  }

  static long cpuTicks(long pid) throws IOException {
    return cpuTicks(Files.readString(Path.of("/proc/" + pid + "/stat")));
  }

  static long cpuTicks(List<Long> pids) throws IOException {
    long t = 0;
    for (long pid : pids) {
      t += cpuTicks(pid);
    }
    return t;
  }

  static long rssKiB(long pid) throws IOException {
    return rssKiB(Files.readString(Path.of("/proc/" + pid + "/status")));
  }

  /** Mean VmRSS of the processes, in MiB. */
  static double meanRssMiB(List<Long> pids) throws IOException {
    long sum = 0;
    for (long pid : pids) {
      sum += rssKiB(pid);
    }
    return pids.isEmpty() ? Double.NaN : sum / 1024.0 / pids.size();
  }

  static double loadAverage1() {
    try {
      return loadAverage1(Files.readString(Path.of("/proc/loadavg")));
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * JVM flags as one string (as {@code JAVA_TOOL_OPTIONS} takes them): split on whitespace; an
   * empty string is no flags. Each must start with {@code -} (a stray word would become the main
   * class).
   */
  static List<String> splitJvmFlags(String flags) {
    List<String> out = new ArrayList<>();
    for (String f : flags.trim().split("\\s+")) {
      if (f.isEmpty()) {
        continue;
      }
      if (!f.startsWith("-")) {
        throw new IllegalArgumentException("--jvm-flags: '" + f + "' is not a JVM flag (each starts with -)");
      }
      out.add(f);
    }
    return out;
  }

  /** Samples the VmRSS of some processes until stopped, keeping each one's peak. */
  static final class RssSampler implements AutoCloseable {
    private final List<Long> pids;
    private final long[] peakKiB;
    private final Thread thread;
    private volatile boolean running = true;

    RssSampler(List<Long> pids, long periodMillis) {
      this.pids = List.copyOf(pids);
      this.peakKiB = new long[pids.size()];
      thread = new Thread(() -> {
        while (running) {
          sample();
          try {
            Thread.sleep(periodMillis);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    private synchronized void sample() {
      for (int i = 0; i < pids.size(); i++) {
        try {
          peakKiB[i] = Math.max(peakKiB[i], rssKiB(pids.get(i)));
        } catch (IOException | RuntimeException e) {
          // process gone: keep its peak so far
        }
      }
    }

    /** Stops sampling; the mean over the processes of each one's peak VmRSS, in MiB. */
    synchronized double meanPeakMiB() {
      running = false;
      thread.interrupt();
      sample();
      long sum = 0;
      for (long p : peakKiB) {
        sum += p;
      }
      return pids.isEmpty() ? Double.NaN : sum / 1024.0 / pids.size();
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }

  static String describe(double loadAvg) {
    return Double.isNaN(loadAvg) ? "n/a" : String.format(Locale.ROOT, "%.1f", loadAvg);
  }
}
