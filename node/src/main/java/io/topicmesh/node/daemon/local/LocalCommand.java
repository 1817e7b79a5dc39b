package io.topicmesh.node.daemon.local;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.LoadPayload;
import io.topicmesh.node.daemon.Signals;
import io.topicmesh.node.daemon.TrafficStats;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.NodeConfig;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code local}: N nodes on loopback in one JVM, each with its own identity and its own 127.0.1.x
 * address, connected through static discovery (each node is given a few of the others), subscribed
 * to the topics, under a steady test load. A live view shows per node its peers and mesh degree per
 * topic, and cluster-wide delivered/s, p50/p99 delivery latency and duplicates per message. Ctrl-C
 * (or {@code --duration}) stops it and prints a summary.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
    description = "Run an N-node cluster on loopback in this JVM under test load, with a live view.")
public final class LocalCommand implements Callable<Integer> {
  @Option(names = "--nodes", description = "Nodes (default ${DEFAULT-VALUE}).", defaultValue = "8")
  int nodes;

  @Option(names = "--topics", split = ",", description = "Topics (default ${DEFAULT-VALUE}).", defaultValue = "alpha,beta")
  List<String> topics;

  @Option(names = "--rate", description = "Messages per second per topic, cluster-wide (default ${DEFAULT-VALUE}).",
      defaultValue = "20")
  double rate;

  @Option(names = "--size", description = "Message size in bytes (default ${DEFAULT-VALUE}).", defaultValue = "256")
  int size;

  /** Longest wait for messages in flight after the load stops, before the summary. */
  static final java.time.Duration DRAIN_LIMIT = java.time.Duration.ofSeconds(10);

  @Option(names = "--duration", description = "Stop after this many seconds (default: until Ctrl-C).")
  Integer duration;

  @Option(names = "--peers-per-node", description = "Addresses each node is given to discover (default ${DEFAULT-VALUE}).",
      defaultValue = "8")
  int peersPerNode;

  @Option(names = "--d", description = "Mesh degree D (Dlo = D-1, Dhi = 2D; default ${DEFAULT-VALUE}).", defaultValue = "6")
  int d;

  @Option(names = "--probe-interval", description = "Mesh probe interval of every node, e.g. 1s (default: the"
      + " node's, 5s).")
  String probeInterval;

  @Option(names = "--seed", description = "Seed for the topology and the load (default: random).")
  Long seed;

  @Option(names = "--admin-listen", description = "Address of the cluster's mesh view (/ui/) and its JSON"
      + " (/v1/cluster), loopback only (default ${DEFAULT-VALUE}: a free port).", defaultValue = "127.0.0.1:0")
  String adminListen;

  @Option(names = "--plain", description = "No ANSI screen redraws (default when stdout is not a terminal).")
  boolean plain;

  /** Bounds that keep one JVM sane. */
  static final int MAX_NODES = 200;
  static final int MAX_SIZE = 512 * 1024;
  static final double MAX_RATE = 10_000;

  private final PrintStream out;

  public LocalCommand() {
    this(System.out);
  }

  LocalCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    validate();
    InetSocketAddress viewBind = viewBind();
    SplittableRandom random = new SplittableRandom(seed == null ? new SecureRandom().nextLong() : seed);
    boolean ansi = !plain && System.console() != null;
    int port = freePort();
    List<String> addrs = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      addrs.add("/ip4/" + ip(i) + "/tcp/" + port);
    }
    List<Daemon> cluster = new ArrayList<>();
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTerminate(stop::countDown);
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "topicmesh-load");
      t.setDaemon(true);
      return t;
    });
    long t0 = System.nanoTime();
    ClusterViewServer viewServer = null;
    try {
      for (int i = 0; i < nodes; i++) {
        Daemon n = new Daemon(config(i, addrs, random), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
            new SimpleMeterRegistry(), 1);
        cluster.add(n);
        n.start();
      }
      // Convergence counts from here: at 40 nodes on a loaded machine starting them one after
      // another takes seconds, and that is start-up, not the mesh forming.
      long started = System.nanoTime();
      out.printf(Locale.ROOT, "started %d nodes on %s..%s port %d, topics %s, %.1f msg/s per topic, %d bytes, in %.1f s%n",
          nodes, ip(0), ip(nodes - 1), port, topics, rate, size, (started - t0) / 1e9);
      viewServer = new ClusterViewServer(cluster, viewBind);
      viewServer.start();
      String base = "http://" + viewServer.address().getAddress().getHostAddress() + ":" + viewServer.address().getPort();
      out.println("admin " + base + " (mesh view: " + base + "/ui/)");
      out.flush();
      long periodMicros = (long) (1_000_000 / rate);
      // A message published by a node with no mesh peer yet goes nowhere; the load waits until every
      // node has one in every topic (or LOAD_GATE has passed), so the ratio measures delivery, not
      // the order in which nodes found each other.
      java.util.concurrent.atomic.AtomicLong loadOpenedAt = new java.util.concurrent.atomic.AtomicLong(-1);
      for (String topic : topics) {
        load.scheduleAtFixedRate(() -> {
          if (loadOpenedAt.get() < 0) {
            if (!everyNodeHasAMeshPeer(cluster, topics) && System.nanoTime() - started < LOAD_GATE.toNanos()) {
              return;
            }
            loadOpenedAt.compareAndSet(-1, System.nanoTime());
          }
          Daemon from = cluster.get(random.nextInt(cluster.size()));
          from.publish(topic, LoadPayload.create(size));
        }, 500_000, periodMicros, TimeUnit.MICROSECONDS);
      }
      View view = new View(cluster, topics, out, ansi, d - 1, t0, started, loadOpenedAt);
      ScheduledExecutorService screen = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "topicmesh-view");
        t.setDaemon(true);
        return t;
      });
      screen.scheduleAtFixedRate(view::render, 1, 1, TimeUnit.SECONDS);
      if (duration == null) {
        stop.await();
      } else {
        stop.await(duration, TimeUnit.SECONDS);
      }
      load.shutdownNow();
      screen.shutdownNow();
      screen.awaitTermination(2, TimeUnit.SECONDS);
      view.drain(DRAIN_LIMIT);
      view.summary();
    } finally {
      load.shutdownNow();
      if (viewServer != null) {
        viewServer.close();
      }
      for (Daemon n : cluster) {
        n.shutdown();
      }
    }
    out.println("stopped");
    out.flush();
    return 0;
  }

  private void validate() {
    if (nodes < 2 || nodes > MAX_NODES) {
      throw new IllegalArgumentException("--nodes: " + nodes + " is out of range, expected 2.." + MAX_NODES);
    }
    if (topics.isEmpty()) {
      throw new IllegalArgumentException("--topics: at least one topic");
    }
    if (!(rate > 0 && rate <= MAX_RATE)) {
      throw new IllegalArgumentException("--rate: " + rate + " is out of range, expected (0, " + MAX_RATE + "]");
    }
    if (size < LoadPayload.HEADER || size > MAX_SIZE) {
      throw new IllegalArgumentException("--size: " + size + " is out of range, expected " + LoadPayload.HEADER + ".." + MAX_SIZE);
    }
    if (duration != null && duration < 1) {
      throw new IllegalArgumentException("--duration: " + duration + " must be at least 1 second");
    }
    if (d < 2 || d > 50) {
      throw new IllegalArgumentException("--d: " + d + " is out of range, expected 2..50");
    }
    if (peersPerNode < 1) {
      throw new IllegalArgumentException("--peers-per-node: must be at least 1");
    }
  }

  /** {@code --admin-listen} resolved; a name or address that is not loopback is refused. */
  private InetSocketAddress viewBind() {
    InetSocketAddress a = ConfigLoader.hostPort("--admin-listen", adminListen, true);
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved() || !resolved.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("--admin-listen: " + adminListen + " is not a loopback address;"
          + " local's view has no token, so it binds to loopback only (e.g. 127.0.0.1:0)");
    }
    return resolved;
  }

  private NodeConfig config(int i, List<String> addrs, SplittableRandom random) {
    List<String> others = new ArrayList<>();
    for (int j = 0; j < addrs.size(); j++) {
      if (j != i) {
        others.add(addrs.get(j));
      }
    }
    // a random subset keeps the topology sparse for large N; the ring neighbour keeps it connected
    List<String> chosen = new ArrayList<>();
    chosen.add(addrs.get((i + 1) % addrs.size()));
    while (chosen.size() < Math.min(peersPerNode, others.size())) {
      String c = others.get(random.nextInt(others.size()));
      if (!chosen.contains(c)) {
        chosen.add(c);
      }
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("listen", List.of(addrs.get(i)));
    List<String> disc = new ArrayList<>();
    for (String c : chosen) {
      disc.add("static:" + c);
    }
    f.put("discovery", disc);
    f.put("topics", topics);
    f.put("redial.minMs", 200);
    f.put("redial.maxMs", 5000);
    f.put("params.d", d);
    f.put("params.dlo", d - 1);
    f.put("params.dhi", 2 * d);
    f.put("params.dout", Math.min(2, (d - 1) / 2));
    f.put("params.dscore", Math.min(4, d));
    if (probeInterval != null) {
      f.put("probe.interval", probeInterval);
    }
    return ConfigLoader.load(null, Map.of(), f);
  }

  /** The longest the load waits for every node to have a mesh peer in every topic. */
  static final java.time.Duration LOAD_GATE = java.time.Duration.ofSeconds(10);

  static boolean everyNodeHasAMeshPeer(List<Daemon> cluster, List<String> topics) {
    for (Daemon n : cluster) {
      for (String t : topics) {
        if (n.router().meshPeers(t).isEmpty()) {
          return false;
        }
      }
    }
    return true;
  }

  static String ip(int i) {
    return "127.0.1." + (i + 1);
  }

  /** A port free on 127.0.1.1 (used on every node's address). */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip(0)), 0));
      return s.getLocalPort();
    }
  }

  /** The live view and the summary. */
  static final class View {
    private final List<Daemon> cluster;
    private final List<String> topics;
    private final PrintStream out;
    private final boolean ansi;
    private final int dlo;
    private final long t0;
    /** When the last node had started: convergence is measured from here. */
    private final long started;
    /** When the load began (see LOAD_GATE), or -1. */
    private final java.util.concurrent.atomic.AtomicLong loadOpenedAt;
    private long lastDelivered;
    private long lastNanos;
    private long convergedNanos = -1;
    private double peakRate;

    View(List<Daemon> cluster, List<String> topics, PrintStream out, boolean ansi, int dlo, long t0, long started,
        java.util.concurrent.atomic.AtomicLong loadOpenedAt) {
      this.cluster = cluster;
      this.topics = topics;
      this.out = out;
      this.ansi = ansi;
      this.dlo = dlo;
      this.t0 = t0;
      this.started = started;
      this.loadOpenedAt = loadOpenedAt;
      this.lastNanos = t0;
    }

    synchronized void render() {
      try {
        StringBuilder b = new StringBuilder();
        if (ansi) {
          b.append("\033[H\033[2J");
        }
        long now = System.nanoTime();
        b.append(String.format(Locale.ROOT, "topicmesh local — %d nodes — %.0f s%n", cluster.size(), (now - t0) / 1e9));
        b.append(String.format(Locale.ROOT, "%-4s %-16s %-22s %5s", "node", "peer", "address", "peers"));
        for (String t : topics) {
          b.append(String.format(Locale.ROOT, " %8s", "mesh:" + abbreviate(t, 3)));
        }
        b.append(String.format(Locale.ROOT, " %6s%n", "ready"));
        boolean converged = true;
        int need = Math.min(dlo, cluster.size() - 1);
        for (int i = 0; i < cluster.size(); i++) {
          Daemon n = cluster.get(i);
          String id = n.peerId().toString();
          b.append(String.format(Locale.ROOT, "%-4d %-16s %-22s %5d", i, "…" + id.substring(id.length() - 12),
              ip(i), n.host().connections().size()));
          for (String t : topics) {
            int mesh = n.router().meshPeers(t).size();
            if (mesh < need) {
              converged = false;
            }
            b.append(String.format(Locale.ROOT, " %8d", mesh));
          }
          b.append(String.format(Locale.ROOT, " %6s%n", n.readiness().ready() ? "yes" : "no"));
        }
        if (converged && convergedNanos < 0) {
          convergedNanos = now;
        }
        long delivered = 0;
        long dups = 0;
        for (Daemon n : cluster) {
          delivered += n.traffic().delivered();
          dups += n.traffic().duplicates();
        }
        double perSec = (delivered - lastDelivered) / ((now - lastNanos) / 1e9);
        peakRate = Math.max(peakRate, perSec);
        lastDelivered = delivered;
        lastNanos = now;
        long[] samples = samples();
        b.append(String.format(Locale.ROOT,
            "cluster: %s | delivered/s %.1f | latency p50 %s ms p99 %s ms | duplicates/msg %.2f%n",
            convergedNanos < 0 ? "converging" : String.format(Locale.ROOT, "converged after %.1f s", (convergedNanos - started) / 1e9),
            perSec, fmt(TrafficStats.percentileMillis(samples, 0.5)), fmt(TrafficStats.percentileMillis(samples, 0.99)),
            delivered == 0 ? 0.0 : (double) dups / delivered));
        out.print(b);
        out.flush();
      } catch (RuntimeException e) {
        out.println("view error: " + e);
      }
    }

    /** Samples of the last 5 s for the live view; the summary uses all that are kept. */
    private long[] samples() {
      return samples(java.time.Duration.ofSeconds(5));
    }

    private long[] samples(java.time.Duration window) {
      List<long[]> all = new ArrayList<>();
      int total = 0;
      for (Daemon n : cluster) {
        long[] s = n.traffic().latencySamples(window);
        all.add(s);
        total += s.length;
      }
      long[] merged = new long[total];
      int at = 0;
      for (long[] s : all) {
        System.arraycopy(s, 0, merged, at, s.length);
        at += s.length;
      }
      return merged;
    }

    /**
     * Waits for messages still in flight after the load stopped, so that the summary counts
     * deliveries, not the queue: until every expected delivery arrived, or nothing arrived for a
     * second, or {@code limit} passed. Says what it waits for.
     */
    void drain(java.time.Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      long last = -1;
      long lastChange = System.nanoTime();
      boolean said = false;
      while (System.nanoTime() < deadline) {
        long published = 0;
        long delivered = 0;
        for (Daemon n : cluster) {
          published += n.traffic().published();
          delivered += n.traffic().delivered();
        }
        long expected = published * (cluster.size() - 1);
        if (delivered >= expected) {
          return;
        }
        if (delivered != last) {
          last = delivered;
          lastChange = System.nanoTime();
        } else if (System.nanoTime() - lastChange >= 1_000_000_000L) {
          return;
        }
        if (!said) {
          out.printf(Locale.ROOT, "draining: %d of %d deliveries in, waiting up to %d s for the rest%n", delivered,
              expected, limit.toSeconds());
          out.flush();
          said = true;
        }
        Thread.sleep(100);
      }
    }

    synchronized void summary() {
      long published = 0;
      long delivered = 0;
      long dups = 0;
      for (Daemon n : cluster) {
        published += n.traffic().published();
        delivered += n.traffic().delivered();
        dups += n.traffic().duplicates();
      }
      long expected = published * (cluster.size() - 1);
      long[] samples = samples(java.time.Duration.ofDays(1));
      // after convergence: without the start-up (connections, JIT) in the figures
      long[] steady = convergedNanos < 0 ? new long[0]
          : samples(java.time.Duration.ofNanos(System.nanoTime() - convergedNanos));
      Probes probes = probes();
      out.printf(Locale.ROOT, "summary nodes=%d published=%d delivered=%d expected=%d ratio=%.4f duplicatesPerMessage=%.2f"
              + " p50Ms=%s p99Ms=%s steadyP50Ms=%s steadyP99Ms=%s peakDeliveredPerSec=%.1f converged=%s convergedMs=%d"
              + " probeExpected=%d probeReceived=%d probeRatio=%s probeP50Ms=%s probeP99Ms=%s probeClockSkew=%d loadStartMs=%d%n",
          cluster.size(), published, delivered, expected, expected == 0 ? 0.0 : (double) delivered / expected,
          delivered == 0 ? 0.0 : (double) dups / delivered, fmt(TrafficStats.percentileMillis(samples, 0.5)),
          fmt(TrafficStats.percentileMillis(samples, 0.99)), fmt(TrafficStats.percentileMillis(steady, 0.5)),
          fmt(TrafficStats.percentileMillis(steady, 0.99)), peakRate, convergedNanos >= 0,
          convergedNanos < 0 ? -1 : (convergedNanos - started) / 1_000_000, probes.expected, probes.received,
          probes.expected == 0 ? "-" : String.format(Locale.ROOT, "%.4f", (double) probes.received / probes.expected),
          fmt(probes.p50Ms), fmt(probes.p99Ms), probes.skew,
          loadOpenedAt.get() < 0 ? -1 : (loadOpenedAt.get() - started) / 1_000_000);
      out.flush();
    }

    /** Mesh probes over the cluster: totals since start, median node's p50 and worst node's p99 (last minute). */
    record Probes(long expected, long received, double p50Ms, double p99Ms, long skew) {}

    private Probes probes() {
      long expected = 0;
      long received = 0;
      long skew = 0;
      List<Double> p50s = new ArrayList<>();
      double p99 = Double.NaN;
      for (Daemon n : cluster) {
        if (n.probes() == null) {
          continue;
        }
        var s = n.probes().snapshot();
        expected += s.expected();
        received += s.received();
        skew += s.skewed();
        if (!Double.isNaN(s.latencyP50Nanos())) {
          p50s.add(s.latencyP50Nanos() / 1e6);
        }
        if (!Double.isNaN(s.latencyP99Nanos())) {
          p99 = Double.isNaN(p99) ? s.latencyP99Nanos() / 1e6 : Math.max(p99, s.latencyP99Nanos() / 1e6);
        }
      }
      p50s.sort(Double::compare);
      return new Probes(expected, received, p50s.isEmpty() ? Double.NaN : p50s.get(p50s.size() / 2), p99, skew);
    }

    private static String fmt(double v) {
      return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String abbreviate(String s, int n) {
      return s.length() <= n ? s : s.substring(0, n);
    }
  }
}
