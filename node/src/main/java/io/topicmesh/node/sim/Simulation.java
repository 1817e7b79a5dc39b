package io.topicmesh.node.sim;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.Direction;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.MessageIdFunction;
import io.topicmesh.node.pubsub.router.ReceivedMessage;
import io.topicmesh.node.pubsub.router.SignaturePolicy;
import io.topicmesh.node.pubsub.router.ValidationResult;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * N production {@link GossipRouter}s in one JVM on one virtual clock ({@link EventLoop}), driven
 * through the router's simulator seam only: {@code addPeer}/{@code removePeer}, {@code onRpc}, a
 * {@link io.topicmesh.node.pubsub.router.PeerSender} per link, {@code heartbeatNow}, {@code
 * publish}, {@code subscribe} and an asynchronous validator.
 *
 * <p>Network model. An RPC of {@code s} bytes (its exact protobuf frame size, {@link WireSize})
 * sent from A to B queues on A's uplink ({@code s / up} after the uplink is free), travels the
 * link's latency plus a uniform jitter in {@code [0, jitterMs]}, then queues on B's downlink
 * ({@code s / down}); a link keeps stream order. A lost packet costs a TCP retransmission (a
 * timeout of {@code max(200 ms, 2 x RTT)}) or, with {@code lossMode: drop}, the RPC. Messages are
 * unsigned ({@code StrictNoSign}) with an id taken from the payload, as content-addressed networks
 * do, so no CPU goes to signatures; a validation delay is a validator that answers later.
 *
 * <p>Determinism: one seed drives the topology, the identities, every router's random generator,
 * jitter, loss and churn, and events are ordered by time and then by scheduling order.
 */
public final class Simulation {
  static final Clock FIXED_WALL = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
  private static final long MIN_RTO_NANOS = 200_000_000L;

  private final Scenario sc;
  private final long seed;
  private final EventLoop loop = new EventLoop();
  private final SplittableRandom master;
  private final SplittableRandom net;
  private final SplittableRandom churnRng;
  private final TraceHash trace = new TraceHash();
  private final List<SimNode> nodes = new ArrayList<>();
  private final Map<PeerId, SimNode> byId = new HashMap<>();
  private final Metrics metrics;
  private final MessageId[] ids;
  private final long jitterNanos;
  private final double jitterFraction;
  private final long validationDelayNanos;
  private final MessageIdFunction idFn;
  private final int defaultDegree;
  private final Scenario.Attack attack;
  private final long attackStart;
  private final List<SimNode> sybilNodes = new ArrayList<>();
  private final Set<PeerId> sybilIds = new java.util.HashSet<>();
  private final AttackStats attackStats = new AttackStats();
  private int[] publishers;
  private double extraLoss;
  private boolean[] partitioned;
  private long droppedRpcs;
  private long lostPackets;
  private java.util.function.Consumer<String> progress = s -> {};

  public Simulation(Scenario scenario, long seed) {
    this.sc = scenario;
    this.seed = seed;
    this.master = new SplittableRandom(seed);
    SplittableRandom idRng = master.split();
    this.net = master.split();
    this.churnRng = master.split();
    this.jitterNanos = Math.round(sc.jitterMs() * 1e6);
    this.jitterFraction = sc.jitterFraction();
    this.validationDelayNanos = Math.round(sc.validationDelayMs() * 1e6);
    int count = sc.messages().count();
    this.ids = new MessageId[count];
    for (int i = 0; i < count; i++) {
      byte[] b = new byte[sc.messageIdBytes()];
      idRng.nextBytes(b);
      b[0] = (byte) (i >>> 24);
      b[1] = (byte) (i >>> 16);
      b[2] = (byte) (i >>> 8);
      b[3] = (byte) i;
      ids[i] = MessageId.of(b);
    }
    // The message index travels in the first four payload bytes; ids are canonical objects, so the
    // routers' seen caches and IHAVE/IWANT/IDONTWANT compare the same instances.
    this.idFn = m -> {
      int i = messageIndex(m);
      return i >= 0 && i < ids.length ? ids[i] : MessageIdFunction.CONTENT_SHA256.apply(m);
    };
    this.attack = sc.attack();
    this.attackStart = seconds(Math.max(attack.connectAtSeconds(), attack.attackAtSeconds()));
    this.metrics = new Metrics(sc.routers(), sc.routers() + attack.sybils(), count);
    this.defaultDegree = switch (sc.topology().type()) {
      case "random-regular", "min-degree" -> sc.topology().degree();
      case "connections" -> sc.topology().connectionsPerNode();
      default -> Math.max(1, 2 * sc.topology().edges().size() / sc.routers());
    };
  }

