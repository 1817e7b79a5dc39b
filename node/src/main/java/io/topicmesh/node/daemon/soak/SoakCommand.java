package io.topicmesh.node.daemon.soak;

import io.topicmesh.node.daemon.Signals;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code soak}: N nodes as separate {@code topicmesh-node run} processes on loopback (each its own
 * JVM, identity, 127.0.1.x address and admin API, as pods would be), a steady publish load through
 * the admin API, and churn: every {@code --churn-every} one random node (never a witness) is
 * stopped, by SIGTERM and SIGKILL in turn, and started again with the same identity and addresses.
 * Every {@code --interval} one line: per-node heap, RSS, file descriptors and threads (min/median/max
 * over the running nodes), the witnesses' heap after a forced full GC, and the interval's delivery
 * ratio and latency (exact accounting: {@link Ledger}). Writes {@code soak.csv}, {@code soak.png},
 * class histograms of the first witness and the nodes' logs to {@code --out}; ends with a verdict
 * line: the memory slopes after warm-up against the tolerances, and delivery over the whole run.
 * Exits 0 when the verdict is PASS, 1 when not.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Run N node processes on loopback for a given time under steady load with churn; print and plot"
        + " memory, file descriptors, threads, delivery and latency; end with a verdict.")
public final class SoakCommand implements Callable<Integer> {
  @Option(names = "--nodes", description = "Node processes (default ${DEFAULT-VALUE}).", defaultValue = "8")
  int nodes;

  @Option(names = "--duration", description = "How long to run: 30m, 90s, 1h or seconds (default ${DEFAULT-VALUE}).",
      defaultValue = "30m")
  String duration;

  @Option(names = "--rate", description = "Messages per second, cluster-wide, each to a random ready node"
      + " (default ${DEFAULT-VALUE}).", defaultValue = "50")
  double rate;

  @Option(names = "--size", description = "Message size in bytes (default ${DEFAULT-VALUE}).", defaultValue = "256")
  int size;

  @Option(names = "--churn-every", description = "Restart one random non-witness node this often, SIGTERM and"
      + " SIGKILL in turn; 0 for no churn (default ${DEFAULT-VALUE}).", defaultValue = "60s")
  String churnEvery;

  @Option(names = "--interval", description = "Sample and print this often (default ${DEFAULT-VALUE}).",
      defaultValue = "30s")
  String interval;

  @Option(names = "--out", description = "Directory for soak.csv, soak.png, histograms and node logs"
      + " (default ${DEFAULT-VALUE}).", defaultValue = "soak-out")
  Path outDir;

  @Option(names = "--witnesses", description = "Nodes never restarted, whose memory the verdict fits"
      + " (default ${DEFAULT-VALUE}).", defaultValue = "2")
  int witnesses;

  @Option(names = "--warmup", description = "Time excluded from the memory fit (default: half the duration).")
  String warmup;

  @Option(names = "--grace", description = "A message is settled this long after its publish returned; a node"
      + " stopped within it is not due to receive it (default ${DEFAULT-VALUE}).", defaultValue = "10s")
  String grace;

  @Option(names = "--heap-tolerance", description = "Largest flat slope of a witness's heap after full GC,"
      + " MiB/hour (default ${DEFAULT-VALUE}).", defaultValue = "8")
  double heapTolerance;

  @Option(names = "--rss-tolerance", description = "Largest flat slope of a witness's RSS, MiB/hour"
      + " (default ${DEFAULT-VALUE}).", defaultValue = "24")
  double rssTolerance;

  @Option(names = "--min-delivery", description = "Delivery ratio the verdict needs (default ${DEFAULT-VALUE}).",
      defaultValue = "0.99")
  double minDelivery;

  /** The node processes' JVM options unless --jvm-opt is given: a fixed, pre-touched heap, so RSS shows growth. */
  static final List<String> DEFAULT_JVM_OPTS = List.of("-Xms128m", "-Xmx128m", "-XX:+AlwaysPreTouch",
      "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError");

  @Option(names = "--jvm-opt", paramLabel = "<option>", description = "A JVM option of each node process, repeatable,"
      + " e.g. --jvm-opt=-Xmx256m; given ones replace the defaults (default: -Xms128m -Xmx128m -XX:+AlwaysPreTouch"
      + " -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError).")
  List<String> jvmOpts;

  @Option(names = "--class-path", description = "Class path of the node processes (default: this JVM's, the jar"
      + " when run with java -jar).")
  String classPath;

  @Option(names = "--seed", description = "Seed for the churn and the load (default: random).")
  Long seed;

