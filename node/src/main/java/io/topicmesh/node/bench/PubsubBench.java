package io.topicmesh.node.bench;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.net.LocalPubsubNode;
import io.topicmesh.node.pubsub.net.PubsubNetwork;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.ReceivedMessage;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.identity.PeerId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pubsub benchmark: the same loopback topology run once with our nodes (in this JVM, each with
 * its own host on 127.0.1.x) and once with go-libp2p-pubsub nodes ({@code go-peer --bench-stats}
 * processes on 127.0.2.x), printed side by side with ratios.
 *
 * <p>Topology: {@code --nodes} nodes, node i connected to i+1…i+{@code --links} (mod n), all
 * subscribed to one topic, D=6/Dlo=5/Dhi=12, heartbeat 1 s, StrictSign. {@code --publishers}
 * nodes publish messages of {@code --size} bytes whose first 8 bytes are the publish wall clock
 * (Unix ns, shared machine clock): after a warm-up ({@code --warmup-saturation-seconds} as fast
 * as they can, then {@code --warmup-seconds} at the fixed rate, both discarded), first at {@code
 * --rate} messages/s each for {@code --fixed-seconds} (latency), then as fast as their publish call accepts for {@code
 * --saturation-seconds} (throughput). Each phase is read 2 s after its last publish.
 *
 * <p>With {@code --ours-processes} each of our nodes is instead the real daemon in its own JVM, as
 * in a pod ({@link DaemonProcesses}), started with {@code --java} and {@code --jvm-flags} (default:
 * node/Dockerfile's JAVA_TOOL_OPTIONS plus {@code -XX:MaxRAM=512m}, a 512 MiB pod limit); CPU and
 * resident memory are then read from /proc for every process of both sides.
 *
 * <pre>scripts/bench-pubsub.sh [--nodes 20] [--links 4] [--publishers 4] [--rate 10] [--size 1024]
 *     [--fixed-seconds 10] [--saturation-seconds 10] [--warmup-seconds 3] [--warmup-saturation-seconds 5]
 *     [--max-inbox n] [--go-peer path | --no-go]
 *     [--ours-processes [--jvm-flags "..."] [--java path] [--jar path]] [--no-ours] [--no-hold-cpu]</pre>
 *
 * <p>With our nodes in this JVM the table also gives the router-mutex holds during saturation ({@link
 * MutexHoldStats}, all routers together): the longest hold and the 99th percentile in wall time and in
 * the holder's CPU time, and the task kinds that held longest in CPU time. Wall time counts the time
 * the holder was descheduled (20 routers on few cores); CPU time is the work done under the lock.
 * {@code --no-hold-cpu} measures wall time only (the thread CPU clock is a system call per hold and
 * per task).
 */
public final class PubsubBench {
  private static final String TOPIC = "bench";
  private static final Duration SETTLE = Duration.ofSeconds(2);
  /** Longest wait for a warm-up's deliveries to stop before the next phase. */
  private static final Duration QUIET_WAIT = Duration.ofSeconds(60);
  private static final int MAX_LATENCIES = 2_000_000;

  int nodes = 20;
  int links = 4;
  int publishers = 4;
  int rate = 10;
  int size = 1024;
  int fixedSeconds = 10;
  int saturationSeconds = 10;
  int warmupSeconds = 3;
  /**
   * Before the fixed-rate warm-up, both sides publish as fast as they can for this long: a fresh
   * JVM interprets (and spends its CPU compiling) until its JIT has compiled the hot path, and at
   * 40 msg/s that takes longer than the fixed-rate warm-up, so without it the fixed phase measured
   * our JIT's warm-up rather than a running node. go's side gets the same phase (it changes
   * nothing there but keeps both runs alike).
   */
  int warmupSaturationSeconds = 5;
  int maxInbox = Integer.MAX_VALUE;
  String goPeer = Path.of(System.getProperty("user.home"), ".cache", "topicmesh", "interop", "go-peer").toString();
  boolean runGo = true;
  boolean runOurs = true;
  /** Each of our nodes its own daemon JVM (as in a pod) instead of all in this JVM. */
  boolean oursProcesses;
  /** Measure router-mutex holds in CPU time too (our nodes in this JVM). */
  boolean holdCpu = true;
  /**
   * The image's JAVA_TOOL_OPTIONS (node/Dockerfile; PubsubBenchArgsTest keeps them equal) plus the
   * memory of a pod limited to 512 MiB as in operator/examples/topiccluster.yaml (MaxRAM = its limit).
   */
  static final String DEFAULT_JVM_FLAGS = "-XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -XX:MaxRAMPercentage=75"
      + " -Djava.io.tmpdir=/tmp -Dio.netty.native.workdir=/tmp -XX:MaxRAM=512m";
  String jvmFlags = DEFAULT_JVM_FLAGS;
  String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  String jar = "node/target/topicmesh-node.jar";

  /** What one implementation measured. */
  record Result(String impl, double deliveriesPerSec, double messagesPerSec, double p50Ms, double p99Ms,
      double dupsPerDelivery, double cpuPer1000, double rssIdleMiB, double rssLoadedMiB, double startupMs,
      long fixedDeliveries, long satDeliveries, double loadAvg, MutexHoldStats.Figures holds) {}

  /** The figures of one phase. */
  /** This result with the mutex holds of its saturation phase. */
  static Result withHolds(Result r, MutexHoldStats.Figures h) {
    return new Result(r.impl(), r.deliveriesPerSec(), r.messagesPerSec(), r.p50Ms(), r.p99Ms(), r.dupsPerDelivery(),
        r.cpuPer1000(), r.rssIdleMiB(), r.rssLoadedMiB(), r.startupMs(), r.fixedDeliveries(), r.satDeliveries(),
        r.loadAvg(), h);
  }

  record Phase(long deliveries, long duplicates, long[] latenciesUs, double cpuSeconds, double seconds) {}

  public static void main(String[] args) throws Exception {
    PubsubBench b = parse(args);
    List<Result> results = new ArrayList<>();
    if (b.runOurs) {
      results.add(b.oursProcesses ? b.runOursProcesses() : b.runOurs());
    }
    if (b.runGo) {
      results.add(b.runGo());
    }
    b.print(results);
    System.exit(0);
  }

  /** The command line; an unknown flag or a bad value is an IllegalArgumentException naming it. */
  static PubsubBench parse(String[] args) {
    PubsubBench b = new PubsubBench();
    for (int i = 0; i < args.length; i++) {
      if (i + 1 >= args.length
          && !List.of("--no-go", "--no-ours", "--ours-processes", "--no-hold-cpu").contains(args[i])) {
        throw new IllegalArgumentException(args[i] + " needs a value");
      }
      switch (args[i]) {
        case "--nodes" -> b.nodes = Integer.parseInt(args[++i]);
        case "--links" -> b.links = Integer.parseInt(args[++i]);
        case "--publishers" -> b.publishers = Integer.parseInt(args[++i]);
        case "--rate" -> b.rate = Integer.parseInt(args[++i]);
        case "--size" -> b.size = Integer.parseInt(args[++i]);
        case "--fixed-seconds" -> b.fixedSeconds = Integer.parseInt(args[++i]);
        case "--saturation-seconds" -> b.saturationSeconds = Integer.parseInt(args[++i]);
        case "--warmup-seconds" -> b.warmupSeconds = Integer.parseInt(args[++i]);
        case "--warmup-saturation-seconds" -> b.warmupSaturationSeconds = Integer.parseInt(args[++i]);
        case "--max-inbox" -> b.maxInbox = Integer.parseInt(args[++i]);
        case "--go-peer" -> b.goPeer = args[++i];
        case "--no-go" -> b.runGo = false;
        case "--no-ours" -> b.runOurs = false;
        case "--ours-processes" -> b.oursProcesses = true;
        case "--no-hold-cpu" -> b.holdCpu = false;
        case "--jvm-flags" -> b.jvmFlags = args[++i];
        case "--java" -> b.java = args[++i];
        case "--jar" -> b.jar = args[++i];
        default -> throw new IllegalArgumentException("unknown flag " + args[i] + " (known: --nodes, --links,"
            + " --publishers, --rate, --size, --fixed-seconds, --saturation-seconds, --warmup-seconds,"
            + " --warmup-saturation-seconds, --max-inbox, --go-peer, --no-go, --no-ours, --ours-processes,"
            + " --jvm-flags, --java, --jar, --no-hold-cpu)");
      }
    }
    ProcFs.splitJvmFlags(b.jvmFlags); // fails early on a stray word
    if (b.size < 16 || b.publishers > b.nodes || b.links * 2 >= b.nodes) {
      throw new IllegalArgumentException("need size >= 16, publishers <= nodes, 2*links < nodes");
    }
    if (b.oursProcesses && b.nodes > 254) {
      throw new IllegalArgumentException("--ours-processes: at most 254 nodes (one 127.0.4.x address each)");
    }
    if (!b.runOurs && !b.runGo) {
      throw new IllegalArgumentException("--no-ours and --no-go leave nothing to run");
    }
    return b;
  }

  // ---- ours -----------------------------------------------------------------------------------

  /** Per-node delivery counters and latencies (delivery executor thread). */
  static final class Stats implements Consumer<ReceivedMessage>, RouterObserver {
    final AtomicLong deliveries = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    private long[] lat = new long[1024];
    private int n;

    @Override
    public void accept(ReceivedMessage m) {
      if (m.local()) {
        return;
      }
      long now = nowNanos();
      deliveries.incrementAndGet();
      ByteBuffer data = m.message().data().asReadOnlyByteBuffer();
      if (data.remaining() >= 8) {
        long sent = data.getLong();
        synchronized (this) {
          if (n < MAX_LATENCIES) {
            if (n == lat.length) {
              lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = (now - sent) / 1000;
          }
        }
      }
    }

    @Override
    public void duplicate(String topic, MessageId id, PeerId source) {
      duplicates.incrementAndGet();
    }

    synchronized long[] takeLatencies() {
      long[] out = Arrays.copyOf(lat, n);
      n = 0;
      return out;
    }
  }

  static long nowNanos() {
    Instant t = Instant.now();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  Result runOurs() throws Exception {
    System.gc();
    long rssBefore = rssKiB(ProcessHandle.current().pid());
    GossipParams params = GossipParams.defaults();
    List<LocalPubsubNode> ns = new ArrayList<>();
    List<Stats> stats = new ArrayList<>();
    MutexHoldStats holds = new MutexHoldStats();
    LongSupplier cpuClock = holdCpu ? RouterMutex.currentThreadCpuTime() : null;
    try {
      for (int i = 0; i < nodes; i++) {
        Stats s = new Stats();
        LocalPubsubNode n = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
            Multiaddr.parse("/ip4/127.0.1." + (i + 1) + "/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
            bl -> bl.observer(s).lockListener(holds).mutexCpuTime(cpuClock));
        n.router().subscribe(TOPIC, s);
        ns.add(n);
        stats.add(s);
      }
      for (int i = 0; i < nodes; i++) {
        for (int k = 1; k <= links; k++) {
          int j = (i + k) % nodes;
          ns.get(Math.max(i, j)).host().dial(ns.get(Math.min(i, j)).address()).get(20, TimeUnit.SECONDS);
        }
      }
      waitFor("our meshes", () -> ns.stream().allMatch(n -> n.router().meshPeers(TOPIC).size() >= 4));
      log("ours: " + nodes + " nodes up, meshes formed");
      List<LocalPubsubNode> pubs = ns.subList(0, publishers);
      if (warmupSaturationSeconds > 0) {
        runOursPublishers(pubs, 0, warmupSaturationSeconds);
        Thread.sleep(SETTLE.toMillis());
        awaitOursQuiet(stats);
      }
      runOursPublishers(pubs, rate, warmupSeconds);
      Thread.sleep(SETTLE.toMillis());
      awaitOursQuiet(stats);
      oursPhase(stats, 0);
      double idle = (rssKiB(ProcessHandle.current().pid()) - rssBefore) / 1024.0 / nodes;
      long cpu0 = processCpuNanos();
      double fixedSecs = runOursPublishers(pubs, rate, fixedSeconds);
      Thread.sleep(SETTLE.toMillis());
      Phase fixed = oursPhase(stats, processCpuNanos() - cpu0);
      log("ours: fixed rate done, " + fixed.deliveries + " deliveries");
      cpu0 = processCpuNanos();
      double load = ProcFs.loadAverage1();
      ProcFs.RssSampler sampler = new ProcFs.RssSampler(List.of(ProcessHandle.current().pid()), 250);
      holds.reset();
      double satSecs = runOursPublishers(pubs, 0, saturationSeconds);
      double loaded = (sampler.meanPeakMiB() * 1024 - rssBefore) / 1024.0 / nodes;
      Thread.sleep(SETTLE.toMillis());
      Phase sat = oursPhase(stats, processCpuNanos() - cpu0);
      MutexHoldStats.Figures satHolds = holds.figures();
      log("ours: saturation done, " + sat.deliveries + " deliveries in " + fmt(satSecs) + " s");
      return withHolds(
          result("ours (topicmesh, 1 JVM)", fixed, fixedSecs, sat, satSecs, idle, loaded, Double.NaN, load), satHolds);
    } finally {
      for (LocalPubsubNode n : ns) {
        n.close();
      }
    }
  }

  /**
   * Waits (at most {@link #QUIET_WAIT}) until no delivery arrived for a second, so that messages of
   * a warm-up still in flight are not counted in the next phase (on a loaded machine a saturation
   * warm-up can leave seconds of backlog).
   */
  private static void awaitOursQuiet(List<Stats> stats) throws InterruptedException {
    long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
    long last = -1;
    while (true) {
      long now = 0;
      for (Stats s : stats) {
        now += s.deliveries.get();
      }
      if (now == last) {
        return;
      }
      if (System.nanoTime() > deadline) {
        log("ours: deliveries still arriving " + QUIET_WAIT.toSeconds() + " s after the warm-up; measuring anyway");
        return;
      }
      last = now;
      Thread.sleep(1000);
    }
  }

  private Phase oursPhase(List<Stats> stats, long cpuNanos) {
    long d = 0;
    long dup = 0;
    List<long[]> all = new ArrayList<>();
    for (Stats s : stats) {
      d += s.deliveries.getAndSet(0);
      dup += s.duplicates.getAndSet(0);
      all.add(s.takeLatencies());
    }
    return new Phase(d, dup, concat(all), cpuNanos / 1e9, 0);
  }

  /** Publishes from every publisher in parallel; rate 0 = as fast as the router takes them. */
  private double runOursPublishers(List<LocalPubsubNode> pubs, int perSecond, int seconds) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (LocalPubsubNode p : pubs) {
      Thread t = new Thread(() -> {
        long sent = 0;
        while (true) {
          long now = System.nanoTime();
          if (now >= end) {
            return;
          }
          if (perSecond > 0) {
            long due = start + sent * 1_000_000_000L / perSecond;
            if (due > now) {
              LockSupport.parkNanos(due - now);
              continue;
            }
          } else if (p.router().inboxDepth() > maxInbox) {
            // optional (--max-inbox): each publisher already waits for its publish to be queued,
            // and inbound RPCs stop being read above the inbox high-water mark
            LockSupport.parkNanos(50_000);
            continue;
          }
          byte[] data = new byte[size];
          ByteBuffer.wrap(data).putLong(nowNanos()).putLong(sent);
          try {
            p.router().publish(TOPIC, data).get(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new IllegalStateException("publish failed", e);
          }
          sent++;
        }
      }, "bench-publisher");
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return (System.nanoTime() - start) / 1e9;
  }

  // ---- ours, one daemon JVM per node ---------------------------------------------------------

  Result runOursProcesses() throws Exception {
    List<String> flags = ProcFs.splitJvmFlags(jvmFlags);
    log("ours: starting " + nodes + " daemons: " + java + " " + String.join(" ", flags) + " -jar " + jar);
    try (DaemonProcesses d = new DaemonProcesses(java, flags, jar, nodes, links, TOPIC)) {
      long[] up = d.startupMs.clone();
      Arrays.sort(up);
      double startup = up[up.length / 2];
      waitFor("our daemons ready (meshed up to Dlo)", d::allReady);
      log("ours: " + nodes + " daemons ready; median start-up to admin API " + (long) startup + " ms");
      // warm-up at saturation: a fresh JVM interprets until its JIT has compiled the hot path
      d.publish(publishers, 0, warmupSeconds, size);
      Thread.sleep(SETTLE.toMillis());
      double idle = ProcFs.meanRssMiB(d.pids);
      long[] t0 = d.trafficTotals();
      long cpu0 = ProcFs.cpuTicks(d.pids);
      DaemonProcesses.Streams streams = d.openStreams();
      double fixedSecs = d.publish(publishers, rate, fixedSeconds, size);
      Thread.sleep(SETTLE.toMillis());
      long[] lat = streams.latencies();
      long[] t1 = d.trafficTotals();
      Phase fixed = new Phase(t1[0] - t0[0], t1[1] - t0[1], lat, (ProcFs.cpuTicks(d.pids) - cpu0) / (double) ProcFs.USER_HZ, 0);
      log("ours: fixed rate done, " + fixed.deliveries + " deliveries, " + lat.length + " latency samples");
      Thread.sleep(SETTLE.toMillis()); // the closed streams end
      t0 = d.trafficTotals();
      cpu0 = ProcFs.cpuTicks(d.pids);
      double load = ProcFs.loadAverage1();
      ProcFs.RssSampler sampler = new ProcFs.RssSampler(d.pids, 250);
      double satSecs = d.publish(publishers, 0, saturationSeconds, size);
      double loaded = sampler.meanPeakMiB();
      Thread.sleep(SETTLE.toMillis());
      long cpu1 = ProcFs.cpuTicks(d.pids);
      t1 = d.trafficTotals();
      Phase sat = new Phase(t1[0] - t0[0], t1[1] - t0[1], new long[0], (cpu1 - cpu0) / (double) ProcFs.USER_HZ, 0);
      log("ours: saturation done, " + sat.deliveries + " deliveries in " + fmt(satSecs) + " s");
      return result("ours (1 JVM per node)", fixed, fixedSecs, sat, satSecs, idle, loaded, startup, load);
    }
  }

  // ---- go -------------------------------------------------------------------------------------

  /** One go-peer process and its stdout lines. */
  static final class GoNode implements AutoCloseable {
    final Process process;
    final Writer stdin;
    final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>(100_000);
    String addr;

    GoNode(List<String> cmd) throws IOException {
      process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String l = r.readLine(); l != null; l = r.readLine()) {
            if (!l.contains("\"event\":\"subscription\"")
                && !l.contains("\"event\":\"connected\"") && !l.contains("\"event\":\"identify\"")) {
              lines.offer(l);
            }
          }
        } catch (IOException ignored) {
          // process gone
        }
      }, "go-peer-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    String await(String event, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (l == null) {
          throw new IllegalStateException("go-peer: no " + event + " event within " + timeout);
        }
        if (l.contains("\"event\":\"error\"")) {
          throw new IllegalStateException("go-peer error: " + l);
        }
        if (l.contains("\"event\":\"" + event + "\"")) {
          return l;
        }
      }
    }

    @Override
    public void close() {
      try {
        send("quit");
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
        }
      } catch (IOException | InterruptedException e) {
        process.destroyForcibly();
      }
    }
  }

  Result runGo() throws Exception {
    if (!Files.isExecutable(Path.of(goPeer))) {
      throw new IllegalStateException("go-peer not found at " + goPeer + ": run e2e/interop/build.sh");
    }
    List<GoNode> ns = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        List<String> cmd = new ArrayList<>(List.of(goPeer, "--listen", "/ip4/127.0.2." + (i + 1) + "/tcp/0",
            "--key-seed", "pubsub-bench-" + i, "--topic", TOPIC, "--bench-stats", "--d", "6", "--dlo", "5",
            "--dhi", "12", "--heartbeat-ms", "1000"));
        for (int j = 0; j < i; j++) {
          int dist = i - j;
          if (dist <= links || nodes - dist <= links) {
            cmd.addAll(List.of("--dial", ns.get(j).addr));
          }
        }
        GoNode n = new GoNode(cmd);
        String ready = n.await("ready", Duration.ofSeconds(60));
        Matcher m = Pattern.compile("\"addrs\":\\[\"([^\"]+)\"").matcher(ready);
        if (!m.find()) {
          throw new IllegalStateException("no address in " + ready);
        }
        n.addr = m.group(1);
        ns.add(n);
      }
      waitFor("go meshes", () -> ns.stream().allMatch(n -> goMeshSize(n) >= 4));
      log("go: " + nodes + " nodes up, meshes formed");
      List<GoNode> pubs = ns.subList(0, publishers);
      if (warmupSaturationSeconds > 0) {
        goPublish(pubs, 0, warmupSaturationSeconds);
        Thread.sleep(SETTLE.toMillis());
        awaitGoQuiet(ns);
      }
      goPublish(pubs, rate, warmupSeconds);
      Thread.sleep(SETTLE.toMillis());
      awaitGoQuiet(ns);
      goPhase(ns);
      List<Long> pids = ns.stream().map(n -> n.process.pid()).toList();
      double idle = ProcFs.meanRssMiB(pids);
      long cpu0 = goCpuTicks(ns);
      double fixedSecs = goPublish(pubs, rate, fixedSeconds);
      Thread.sleep(SETTLE.toMillis());
      Phase fixed = goPhase(ns);
      fixed = new Phase(fixed.deliveries, fixed.duplicates, fixed.latenciesUs, (goCpuTicks(ns) - cpu0) / 100.0, 0);
      log("go: fixed rate done, " + fixed.deliveries + " deliveries");
      cpu0 = goCpuTicks(ns);
      double load = ProcFs.loadAverage1();
      ProcFs.RssSampler sampler = new ProcFs.RssSampler(pids, 250);
      double satSecs = goPublish(pubs, 0, saturationSeconds);
      double loaded = sampler.meanPeakMiB();
      Thread.sleep(SETTLE.toMillis());
      Phase sat = goPhase(ns);
      sat = new Phase(sat.deliveries, sat.duplicates, sat.latenciesUs, (goCpuTicks(ns) - cpu0) / 100.0, 0);
      log("go: saturation done, " + sat.deliveries + " deliveries in " + fmt(satSecs) + " s");
      return result("go-libp2p-pubsub v0.19.0", fixed, fixedSecs, sat, satSecs, idle, loaded, Double.NaN, load);
    } finally {
      ns.forEach(GoNode::close);
    }
  }

  private static int goMeshSize(GoNode n) {
    try {
      n.lines.removeIf(l -> l.contains("\"event\":\"mesh\""));
      n.send("mesh " + TOPIC);
      String l = n.await("mesh", Duration.ofSeconds(10));
      Matcher m = Pattern.compile("\"peers\":\\[([^\\]]*)\\]").matcher(l);
      return m.find() && !m.group(1).isBlank() ? m.group(1).split(",").length : 0;
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private double goPublish(List<GoNode> pubs, int perSecond, int seconds) throws Exception {
    long start = System.nanoTime();
    for (GoNode p : pubs) {
      p.send("bench-publish " + TOPIC + " " + perSecond + " " + seconds * 1000 + " " + size);
    }
    for (GoNode p : pubs) {
      p.await("bench-published", Duration.ofSeconds(seconds + 60L));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private Phase goPhase(List<GoNode> ns) throws Exception {
    long d = 0;
    long dup = 0;
    List<long[]> all = new ArrayList<>();
    Pattern pd = Pattern.compile("\"deliveries\":(\\d+)");
    Pattern pu = Pattern.compile("\"duplicates\":(\\d+)");
    Pattern pl = Pattern.compile("\"latenciesUs\":\\[([^\\]]*)\\]");
    for (GoNode n : ns) {
      n.send("bench-stats");
      String l = n.await("bench-stats", Duration.ofSeconds(30));
      Matcher m = pd.matcher(l);
      d += m.find() ? Long.parseLong(m.group(1)) : 0;
      m = pu.matcher(l);
      dup += m.find() ? Long.parseLong(m.group(1)) : 0;
      m = pl.matcher(l);
      if (m.find() && !m.group(1).isBlank()) {
        all.add(Arrays.stream(m.group(1).split(",")).mapToLong(Long::parseLong).toArray());
      }
    }
    return new Phase(d, dup, concat(all), 0, 0);
  }

  /** As {@link #awaitOursQuiet}: reads (and so resets) the go nodes' warm-up counters until a second passes without a delivery. */
  private void awaitGoQuiet(List<GoNode> ns) throws Exception {
    long deadline = System.nanoTime() + QUIET_WAIT.toNanos();
    goPhase(ns);
    while (true) {
      Thread.sleep(1000);
      if (goPhase(ns).deliveries() == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        log("go: deliveries still arriving " + QUIET_WAIT.toSeconds() + " s after the warm-up; measuring anyway");
        return;
      }
    }
  }

  private static long goCpuTicks(List<GoNode> ns) throws IOException {
    return ProcFs.cpuTicks(ns.stream().map(n -> n.process.pid()).toList());
  }

  // ---- shared ---------------------------------------------------------------------------------

  private Result result(String impl, Phase fixed, double fixedSecs, Phase sat, double satSecs, double rssIdleMiB,
      double rssLoadedMiB, double startupMs, double loadAvg) {
    long[] lat = fixed.latenciesUs.clone();
    Arrays.sort(lat);
    double p50 = lat.length == 0 ? Double.NaN : lat[(int) Math.min(lat.length - 1, Math.round(0.50 * (lat.length - 1)))] / 1000.0;
    double p99 = lat.length == 0 ? Double.NaN : lat[(int) Math.min(lat.length - 1, Math.round(0.99 * (lat.length - 1)))] / 1000.0;
    long allDeliveries = fixed.deliveries + sat.deliveries;
    long allDups = fixed.duplicates + sat.duplicates;
    return new Result(impl, sat.deliveries / satSecs, sat.deliveries / satSecs / (nodes - 1), p50, p99,
        allDeliveries == 0 ? Double.NaN : (double) allDups / allDeliveries,
        sat.deliveries == 0 ? Double.NaN : sat.cpuSeconds / (sat.deliveries / 1000.0), rssIdleMiB, rssLoadedMiB,
        startupMs, fixed.deliveries, sat.deliveries, loadAvg, null);
  }

  private void print(List<Result> rs) {
    System.out.printf(Locale.ROOT, "%nPubsub benchmark: %d nodes, links %d (degree %d), D=6, %d publishers, %d B signed"
        + " messages; fixed %d msg/s per publisher for %d s, then saturation for %d s; %d cpus%n",
        nodes, links, 2 * links, publishers, size, rate, fixedSeconds, saturationSeconds,
        Runtime.getRuntime().availableProcessors());
    if (runOurs && oursProcesses) {
      System.out.printf(Locale.ROOT, "ours: one JVM per node, %s %s%n", java, jvmFlags);
    }
    System.out.println();
    String[] names = {"delivered msgs/s at saturation (all subscribers)", "  = messages/s fully delivered",
        "first-delivery latency p50 at fixed rate (ms)", "first-delivery latency p99 at fixed rate (ms)",
        "duplicates per delivered message", "CPU seconds per 1,000 deliveries (saturation)",
        "resident memory per node, idle after warm-up (MiB)", "resident memory per node, peak under load (MiB)",
        "start-up to admin API up, median per node (ms)", "load average (1 min) at saturation start",
        "deliveries counted (fixed / saturation)", "router-mutex hold, longest, wall time (ms, saturation)",
        "router-mutex hold, longest, CPU time (ms, saturation)", "router-mutex hold p99, wall time (ms, saturation)",
        "router-mutex hold p99, CPU time (ms, saturation)"};
    System.out.printf(Locale.ROOT, "%-50s", "");
    for (Result r : rs) {
      System.out.printf(Locale.ROOT, " %26s", r.impl());
    }
    if (rs.size() == 2) {
      System.out.printf(Locale.ROOT, " %12s", "ours/go");
    }
    System.out.println();
    for (int i = 0; i < names.length; i++) {
      System.out.printf(Locale.ROOT, "%-50s", names[i]);
      for (Result r : rs) {
        System.out.printf(Locale.ROOT, " %26s", i == 10 ? r.fixedDeliveries() + " / " + r.satDeliveries()
            : i > 10 ? holdFigure(r, i) : fmt(value(r, i)));
      }
      if (rs.size() == 2 && i < 9) {
        System.out.printf(Locale.ROOT, " %12s", fmt(value(rs.get(0), i) / value(rs.get(1), i)));
      }
      System.out.println();
    }
    for (Result r : rs) {
      if (r.holds() != null && !r.holds().kindsByMaxCpu().isEmpty()) {
        System.out.printf(Locale.ROOT, "%nrouter-mutex tasks of %s by longest CPU time (saturation, %d holds): %s%n",
            r.impl(), r.holds().holds(), r.holds().kinds(8));
      }
    }
  }

  /** Mutex-hold rows: only our nodes in this JVM are measured; "n/a" elsewhere. */
  private static String holdFigure(Result r, int i) {
    MutexHoldStats.Figures h = r.holds();
    if (h == null) {
      return "n/a";
    }
    return fmt(switch (i) {
      case 11 -> h.maxWallMs();
      case 12 -> h.maxCpuMs();
      case 13 -> h.p99WallMs();
      default -> h.p99CpuMs();
    });
  }

  private static double value(Result r, int i) {
    return switch (i) {
      case 0 -> r.deliveriesPerSec();
      case 1 -> r.messagesPerSec();
      case 2 -> r.p50Ms();
      case 3 -> r.p99Ms();
      case 4 -> r.dupsPerDelivery();
      case 5 -> r.cpuPer1000();
      case 6 -> r.rssIdleMiB();
      case 7 -> r.rssLoadedMiB();
      case 8 -> r.startupMs();
      case 9 -> r.loadAvg();
      default -> Double.NaN;
    };
  }

  private static long[] concat(List<long[]> parts) {
    int n = 0;
    for (long[] p : parts) {
      n += p.length;
    }
    long[] out = new long[n];
    int o = 0;
    for (long[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static long rssKiB(long pid) throws IOException {
    return ProcFs.rssKiB(pid);
  }

  interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(String what, Check c) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!c.ok()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(what + " not ready within 60 s");
      }
      Thread.sleep(200);
    }
  }

  private static void log(String s) {
    System.err.println("[bench] " + s);
  }

  private static String fmt(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "n/a";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.4f", v);
  }
}