  /** Receives one line per 10 virtual seconds (virtual time, events, wall time, heap) during {@link #run}. */
  public Simulation progress(java.util.function.Consumer<String> sink) {
    this.progress = sink;
    return this;
  }

  /** Runs the scenario to its end and returns the figures. */
  public SimResult run() {
    long wallStart = System.nanoTime();
    long cpuStart = processCpuNanos();
    progress.accept(String.format(java.util.Locale.ROOT,
        "sim %s: %d routers, %d messages of %d bytes, %.1f virtual seconds, seed %d",
        sc.name(), sc.routers(), sc.messages().count(), sc.messages().sizeBytes(), sc.totalSeconds(), seed));
    Topology.Plan plan = Topology.plan(sc, master.split());
    buildNodes(plan);
    if (attack.honestConnectAtSeconds() > 0) {
      // Attack at dawn: the honest routers find each other only later; Sybils may be there first.
      schedule(() -> {
        for (int[] e : plan.edges()) {
          connect(nodes.get(e[0]), nodes.get(e[1]));
        }
      }, seconds(attack.honestConnectAtSeconds()));
    } else {
      for (int[] e : plan.edges()) {
        connect(nodes.get(e[0]), nodes.get(e[1]));
      }
    }
    for (SimNode n : nodes) {
      startHeartbeat(n);
    }
    publishers = choosePublishers();
    if (attack.active()) {
      buildSybils(plan);
    }
    schedulePublishing();
    scheduleChurnAndFaults();
    long end = seconds(sc.totalSeconds());
    progress.accept(String.format(java.util.Locale.ROOT, "sim: %d routers built and connected in %.1f s wall",
        sc.routers(), (System.nanoTime() - wallStart) / 1e9));
    long step = seconds(10);
    for (long t = step; t < end; t += step) {
      loop.runUntil(t);
      Runtime rt = Runtime.getRuntime();
      progress.accept(String.format(java.util.Locale.ROOT,
          "sim: virtual %.0f/%.0f s, %d events, %d pending, %.1f s wall, heap %d MiB",
          t / 1e9, end / 1e9, loop.fired(), loop.pending(), (System.nanoTime() - wallStart) / 1e9,
          (rt.totalMemory() - rt.freeMemory()) >> 20));
    }
    loop.runUntil(end);
    double wall = (System.nanoTime() - wallStart) / 1e9;
    double cpu = (processCpuNanos() - cpuStart) / 1e9;
    return metrics.result(sc, seed, this, trace.hex(), wall, cpu);
  }

  // ---- construction ------------------------------------------------------------------------

  private void buildNodes(Topology.Plan plan) {
    for (int i = 0; i < sc.routers(); i++) {
      SimNode n = new SimNode(i, plan.ids()[i], plan.region()[i], plan.bandwidthClass()[i],
          sc.bandwidth().get(plan.bandwidthClass()[i]).upBitsPerSecond(),
          sc.bandwidth().get(plan.bandwidthClass()[i]).downBitsPerSecond());
      nodes.add(n);
      byId.put(n.id, n);
      boot(n);
    }
  }

  /** A fresh router for {@code n} (at the start, or when it rejoins after leaving). */
  private void boot(SimNode n) {
    GossipRouter.Builder b = GossipRouter.builder(n.id)
        .signaturePolicy(SignaturePolicy.STRICT_NO_SIGN)
        .messageIdFunction(idFn)
        .params(sc.params())
        .scheduler(loop)
        .wallClock(FIXED_WALL)
        .random(master.split())
        .validationExecutor(Runnable::run)
        .deliveryExecutor(Runnable::run)
        .nanoTime(loop::nanoTime);
    if (sc.scoring().params() != null) {
      b.scoreParams(sc.scoring().params()).thresholds(sc.scoring().thresholds());
    }
    if (attack.active()) {
      b.observer(new AttackObserver(attackStats, sybilIds));
    }
    GossipRouter r = b.build();
    if (validationDelayNanos > 0) {
      r.addValidator(sc.messages().topic(), (src, m) -> {
        CompletableFuture<ValidationResult> f = new CompletableFuture<>();
        loop.after(new Validated(f), validationDelayNanos);
        return f;
      });
    }
    r.subscribe(sc.messages().topic(), rm -> delivered(n, rm));
    n.router = r;
    n.online = true;
    n.upFree = loop.now();
    n.downFree = loop.now();
  }