  static final int MAX_NODES = 64;
  static final String TOPIC = "soak";
  /** Publish calls in flight at once; beyond it a tick is skipped (and counted). */
  static final int MAX_IN_FLIGHT = 512;
  @Option(names = "--ready-timeout", description = "Longest wait for a restarted node to be ready again (its"
      + " message stream open, /readyz 200); the first start gets 30 s more per node (default ${DEFAULT-VALUE}).",
      defaultValue = "120s")
  String readyTimeout;

  /** --ready-timeout, parsed. */
  private Duration readyLimit = Duration.ofSeconds(120);
  /** Longest wait for a node to exit after SIGTERM before it is killed (above the node's 20 s grace). */
  static final Duration STOP_LIMIT = Duration.ofSeconds(30);

  private final PrintStream out;

  public SoakCommand() {
    this(System.out);
  }

  SoakCommand(PrintStream out) {
    this.out = out;
  }

  /** One row of the CSV. */
  record Row(double elapsedS, int up, double[] heap, double[] rss, double[] fds, double[] threads,
      double[] witnessLiveHeap, double[] witnessRss, Ledger.Figures f, double p50, double p99, int restarts) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<Double> restartTimes = new ArrayList<>();
  private final AtomicInteger restarts = new AtomicInteger();
  private final AtomicInteger sigterms = new AtomicInteger();
  private final AtomicInteger sigkills = new AtomicInteger();
  private final AtomicInteger crashes = new AtomicInteger();
  private final AtomicInteger hungStops = new AtomicInteger();
  private final AtomicInteger failedRestarts = new AtomicInteger();
  private final List<Double> readyAfterS = new ArrayList<>();
  private final AtomicLong streamDrops = new AtomicLong();