  private static final class Validated extends EventLoop.Event {
    private final CompletableFuture<ValidationResult> f;

    Validated(CompletableFuture<ValidationResult> f) {
      this.f = f;
    }

    @Override
    void fire() {
      f.complete(ValidationResult.ACCEPT);
    }
  }

  /**
   * The one-way latency between two hosts: their regions' latency, plus (with {@code linkLatencyMs})
   * the pair's own share, drawn from the seed and the pair alone so that it is the same both ways,
   * on every reconnection, and whatever else the run draws.
   */
  long linkLatencyNanos(SimNode a, SimNode b) {
    double ms = sc.latencyMs()[a.region][b.region];
    Scenario.LinkLatency ll = sc.linkLatency();
    if (ll.active()) {
      long pair = (long) Math.min(a.index, b.index) << 32 | Math.max(a.index, b.index);
      double u = new SplittableRandom(seed ^ 0x6C696E6B4C6174L ^ pair * 0x9E3779B97F4A7C15L).nextDouble();
      ms += ll.minMs() + u * (ll.maxMs() - ll.minMs());
    }
    return Math.round(ms * 1e6);
  }

  private void connect(SimNode dialer, SimNode listener) {
    if (dialer.links.containsKey(listener.id) || !dialer.online || !listener.online) {
      return;
    }
    long lat = linkLatencyNanos(dialer, listener);
    Link out = new Link(this, dialer, listener, lat);
    Link in = new Link(this, listener, dialer, lat);
    dialer.links.put(listener.id, out);
    listener.links.put(dialer.id, in);
    String proto = sc.protocol().id();
    dialer.router.addPeer(listener.id, proto, Direction.OUTBOUND, listener.ip, out);
    listener.router.addPeer(dialer.id, proto, Direction.INBOUND, dialer.ip, in);
  }

  // ---- attackers ---------------------------------------------------------------------------

  /**
   * Sybil hosts (indices after the honest routers), each a {@link Sybil} actor. IPs are labels for
   * P6 only (no socket is ever opened): honest routers one each, Sybils {@code sybilsPerIp} to one,
   * from the benchmarking range 198.18.0.0/15, since the router ignores loopback for P6.
   */
  private void buildSybils(Topology.Plan plan) {
    SplittableRandom r = master.split();
    for (SimNode n : nodes) {
      n.ip = ipLabel(18, n.index + 1);
    }
    for (int k = 0; k < attack.sybils(); k++) {
      byte[] mh = new byte[34];
      mh[0] = 0x12;
      mh[1] = 0x20;
      byte[] digest = new byte[32];
      r.nextBytes(digest);
      System.arraycopy(digest, 0, mh, 2, 32);
      PeerId id = PeerId.fromBytes(mh);
      // Sybils sit in the honest routers' regions and bandwidth classes at random.
      SimNode h = nodes.get(r.nextInt(nodes.size()));
      SimNode s = new SimNode(sc.routers() + k, id, h.region, h.bandwidthClass, h.upBps, h.downBps);
      s.ip = ipLabel(19, k / attack.sybilsPerIp() + 1);
      s.sybil = new Sybil(s, this, attack, sc.messages().topic(), r.split(), seconds(attack.attackAtSeconds()));
      s.online = true;
      sybilNodes.add(s);
      sybilIds.add(id);
      byId.put(id, s);
    }
    schedule(() -> {
      int[] honest = new int[nodes.size()];
      for (int i = 0; i < honest.length; i++) {
        honest[i] = i;
      }
      for (SimNode s : sybilNodes) {
        if (attack.target() >= 0) {
          connectSybil(s, nodes.get(attack.target()));
          continue;
        }
        int want = Math.min(attack.degree(), honest.length);
        for (int i = 0; i < want; i++) {
          int j = i + r.nextInt(honest.length - i);
          int t = honest[i];
          honest[i] = honest[j];
          honest[j] = t;
          connectSybil(s, nodes.get(honest[i]));
        }
      }
      long interval = sc.params().heartbeatInterval().toNanos();
      for (SimNode s : sybilNodes) {
        EventLoop.Event hb = new EventLoop.Event() {
          @Override
          void fire() {
            s.sybil.heartbeat();
            loop.after(this, interval);
          }
        };
        loop.after(hb, r.nextLong(interval));
      }
    }, seconds(attack.connectAtSeconds()));
  }

  /** The Sybil dials an honest router (inbound for the router). */
  private void connectSybil(SimNode s, SimNode h) {
    if (s.links.containsKey(h.id) || !h.online) {
      return;
    }
    long lat = linkLatencyNanos(s, h);
    Link out = new Link(this, s, h, lat);
    Link in = new Link(this, h, s, lat);
    s.links.put(h.id, out);
    h.links.put(s.id, in);
    attackStats.connections++;
    h.router.addPeer(s.id, sc.protocol().id(), Direction.INBOUND, s.ip, in);
    s.sybil.connected(out);
  }

  private static java.net.InetAddress ipLabel(int second, int n) {
    try {
      return java.net.InetAddress.getByAddress(
          new byte[] {(byte) 198, (byte) (second + (n >>> 16 & 1)), (byte) (n >>> 8), (byte) n});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code r} {@code delayNanos} from now on the event loop. */
  void schedule(Runnable r, long delayNanos) {
    loop.after(new EventLoop.Event() {
      @Override
      void fire() {
        r.run();
      }
    }, delayNanos);
  }

  long now() {
    return loop.now();
  }

  boolean isMessage(int i) {
    return i >= 0 && i < ids.length;
  }

  MessageId idOf(int i) {
    return ids[i];
  }

  /** The index of a message id of this run, or -1. */
  int indexOf(MessageId id) {
    if (id.size() < 4) {
      return -1;
    }
    ByteString b = id.bytes();
    int i = (b.byteAt(0) & 0xff) << 24 | (b.byteAt(1) & 0xff) << 16 | (b.byteAt(2) & 0xff) << 8 | (b.byteAt(3) & 0xff);
    return isMessage(i) && ids[i].equals(id) ? i : -1;
  }

  /** Whether message {@code i} is the victim publisher's (the first publisher's), for {@code censor: publisher}. */
  boolean isVictimMessage(int i) {
    return publishers != null && i % publishers.length == 0;
  }

  /** A Sybil received message {@code i} first from {@code from}: its hop count, for the hops of later deliveries. */
  void relayed(int i, SimNode sybil, SimNode from) {
    metrics.relayed(i, sybil.index, from.index);
  }

  private void disconnect(SimNode a, SimNode b) {
    Link ab = a.links.remove(b.id);
    Link ba = b.links.remove(a.id);
    if (ab != null) {
      ab.up = false;
    }
    if (ba != null) {
      ba.up = false;
    }
    a.router.removePeer(b.id);
    b.router.removePeer(a.id);
  }

  private void startHeartbeat(SimNode n) {
    long interval = sc.params().heartbeatInterval().toNanos();
    EventLoop.Event hb = new EventLoop.Event() {
      @Override
      void fire() {
        if (n.online && n.heartbeat == this) {
          n.router.heartbeatNow();
          loop.after(this, interval);
        }
      }
    };
    n.heartbeat = hb;
    // A random phase, as real nodes start at different times: heartbeats do not all coincide.
    loop.after(hb, sc.params().heartbeatInitialDelay().toNanos() + master.nextLong(interval));
  }

  private int[] choosePublishers() {
    if (!sc.publishers().nodes().isEmpty()) {
      return sc.publishers().nodes().stream().mapToInt(Integer::intValue).toArray();
    }
    int[] all = new int[sc.routers()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    SplittableRandom r = master.split();
    for (int i = 0; i < sc.publishers().count(); i++) {
      int j = i + r.nextInt(all.length - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return Arrays.copyOf(all, sc.publishers().count());
  }

  private void schedulePublishing() {
    long start = seconds(sc.warmupSeconds());
    double gap = 1e9 / sc.messages().ratePerSecond();
    EventLoop.Event pub = new EventLoop.Event() {
      int next;

      @Override
      void fire() {
        publish(next, publishers[next % publishers.length]);
        next++;
        if (next < sc.messages().count()) {
          loop.at(this, start + Math.round(next * gap));
        }
      }
    };
    loop.at(pub, start);
  }

  private void publish(int index, int from) {
    SimNode n = nodes.get(from);
    int eligible = 0;
    for (SimNode o : nodes) {
      if (o.online && o != n) {
        eligible++;
      }
    }
    metrics.published(index, from, loop.now(), eligible, n.online);
    if (!n.online) {
      return;
    }
    byte[] data = new byte[sc.messages().sizeBytes()];
    data[0] = (byte) (index >>> 24);
    data[1] = (byte) (index >>> 16);
    data[2] = (byte) (index >>> 8);
    data[3] = (byte) index;
    n.router.publish(sc.messages().topic(), data);
  }

  private void scheduleChurnAndFaults() {
    for (Scenario.Churn c : sc.churn()) {
      loop.at(new EventLoop.Event() {
        @Override
        void fire() {
          churn(c);
        }
      }, seconds(c.atSeconds()));
    }
    for (Scenario.Fault f : sc.faults()) {
      loop.at(new EventLoop.Event() {
        @Override
        void fire() {
          fault(f, true);
        }
      }, seconds(f.atSeconds()));
      loop.at(new EventLoop.Event() {
        @Override
        void fire() {
          fault(f, false);
        }
      }, seconds(f.atSeconds() + f.durationSeconds()));
    }
  }

  private void churn(Scenario.Churn c) {
    Set<Integer> pubs = new LinkedHashSet<>();
    for (int p : publishers) {
      pubs.add(p);
    }
    List<SimNode> online = new ArrayList<>();
    List<SimNode> offline = new ArrayList<>();
    for (SimNode n : nodes) {
      if (!n.online) {
        offline.add(n);
      } else if (!pubs.contains(n.index)) {
        online.add(n);
      }
    }
    for (int i = 0; i < c.leave() && !online.isEmpty(); i++) {
      leave(online.remove(churnRng.nextInt(online.size())));
      metrics.left++;
    }
    for (int i = 0; i < c.join() && !offline.isEmpty(); i++) {
      join(offline.remove(churnRng.nextInt(offline.size())));
      metrics.joined++;
    }
  }

  /** The host drops off the network: its connections close, its router is gone. */
  private void leave(SimNode n) {
    for (Link l : List.copyOf(n.links.values())) {
      disconnect(n, l.to);
    }
    n.online = false;
    n.heartbeat = null;
  }

  /** A host (re)starts with a fresh router and dials random online hosts. */
  private void join(SimNode n) {
    boot(n);
    List<SimNode> candidates = new ArrayList<>();
    for (SimNode o : nodes) {
      if (o.online && o != n) {
        candidates.add(o);
      }
    }
    for (int i = 0; i < defaultDegree && !candidates.isEmpty(); i++) {
      connect(n, candidates.remove(churnRng.nextInt(candidates.size())));
    }
    startHeartbeat(n);
  }

  private void fault(Scenario.Fault f, boolean on) {
    switch (f.type()) {
      case "loss" -> extraLoss = on ? f.rate() : 0;
      case "partition" -> {
        if (on) {
          partitioned = new boolean[sc.regions().size()];
          for (int r = 0; r < sc.regions().size(); r++) {
            partitioned[r] = f.regions().contains(sc.regions().get(r).name());
          }
        } else {
          partitioned = null;
        }
      }
      default -> throw new IllegalStateException("unknown fault " + f.type());
    }
  }

  // ---- the network -------------------------------------------------------------------------

  /** Called by a link when its router sends an RPC. */
  void transmit(Link link, Rpc rpc) {
    long frame = WireSize.frame(rpc);
    int size = WireSize.total(frame);
    int data = WireSize.data(frame);
    SimNode from = link.from;
    from.bytesSent += size;
    from.controlSent += size - data;
    long t = loop.now();
    if (from.upBps > 0) {
      long start = Math.max(t, from.upFree);
      from.upFree = start + serialization(size, from.upBps);
      t = from.upFree;
    }
    if (partitioned != null && partitioned[from.region] != partitioned[link.to.region]) {
      droppedRpcs++;
      return;
    }
    long delay = link.latencyNanos;
    if (jitterNanos > 0) {
      delay += net.nextLong(jitterNanos + 1);
    }
    if (jitterFraction > 0) {
      delay += (long) (net.nextDouble() * jitterFraction * link.latencyNanos);
    }
    double loss = sc.loss() + extraLoss;
    if (loss > 0) {
      // Each full-size packet of the RPC may be lost; one loss costs one retransmission timeout.
      int packets = 1 + size / 1448;
      double pLost = 1 - Math.pow(1 - Math.min(loss, 1), packets);
      if (net.nextDouble() < pLost) {
        lostPackets++;
        if (sc.lossMode() == Scenario.LossMode.DROP || loss >= 1) {
          droppedRpcs++;
          return;
        }
        delay += Math.max(MIN_RTO_NANOS, 4 * link.latencyNanos);
      }
    }
    long arrival = Math.max(t + delay, link.lastArrival);
    link.lastArrival = arrival;
    loop.at(new Delivery(link, rpc, size, data), arrival);
  }

  private static long serialization(int bytes, double bps) {
    return (long) Math.ceil(bytes * 8e9 / bps);
  }

  /** An RPC reaching the far end of a link, then (if the downlink is limited) read off the downlink. */
  private final class Delivery extends EventLoop.Event {
    private final Link link;
    private final Rpc rpc;
    private final int size;
    private final int data;
    private boolean read;

    Delivery(Link link, Rpc rpc, int size, int data) {
      this.link = link;
      this.rpc = rpc;
      this.size = size;
      this.data = data;
    }

    @Override
    void fire() {
      if (!link.up) {
        droppedRpcs++;
        return;
      }
      SimNode to = link.to;
      if (to.downBps > 0 && !read) {
        read = true;
        long start = Math.max(loop.now(), to.downFree);
        to.downFree = start + serialization(size, to.downBps);
        loop.at(this, to.downFree);
        return;
      }
      to.bytesReceived += size;
      to.controlReceived += size - data;
      trace.record((byte) 1, loop.now(), link.from.index, to.index, size);
      if (to.sybil != null) {
        to.sybil.onRpc(link.from, rpc);
        return;
      }
      List<PubsubMessage> pub = rpc.publish();
      for (int k = 0, n = pub.size(); k < n; k++) {
        int i = messageIndex(pub.get(k));
        if (i >= 0 && i < ids.length) {
          metrics.copy(i, to.index);
        }
      }
      to.router.onRpc(link.from.id, rpc);
    }
  }

  // ---- observations ------------------------------------------------------------------------

  private void delivered(SimNode n, ReceivedMessage rm) {
    int i = messageIndex(rm.message());
    if (i < 0 || i >= ids.length || rm.local()) {
      return;
    }
    SimNode src = byId.get(rm.source());
    int hop = metrics.delivered(i, n.index, src == null ? -1 : src.index, loop.now());
    trace.record((byte) 2, loop.now(), n.index, i, hop);
  }

  static int messageIndex(PubsubMessage m) {
    ByteString d = m.data();
    if (d.size() < 4) {
      return -1;
    }
    return (d.byteAt(0) & 0xff) << 24 | (d.byteAt(1) & 0xff) << 16 | (d.byteAt(2) & 0xff) << 8 | (d.byteAt(3) & 0xff);
  }

  /** CPU time of the whole process (simulation thread, JIT compiler and GC), or -1 if unknown. */
  static long processCpuNanos() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  private static long seconds(double s) {
    return Math.round(s * 1e9);
  }

  // ---- for Metrics -------------------------------------------------------------------------

  List<SimNode> nodes() {
    return nodes;
  }

  List<SimNode> sybilNodes() {
    return sybilNodes;
  }

  Set<PeerId> sybilIds() {
    return sybilIds;
  }

  AttackStats attackStats() {
    return attackStats;
  }

  long attackStartNanos() {
    return attackStart;
  }

  int[] publishers() {
    return publishers;
  }

  long eventsFired() {
    return loop.fired();
  }

  long droppedRpcs() {
    return droppedRpcs;
  }

  long lostPackets() {
    return lostPackets;
  }

  long traceRecords() {
    return trace.records();
  }
}