  @Override
  public Integer call() throws Exception {
    Duration runFor = duration("--duration", duration);
    Duration every = duration("--churn-every", churnEvery);
    Duration sampleEvery = duration("--interval", interval);
    Duration settleAfter = duration("--grace", grace);
    Duration warm = warmup == null ? runFor.dividedBy(2) : duration("--warmup", warmup);
    readyLimit = duration("--ready-timeout", readyTimeout);
    validate(runFor, sampleEvery, warm);
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      throw new IllegalArgumentException("no jcmd at " + jcmd + ": the soak needs a JDK (it forces a GC on the"
          + " witnesses and takes class histograms)");
    }
    Files.createDirectories(outDir);
    SplittableRandom random = new SplittableRandom(seed == null ? new SecureRandom().nextLong() : seed);
    ExecutorService httpPool = Executors.newFixedThreadPool(4, daemon("soak-http"));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).executor(httpPool).build();
    Ledger ledger = new Ledger();
    List<NodeProcess> cluster = cluster(http, ledger);
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTerminate(stop::countDown);
    Thread reaper = new Thread(() -> cluster.forEach(n -> {
      Process p = n.process();
      if (p != null) {
        p.destroyForcibly();
      }
    }), "soak-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor(daemon("soak-load"));
    ScheduledExecutorService churn = Executors.newSingleThreadScheduledExecutor(daemon("soak-churn"));
    long t0 = System.nanoTime();
    try {
      for (NodeProcess n : cluster) {
        n.start();
      }
      // all start at once: on a loaded machine that takes a while, so the first deadline grows with N
      Duration firstLimit = readyLimit.plusSeconds(30L * nodes);
      out.printf(Locale.ROOT, "soak: starting %d node processes (waiting up to %d s for all to be ready); load %s%n",
          nodes, firstLimit.toSeconds(), loadAverage());
      out.flush();
      long deadline = System.nanoTime() + firstLimit.toNanos();
      for (NodeProcess n : cluster) {
        if (!n.awaitReady(deadline)) {
          throw new IllegalStateException("node " + n.index + " (" + n.admin + ") not ready within "
              + firstLimit.toSeconds() + " s; its log " + n.log + " ends:\n" + n.logTail(15));
        }
      }
      out.printf(Locale.ROOT, "soak: %d node processes ready in %.1f s on 127.0.1.1..%s, topic %s, %.1f msg/s of %d"
              + " bytes, churn every %s, witnesses 0..%d, for %s; out %s; machine load %s%n", nodes,
          (System.nanoTime() - t0) / 1e9, cluster.get(nodes - 1).ip, TOPIC, rate, size,
          every.isZero() ? "never" : every.toSeconds() + " s", witnesses - 1, human(runFor), outDir.toAbsolutePath(),
          loadAverage());
      out.printf(Locale.ROOT, "%7s %5s %-17s %-17s %-11s %-11s %-13s %8s %9s %8s %8s %8s%n", "t", "up",
          "heapMiB min/med/max", "rssMiB min/med/max", "fds", "threads", "witness heap", "accepted", "delivery",
          "p50ms", "p99ms", "restarts");
      out.flush();
      t0 = System.nanoTime();
      long start = t0;
      startLoad(load, cluster, ledger, http, random);
      AtomicInteger churning = new AtomicInteger(-1);
      if (!every.isZero()) {
        AtomicInteger turn = new AtomicInteger();
        churn.scheduleAtFixedRate(() -> churnOnce(cluster, random, turn.getAndIncrement() % 2 == 1, churning,
            start), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
      }
      Path csv = outDir.resolve("soak.csv");
      Histograms histograms = new Histograms(jcmd, cluster.get(0), outDir);
      boolean histogramAtWarmup = false;
      try (BufferedWriter w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
        w.write(csvHeader());
        w.newLine();
        long next = start + sampleEvery.toNanos();
        long end = start + runFor.toNanos();
        while (true) {
          long wait = Math.min(next, end) - System.nanoTime();
          if (wait > 0 && stop.await(wait, TimeUnit.NANOSECONDS)) {
            break;
          }
          long now = System.nanoTime();
          if (now >= end) {
            break;
          }
          while (next <= now) {
            next += sampleEvery.toNanos(); // a slow sample skips ticks rather than bunching them
          }
          reviveCrashed(cluster, churn, churning, start);
          Row row = sample(cluster, ledger, jcmd, settleAfter, start, false);
          write(w, row);
          if (!histogramAtWarmup && now - start >= warm.toNanos()) {
            histograms.take("warmup");
            histogramAtWarmup = true;
          }
        }
        load.shutdownNow();
        // a restart in flight finishes (bounded by its own deadlines), so no node is left half started
        churn.shutdown();
        if (!churn.isTerminated()) {
          out.println("load stopped; waiting for the restart in flight");
          out.flush();
        }
        churn.awaitTermination(STOP_LIMIT.toSeconds() + readyLimit.toSeconds() + 10, TimeUnit.SECONDS);
        if (!histogramAtWarmup) {
          histograms.take("warmup");
        }
        histograms.take("end");
        // let the last messages settle: every accepted one gets its full grace
        out.printf(Locale.ROOT, "load stopped; settling the last messages (%d s)%n", settleAfter.toSeconds());
        out.flush();
        Thread.sleep(settleAfter.toMillis() + 500);
        Row last = sample(cluster, ledger, jcmd, settleAfter, start, true);
        write(w, last);
      }
      histograms.diff();
      SoakPlot.write(outDir.resolve("soak.png"), String.format(Locale.ROOT,
          "topicmesh soak: %d node processes, %.0f msg/s x %d B, churn every %s, %s", nodes, rate, size,
          every.isZero() ? "never" : every.toSeconds() + " s", human(runFor)), elapsed(), panels(), restartTimes);
      return verdict(ledger, warm, histograms) ? 0 : 1;
    } finally {
      load.shutdownNow();
      churn.shutdownNow();
      stopAll(cluster);
      httpPool.shutdownNow();
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException e) {
        // already shutting down
      }
      out.println("stopped");
      out.flush();
    }
  }

  private void validate(Duration runFor, Duration sampleEvery, Duration warm) {
    if (nodes < 2 || nodes > MAX_NODES) {
      throw new IllegalArgumentException("--nodes: " + nodes + " is out of range, expected 2.." + MAX_NODES);
    }
    if (witnesses < 1 || witnesses >= nodes) {
      throw new IllegalArgumentException("--witnesses: " + witnesses + " is out of range, expected 1.." + (nodes - 1)
          + " (at least one node must be left to churn)");
    }
    if (!(rate > 0 && rate <= 10_000)) {
      throw new IllegalArgumentException("--rate: " + rate + " is out of range, expected (0, 10000]");
    }
    if (size < 32 || size > 512 * 1024) {
      throw new IllegalArgumentException("--size: " + size + " is out of range, expected 32..524288");
    }
    if (runFor.toSeconds() < 10) {
      throw new IllegalArgumentException("--duration: " + duration + " is too short, at least 10 s");
    }
    if (sampleEvery.toMillis() < 1000 || sampleEvery.compareTo(runFor) > 0) {
      throw new IllegalArgumentException("--interval: " + interval + " must be 1 s or more and at most --duration");
    }
    if (warm.compareTo(runFor) >= 0) {
      throw new IllegalArgumentException("--warmup: " + warmup + " must be shorter than --duration");
    }
    if (!(minDelivery >= 0 && minDelivery <= 1)) {
      throw new IllegalArgumentException("--min-delivery: " + minDelivery + " is out of range, expected 0..1");
    }
  }

  /** 30m, 90s, 1h, 500ms, or plain seconds. */
  static Duration duration(String option, String text) {
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)?").matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(option + ": " + text + " is not a duration, expected e.g. 30m, 90s, 1h");
    }
    long v = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(v);
      case "m" -> Duration.ofMinutes(v);
      case "h" -> Duration.ofHours(v);
      default -> Duration.ofSeconds(v);
    };
  }

  private static String human(Duration d) {
    long s = d.toSeconds();
    return s % 60 == 0 ? s / 60 + " min" : s + " s";
  }

  private List<NodeProcess> cluster(HttpClient http, Ledger ledger) throws IOException {
    int p2pPort = freePort();
    int adminPort = freePort();
    String cp = classPath == null ? System.getProperty("java.class.path") : classPath;
    List<String> addrs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      addrs.add("/ip4/" + ip(i) + "/tcp/" + p2pPort);
    }
    List<NodeProcess> cluster = new ArrayList<>();
    StringBuilder commands = new StringBuilder();
    for (int i = 0; i < nodes; i++) {
      Path dir = outDir.resolve("node-" + i);
      Files.createDirectories(dir);
      Files.deleteIfExists(dir.resolve("node.log"));
      StringBuilder yaml = new StringBuilder();
      yaml.append("listen: [\"").append(addrs.get(i)).append("\"]\n");
      yaml.append("keyFile: \"").append(dir.resolve("node.key").toAbsolutePath()).append("\"\n");
      yaml.append("discovery:\n");
      for (int j = 0; j < nodes; j++) {
        if (j != i) {
          yaml.append("  - \"static:").append(addrs.get(j)).append("\"\n");
        }
      }
      yaml.append("topics: [\"").append(TOPIC).append("\"]\n");
      yaml.append("admin:\n  listen: \"").append(ip(i)).append(':').append(adminPort).append("\"\n");
      yaml.append("redial:\n  minMs: 200\n  maxMs: 2000\n");
      Path config = dir.resolve("node.yaml");
      Files.writeString(config, yaml.toString(), StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(jvmOpts == null || jvmOpts.isEmpty() ? DEFAULT_JVM_OPTS : jvmOpts);
      cmd.addAll(List.of("-cp", cp, "io.topicmesh.node.daemon.Main", "run", "--config",
          config.toAbsolutePath().toString()));
      commands.append(String.join(" ", cmd)).append('\n');
      cluster.add(new NodeProcess(i, ip(i), config, dir.resolve("node.log"),
          URI.create("http://" + ip(i) + ":" + adminPort), cmd, http, TOPIC, ledger, streamDrops));
    }
    Files.writeString(outDir.resolve("commands.txt"), commands.toString(), StandardCharsets.UTF_8);
    return cluster;
  }

  static String ip(int i) {
    return "127.0.1." + (i + 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip(0)), 0));
      return s.getLocalPort();
    }
  }

  private void startLoad(ScheduledExecutorService load, List<NodeProcess> cluster, Ledger ledger, HttpClient http,
      SplittableRandom random) {
    AtomicLong seq = new AtomicLong();
    Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    long periodMicros = Math.max(100, (long) (1_000_000 / rate));
    load.scheduleAtFixedRate(() -> {
      List<NodeProcess> ready = cluster.stream().filter(NodeProcess::ready).toList();
      if (ready.isEmpty() || !inFlight.tryAcquire()) {
        ledger.skipped();
        return;
      }
      NodeProcess to = ready.get(random.nextInt(ready.size()));
      long s = seq.getAndIncrement();
      if (!ledger.publishing(s, to.index, System.nanoTime(), cluster)) {
        inFlight.release();
        return;
      }
      HttpRequest req = HttpRequest.newBuilder(to.admin.resolve("/v1/topics/" + TOPIC + "/publish"))
          .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/octet-stream")
          .POST(HttpRequest.BodyPublishers.ofByteArray(Ledger.payload(s, size))).build();
      http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        inFlight.release();
        if (e == null && r.statusCode() == 200) {
          ledger.accepted(s, System.nanoTime());
        } else {
          ledger.failed(s);
        }
      });
    }, 0, periodMicros, TimeUnit.MICROSECONDS);
  }

  /** Stops one random non-witness node (SIGKILL when {@code kill}, else SIGTERM) and starts it again. */
  private void churnOnce(List<NodeProcess> cluster, SplittableRandom random, boolean kill, AtomicInteger churning,
      long start) {
    try {
      // a node that failed to come back is retried first
      NodeProcess victim = null;
      for (int i = witnesses; i < cluster.size(); i++) {
        if (!cluster.get(i).alive()) {
          victim = cluster.get(i);
        }
      }
      if (victim == null) {
        victim = cluster.get(witnesses + random.nextInt(cluster.size() - witnesses));
      }
      churning.set(victim.index);
      long t = System.nanoTime();
      String how = kill ? "SIGKILL" : "SIGTERM";
      int code = 0;
      boolean wasAlive = victim.alive();
      if (wasAlive) {
        out.printf(Locale.ROOT, "%6.0fs churn: node %d %s%n", (t - start) / 1e9, victim.index, how);
        out.flush();
        (kill ? sigkills : sigterms).incrementAndGet();
        code = victim.stop(kill, STOP_LIMIT);
        if (code == -1) {
          hungStops.incrementAndGet();
        }
      }
      double stoppedIn = (System.nanoTime() - t) / 1e9;
      synchronized (this) {
        restartTimes.add((t - start) / 1e9);
      }
      restarts.incrementAndGet();
      long t2 = System.nanoTime();
      boolean ok = restart(victim);
      double readyIn = (System.nanoTime() - t2) / 1e9;
      synchronized (this) {
        if (ok) {
          readyAfterS.add(readyIn);
        }
      }
      out.printf(Locale.ROOT, "%6.0fs churn: node %d %s -> %s in %.1f s; %s%n", (System.nanoTime() - start) / 1e9,
          victim.index, how,
          !wasAlive ? "was down" : code == -1 ? "did not exit within " + STOP_LIMIT.toSeconds() + " s, killed"
              : "exit " + code, stoppedIn,
          ok ? String.format(Locale.ROOT, "restarted, ready in %.1f s", readyIn) : "NOT ready within "
              + readyLimit.toSeconds() + " s (retried at the next churn); log " + victim.log);
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      out.println("churn error: " + e);
      out.flush();
    } finally {
      churning.set(-1);
    }
  }

  private boolean restart(NodeProcess n) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + readyLimit.toNanos();
    while (System.nanoTime() < deadline) {
      n.start();
      if (n.awaitReady(deadline)) {
        return true;
      }
      if (n.alive()) {
        break; // running but never ready: given up below
      }
      // exited at start (e.g. its port still held): try again shortly
      Thread.sleep(1000);
    }
    if (n.alive()) {
      n.stop(true, STOP_LIMIT);
    }
    n.givenUp();
    failedRestarts.incrementAndGet();
    return false;
  }

  /** A node that exited without the churn stopping it is a crash: report it and start it again. */
  private void reviveCrashed(List<NodeProcess> cluster, ScheduledExecutorService churn, AtomicInteger churning,
      long start) {
    for (NodeProcess n : cluster) {
      Process p = n.process();
      if (churning.get() != n.index && n.crashed()) {
        crashes.incrementAndGet();
        n.endSession(System.nanoTime());
        n.givenUp(); // counted once; the restart below clears it
        out.printf(Locale.ROOT, "%6.0fs CRASH: node %d exited with %d unasked; log %s ends:%n%s%n",
            (System.nanoTime() - start) / 1e9, n.index, p.exitValue(), n.log, n.logTail(10));
        out.flush();
        churn.execute(() -> {
          try {
            churning.set(n.index);
            restart(n);
          } catch (IOException | InterruptedException e) {
            out.println("restart error: " + e);
          } finally {
            churning.set(-1);
          }
        });
      }
    }
  }

  private Row sample(List<NodeProcess> cluster, Ledger ledger, Path jcmd, Duration settleAfter, long start,
      boolean all) throws InterruptedException {
    // the witnesses first: a full GC, then their heap is what is live
    double[] wHeap = new double[witnesses];
    double[] wRss = new double[witnesses];
    for (int i = 0; i < witnesses; i++) {
      NodeProcess w = cluster.get(i);
      wHeap[i] = Double.NaN;
      wRss[i] = Double.NaN;
      if (w.alive() && NodeProcess.jcmd(jcmd, w.pid(), "GC.run") != null) {
        NodeProcess.Sample s = w.sample();
        wHeap[i] = s.heapMiB();
        wRss[i] = s.rssMiB();
      }
    }
    List<NodeProcess.Sample> samples = new ArrayList<>();
    int up = 0;
    for (NodeProcess n : cluster) {
      if (n.ready()) {
        up++;
      }
      if (n.alive()) {
        samples.add(n.sample());
      }
    }
    long now = System.nanoTime();
    double elapsedS = (now - start) / 1e9;
    Ledger.Interval iv = ledger.settle(now, settleAfter.toNanos(), cluster, all);
    Row row = new Row(elapsedS, up, spread(samples, NodeProcess.Sample::heapMiB),
        spread(samples, NodeProcess.Sample::rssMiB), spread(samples, NodeProcess.Sample::fds),
        spread(samples, NodeProcess.Sample::threads), wHeap, wRss, iv.figures(), iv.percentileMs(0.5),
        iv.percentileMs(0.99), restarts.get());
    synchronized (this) {
      if (rows.size() < 100_000) {
        rows.add(row);
      }
    }
    Ledger.Figures f = iv.figures();
    StringBuilder wh = new StringBuilder();
    for (double v : wHeap) {
      wh.append(wh.length() == 0 ? "" : ",").append(fmt(v, 1));
    }
    out.printf(Locale.ROOT, "%6.0fs %2d/%-2d %-17s %-17s %-11s %-11s %-13s %8d %9s %8s %8s %8d%n", elapsedS, up,
        cluster.size(), triple(row.heap(), 0), triple(row.rss(), 0), triple(row.fds(), 0), triple(row.threads(), 0),
        wh, f.accepted, f.due == 0 ? "-" : String.format(Locale.ROOT, "%.4f", f.ratio()), fmt(row.p50(), 1),
        fmt(row.p99(), 1), row.restarts());
    out.flush();
    return row;
  }

  /** min, median, max of a figure over the samples, NaN-free; NaNs when there is none. */
  private static double[] spread(List<NodeProcess.Sample> samples,
      java.util.function.ToDoubleFunction<NodeProcess.Sample> f) {
    double[] v = samples.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).sorted().toArray();
    if (v.length == 0) {
      return new double[] {Double.NaN, Double.NaN, Double.NaN};
    }
    return new double[] {v[0], v[v.length / 2], v[v.length - 1]};
  }

  private static String triple(double[] t, int decimals) {
    return fmt(t[0], decimals) + "/" + fmt(t[1], decimals) + "/" + fmt(t[2], decimals);
  }

  private static String fmt(double v, int decimals) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  private String csvHeader() {
    StringBuilder b = new StringBuilder("elapsed_s,nodes_ready");
    for (String k : List.of("heap_mib", "rss_mib", "fds", "threads")) {
      b.append(',').append(k).append("_min,").append(k).append("_med,").append(k).append("_max");
    }
    for (int i = 0; i < witnesses; i++) {
      b.append(",w").append(i).append("_live_heap_mib,w").append(i).append("_rss_mib");
    }
    b.append(",published,accepted,failed,skipped,due,delivered,late,delivery,p50_ms,p99_ms,restarts");
    return b.toString();
  }

  private static void write(BufferedWriter w, Row r) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(fmt(r.elapsedS(), 1)).append(',').append(r.up());
    for (double[] t : List.of(r.heap(), r.rss(), r.fds(), r.threads())) {
      for (double v : t) {
        b.append(',').append(csv(v));
      }
    }
    for (int i = 0; i < r.witnessLiveHeap().length; i++) {
      b.append(',').append(csv(r.witnessLiveHeap()[i])).append(',').append(csv(r.witnessRss()[i]));
    }
    Ledger.Figures f = r.f();
    b.append(',').append(f.published).append(',').append(f.accepted).append(',').append(f.failed).append(',')
        .append(f.skipped).append(',').append(f.due).append(',').append(f.delivered).append(',').append(f.late)
        .append(',').append(csv(f.ratio())).append(',').append(csv(r.p50())).append(',').append(csv(r.p99()))
        .append(',').append(r.restarts());
    w.write(b.toString());
    w.newLine();
    w.flush();
  }

  private static String csv(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  private synchronized double[] elapsed() {
    return rows.stream().mapToDouble(Row::elapsedS).toArray();
  }

  private synchronized double[] column(java.util.function.ToDoubleFunction<Row> f) {
    return rows.stream().mapToDouble(f).toArray();
  }

  private List<SoakPlot.Panel> panels() {
    List<SoakPlot.Series> heap = new ArrayList<>(List.of(
        new SoakPlot.Series("median node", column(r -> r.heap()[1])),
        new SoakPlot.Series("max node", column(r -> r.heap()[2]))));
    List<SoakPlot.Series> live = new ArrayList<>();
    List<SoakPlot.Series> rss = new ArrayList<>(List.of(
        new SoakPlot.Series("median node", column(r -> r.rss()[1])),
        new SoakPlot.Series("max node", column(r -> r.rss()[2]))));
    for (int i = 0; i < witnesses; i++) {
      int k = i;
      live.add(new SoakPlot.Series("witness " + i, column(r -> r.witnessLiveHeap()[k])));
      rss.add(new SoakPlot.Series("witness " + i, column(r -> r.witnessRss()[k])));
    }
    return SoakPlot.list(
        new SoakPlot.Panel("Heap used (sampled)", "MiB", heap),
        new SoakPlot.Panel("Witness heap after full GC", "MiB", live),
        new SoakPlot.Panel("RSS", "MiB", rss),
        new SoakPlot.Panel("File descriptors", "count", List.of(
            new SoakPlot.Series("min", column(r -> r.fds()[0])),
            new SoakPlot.Series("median", column(r -> r.fds()[1])),
            new SoakPlot.Series("max", column(r -> r.fds()[2])))),
        new SoakPlot.Panel("Threads", "count", List.of(
            new SoakPlot.Series("min", column(r -> r.threads()[0])),
            new SoakPlot.Series("median", column(r -> r.threads()[1])),
            new SoakPlot.Series("max", column(r -> r.threads()[2])))),
        new SoakPlot.Panel("Delivery per interval (delivered / due)", "ratio", List.of(
            new SoakPlot.Series("delivery", column(r -> r.f().ratio()))), 0.98, 1.0),
        new SoakPlot.Panel("Latency publish call -> subscriber stream", "ms", List.of(
            new SoakPlot.Series("p50", column(Row::p50)),
            new SoakPlot.Series("p99", column(Row::p99)))));
  }

  /** Least-squares slope of y over x (seconds), in units per hour; NaN with fewer than 3 points. */
  static double slopePerHour(double[] x, double[] y) {
    int n = 0;
    double sx = 0;
    double sy = 0;
    for (int i = 0; i < x.length; i++) {
      if (!Double.isNaN(y[i])) {
        n++;
        sx += x[i];
        sy += y[i];
      }
    }
    if (n < 3) {
      return Double.NaN;
    }
    double mx = sx / n;
    double my = sy / n;
    double num = 0;
    double den = 0;
    for (int i = 0; i < x.length; i++) {
      if (!Double.isNaN(y[i])) {
        num += (x[i] - mx) * (y[i] - my);
        den += (x[i] - mx) * (x[i] - mx);
      }
    }
    return den == 0 ? Double.NaN : num / den * 3600;
  }

  private boolean verdict(Ledger ledger, Duration warm, Histograms histograms) {
    List<Row> after;
    synchronized (this) {
      after = rows.stream().filter(r -> r.elapsedS() >= warm.toSeconds()).toList();
    }
    double[] x = after.stream().mapToDouble(Row::elapsedS).toArray();
    double heapSlope = Double.NEGATIVE_INFINITY;
    double rssSlope = Double.NEGATIVE_INFINITY;
    boolean fitted = true;
    StringBuilder per = new StringBuilder();
    for (int i = 0; i < witnesses; i++) {
      int k = i;
      double h = slopePerHour(x, after.stream().mapToDouble(r -> r.witnessLiveHeap()[k]).toArray());
      double r = slopePerHour(x, after.stream().mapToDouble(rr -> rr.witnessRss()[k]).toArray());
      if (Double.isNaN(h) || Double.isNaN(r)) {
        fitted = false;
      } else {
        heapSlope = Math.max(heapSlope, h);
        rssSlope = Math.max(rssSlope, r);
      }
      per.append(String.format(Locale.ROOT, " w%d heap %+.2f rss %+.2f;", i, h, r));
    }
    boolean flat = fitted && heapSlope <= heapTolerance && rssSlope <= rssTolerance;
    Ledger.Figures t = ledger.total();
    boolean delivered = t.due > 0 && t.ratio() >= minDelivery;
    boolean pass = flat && delivered && crashes.get() == 0 && failedRestarts.get() == 0;
    double[] ready;
    synchronized (this) {
      ready = readyAfterS.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
    out.printf(Locale.ROOT, "memory after warm-up (%s, %d samples), slopes in MiB/h:%s%n", human(warm), x.length, per);
    long dropped = streamDrops.get();
    out.printf(Locale.ROOT, "restarts %d (SIGTERM %d, SIGKILL %d; hung after SIGTERM %d; ready again median %s s, max %s"
            + " s; failed %d), crashes %d; publish calls %d, failed %d, skipped %d; late receipts %d; messages the"
            + " soak read too slowly (stream drops) %d; load %s%n",
        restarts.get(), sigterms.get(), sigkills.get(), hungStops.get(),
        ready.length == 0 ? "-" : fmt(ready[ready.length / 2], 1), ready.length == 0 ? "-" : fmt(ready[ready.length - 1], 1),
        failedRestarts.get(), crashes.get(), t.published, t.failed, t.skipped, t.late, dropped, loadAverage());
    if (!flat && histograms.growth() != null) {
      out.println("largest heap growth of witness 0 between warm-up and end (bytes, instances, class):");
      out.print(histograms.growth());
    }
    out.printf(Locale.ROOT, "verdict: memory %s (witness heap-after-GC slope max %s MiB/h, tolerance %s; RSS slope max"
            + " %s MiB/h, tolerance %s) | delivery %s (%d of %d due; %d messages accepted) latency p50 %s ms p99 %s ms"
            + " | restarts %d, crashes %d | %s%n",
        !fitted ? "UNKNOWN (too few samples after warm-up)" : flat ? "flat" : "NOT flat",
        fitted ? String.format(Locale.ROOT, "%+.2f", heapSlope) : "-", fmt(heapTolerance, 1),
        fitted ? String.format(Locale.ROOT, "%+.2f", rssSlope) : "-", fmt(rssTolerance, 1),
        t.due == 0 ? "-" : String.format(Locale.ROOT, "%.5f", t.ratio()), t.delivered, t.due, t.accepted,
        fmt(ledger.totalPercentileMs(0.5), 0), fmt(ledger.totalPercentileMs(0.99), 0), restarts.get(), crashes.get(),
        pass ? "PASS" : "FAIL");
    out.flush();
    return pass;
  }

  private void stopAll(List<NodeProcess> cluster) throws InterruptedException {
    for (NodeProcess n : cluster) {
      if (n.alive()) {
        n.endSession(System.nanoTime());
        n.process().destroy();
      }
    }
    for (NodeProcess n : cluster) {
      Process p = n.process();
      if (p != null && !p.waitFor(STOP_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
        out.printf(Locale.ROOT, "node %d did not exit within %d s of SIGTERM; killed%n", n.index, STOP_LIMIT.toSeconds());
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** /proc/loadavg's first three figures, or "-". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "-";
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger k = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + k.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Class histograms of one witness ({@code jcmd GC.class_histogram}) and their difference. */
  static final class Histograms {
    private final Path jcmd;
    private final NodeProcess node;
    private final Path dir;
    private final Map<String, Map<String, long[]>> taken = new LinkedHashMap<>();
    private String growth;

    Histograms(Path jcmd, NodeProcess node, Path dir) {
      this.jcmd = jcmd;
      this.node = node;
      this.dir = dir;
    }

    void take(String name) throws InterruptedException, IOException {
      if (!node.alive()) {
        return;
      }
      String text = NodeProcess.jcmd(jcmd, node.pid(), "GC.class_histogram");
      if (text == null) {
        return;
      }
      Files.writeString(dir.resolve("histogram-" + name + ".txt"), text, StandardCharsets.UTF_8);
      taken.put(name, parse(text));
    }

    /** {@code num: instances bytes class} lines by class. */
    static Map<String, long[]> parse(String text) {
      Map<String, long[]> m = new HashMap<>();
      Pattern line = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
      for (String l : text.split("\n")) {
        Matcher x = line.matcher(l);
        if (x.find()) {
          m.put(x.group(3), new long[] {Long.parseLong(x.group(1)), Long.parseLong(x.group(2))});
        }
      }
      return m;
    }

    /** Writes histogram-diff.txt: the classes whose bytes grew most from warm-up to end. */
    void diff() throws IOException {
      Map<String, long[]> a = taken.get("warmup");
      Map<String, long[]> b = taken.get("end");
      if (a == null || b == null) {
        return;
      }
      List<Map.Entry<String, long[]>> d = new ArrayList<>();
      for (Map.Entry<String, long[]> e : b.entrySet()) {
        long[] before = a.getOrDefault(e.getKey(), new long[2]);
        d.add(Map.entry(e.getKey(), new long[] {e.getValue()[1] - before[1], e.getValue()[0] - before[0]}));
      }
      d.sort((p, q) -> Long.compare(q.getValue()[0], p.getValue()[0]));
      StringBuilder s = new StringBuilder();
      for (Map.Entry<String, long[]> e : d.subList(0, Math.min(20, d.size()))) {
        s.append(String.format(Locale.ROOT, "  %+12d %+10d %s%n", e.getValue()[0], e.getValue()[1], e.getKey()));
      }
      long totalA = a.values().stream().mapToLong(v -> v[1]).sum();
      long totalB = b.values().stream().mapToLong(v -> v[1]).sum();
      growth = s.toString();
      Files.writeString(dir.resolve("histogram-diff.txt"), String.format(Locale.ROOT,
          "live heap of witness 0: %d bytes at warm-up, %d at end (%+d); top growth (bytes, instances, class):%n%s",
          totalA, totalB, totalB - totalA, growth), StandardCharsets.UTF_8);
    }

    String growth() {
      return growth;
    }
  }
}
