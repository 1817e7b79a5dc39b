package io.topicmesh.node.daemon;

import io.micrometer.core.instrument.MeterRegistry;
import io.topicmesh.node.daemon.config.NodeConfig;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.daemon.discovery.DiscoverySource;
import io.topicmesh.node.daemon.discovery.Redialer;
import io.topicmesh.node.daemon.probe.ProbeService;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.net.ExecutorRouterScheduler;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.MicrometerRouterObserver;
import io.topicmesh.node.pubsub.router.PeerScoreParams;
import io.topicmesh.node.pubsub.router.PublishException;
import io.topicmesh.node.pubsub.router.PublishResult;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.router.ReceivedMessage;
import io.topicmesh.node.pubsub.router.RouterStatus;
import io.topicmesh.node.pubsub.router.SignaturePolicy;
import io.topicmesh.node.pubsub.router.TopicScoreParams;
import io.topicmesh.node.transport.Connection;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One topicmesh node: a libp2p host, the gossipsub router bound to its streams, discovery with
 * re-dial, topic subscriptions with any number of listeners, traffic figures, readiness and
 * liveness, and a graceful shutdown. {@code run} wraps one in a process with the admin API;
 * {@code local} runs several in one JVM.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** Most topics subscribed at once (config and admin API together). */
  public static final int MAX_TOPICS = 1024;

  /** Messages waiting for subscriber listeners; beyond it deliveries are dropped and counted. */
  static final int MAX_DELIVERY_QUEUE = 10_000;

  /**
   * Messages waiting for validators or signature checks; beyond it the router refuses them (a
   * local publish fails with {@link PublishException.Reason#QUEUE_FULL}, a received message is
   * dropped as throttled).
   */
  static final int MAX_VALIDATION_QUEUE = 10_000;

  private final NodeConfig config;
  private final Host host;
  private final GossipRouter router;
  private final MeterRegistry registry;
  private final TrafficStats traffic;
  private final EdgeTraffic edgeTraffic = new EdgeTraffic();
  private final ScheduledThreadPoolExecutor routerScheduler;
  private final ScheduledThreadPoolExecutor discoveryScheduler;
  /**
   * System property that makes the router mutex measure holds in the holder's CPU time too ({@code
   * -Dtopicmesh.mutexCpuTime=true}, e.g. in JAVA_TOOL_OPTIONS); off by default.
   */
  public static final String MUTEX_CPU_TIME_PROPERTY = "topicmesh.mutexCpuTime";

  /** DNS lookups can block for seconds; they must not hold up re-dials on the discovery thread. */
  private final ScheduledThreadPoolExecutor dnsScheduler;
  private final ThreadPoolExecutor validation;
  private final ThreadPoolExecutor delivery;
  /** Mesh probes, null when switched off ({@code probe.enabled: false}). */
  private final ProbeService probes;
  private final ScheduledThreadPoolExecutor probeScheduler;
  private final Map<String, List<Consumer<ReceivedMessage>>> topics = new ConcurrentHashMap<>();
  private final List<DiscoverySource> sources = new CopyOnWriteArrayList<>();
  private final AtomicLong deliveryDropped = new AtomicLong();
  private final long startedNanos = System.nanoTime();
  private volatile Redialer redialer;
  private volatile PubsubAttachment network;
  /** Lifecycle, readiness and liveness; also the router observer that counts heartbeats and peers. */
  private final NodeHealth health;
  private volatile java.util.function.BiConsumer<Multiaddr, String> onDialFailed = (a, r) -> { };
  /** The score parameters last handed to the router (guarded by this); live changes compose on it. */
  private PeerScoreParams scoreParams;
  /** The gossipsub parameters last handed to the router (guarded by this); live changes compose on it. */
  private GossipParams desiredParams;
  /** Validation mode each topic asked for, where one did. */
  private final Map<String, String> topicValidation = new ConcurrentHashMap<>();

  /**
   * @param registry where host, router and daemon metrics go (one registry per node)
   * @param ioThreads netty event loop threads, 0 for netty's default
   */
  public Daemon(NodeConfig config, PrivKey key, MeterRegistry registry, int ioThreads) {
    this.config = config;
    this.registry = registry;
    this.host = NodeWiring.host(config, key, registry, ioThreads);
    this.health = new NodeHealth(host, sources, () -> redialer);
    this.routerScheduler = NodeWiring.scheduler("topicmesh-router");
    this.discoveryScheduler = NodeWiring.scheduler("topicmesh-discovery");
    this.dnsScheduler = NodeWiring.scheduler("topicmesh-dns");
    // Full: refuse (the router fails the publish or throttles the message, counted and logged);
    // never run a validator on the caller, which may be a netty event loop.
    this.validation = NodeWiring.pool("topicmesh-validate", 2, MAX_VALIDATION_QUEUE, new ThreadPoolExecutor.AbortPolicy());
    this.delivery = NodeWiring.pool("topicmesh-deliver", 1, MAX_DELIVERY_QUEUE, (r, e) -> deliveryDropped.incrementAndGet());
    this.traffic = new TrafficStats(registry);
    MicrometerRouterObserver metrics = new MicrometerRouterObserver(registry, 64, config.thresholds());
    PeerScoreParams scores = NodeWiring.scoreParams(config);
    this.scoreParams = scores;
    this.topicValidation.putAll(config.topicValidation());
    GossipRouter.Builder b = GossipRouter.builder(host.peerId())
        .privateKey(key)
        .signaturePolicy(config.signaturePolicy())
        .scoreParams(scores)
        .params(config.params())
        .thresholds(config.thresholds())
        .scheduler(new ExecutorRouterScheduler(routerScheduler))
        .inboxDrainExecutor(routerScheduler)
        .random(new SecureRandom())
        .validationExecutor(validation)
        // .verifyOnReceivingThread(true): off until an A/B shows it does not cost latency under external load (docs/benchmarks.md, session 8)
        .deliveryExecutor(delivery)
        .partialMessages(true) // advertised; a topic uses it only once enabled (admin API)
        .dialer(NodeWiring.dialer(host, config))
        .lockListener(metrics)
        // opt-in (a system call per hold and per task): lock_hold_cpu_seconds, /v1/status lock.holdCpuMaxMs
        .mutexCpuTime(Boolean.getBoolean(MUTEX_CPU_TIME_PROPERTY) ? RouterMutex.currentThreadCpuTime() : null)
        .observer(metrics)
        .observer(traffic)
        .observer(edgeTraffic)
        .observer(health);
    for (String d : config.directPeers()) {
      Multiaddr.parse(d).peerId().ifPresent(b::directPeer);
    }
    this.router = b.build();
    health.bind(router);
    this.desiredParams = config.params();
    if (config.probeInterval() != null) {
      String probeTopic = ProbeService.topicFor(config.cluster());
      this.probeScheduler = NodeWiring.scheduler("topicmesh-probe");
      this.probes = new ProbeService(probeTopic, host.peerId().toString(), config.probeInterval(),
          new SecureRandom().nextLong(), body -> router.publish(probeTopic, body), probeScheduler, registry,
          System::nanoTime, LoadPayload::nowEpochNanos);
      probes.meshPeers(() -> router.meshPeers(probeTopic).size());
      traffic.ignoreTopic(probeTopic);
    } else {
      this.probeScheduler = null;
      this.probes = null;
    }
    metrics.bindInboxDepth(router::inboxDepth);
    // While shutting down no connection is taken on: one that completes its upgrade is closed.
    host.addListener(new io.topicmesh.node.host.ConnectionListener() {
      @Override
      public void connectionOpened(Connection c) {
        if (health.isDraining()) {
          log.info("refusing connection peer={} while shutting down", c.remotePeer());
          c.close();
        }
      }
    });
    NodeWiring.registerGauges(this, registry, router, host, deliveryDropped);
  }

  /**
   * The {@code name} label of {@code topicmesh_node_param} for a params member: durations, which the
   * params JSON carries in milliseconds ({@code heartbeatIntervalMs}), are exported in seconds, the
   * Prometheus base unit, as {@code heartbeatIntervalSeconds}.
   */
  static String paramLabel(String member) {
    return member.endsWith("Ms") ? member.substring(0, member.length() - 2) + "Seconds" : member;
  }

  /**
   * Listens, binds pubsub to the host, starts the router, subscribes and starts discovery. Never
   * waits for a discovery source: each connects in the background and reports its state in
   * {@link #status()} and, while no peer is known, in {@link #readiness()}.
   */
  public List<Multiaddr> start() {
    List<Multiaddr> bound = host.start();
    network = PubsubAttachment.attach(host, router, registry);
    router.start();
    for (String t : config.topics()) {
      subscribe(t);
    }
    // node.yaml's per-topic mesh degrees, in force from the first heartbeat (as PUT /v1/topics/{t} sets them live)
    config.topicMesh().forEach(router::setTopicMeshParams);
    if (probes != null) {
      // straight on the router: probe messages never reach listeners, the admin API or the traffic figures
      router.subscribe(probes.topic(), m -> probes.onMessage(m.message().data().toByteArray(), m.local()));
      probes.start();
    }
    startDiscovery(bound);
    health.started();
    log.info("node started peer={} topics={} discovery={}{}{}", host.peerId(), config.topics(), config.discoverySpecs(),
        config.cluster() == null ? "" : " cluster=" + config.cluster(),
        config.podName() == null ? "" : " pod=" + (config.namespace() == null ? "" : config.namespace() + "/") + config.podName());
    return bound;
  }

  private void startDiscovery(List<Multiaddr> bound) {
    Set<Multiaddr> own = new LinkedHashSet<>();
    for (Multiaddr a : bound) {
      own.add(a.withoutPeerId());
    }
    for (String a : config.advertise()) {
      own.add(Multiaddr.parse(a));
    }
    redialer = new Redialer(host, config.redialMin(), config.redialMax(), new SecureRandom(),
        System::currentTimeMillis, discoveryScheduler, own);
    redialer.onDialFailed(onDialFailed);
    sources.addAll(NodeWiring.discoverySources(config, defaultPort(), dnsScheduler));
    redialer.start();
    for (DiscoverySource s : sources) {
      s.start(addrs -> redialer.update(s.name(), addrs));
    }
  }

  /** The p2p port of our first listen address (peers are assumed to use the same). */
  private int defaultPort() {
    return Multiaddr.parse(config.listen().get(0)).tcpPort().orElse(4001);
  }

  /** Called after each failed discovery dial with the address and a reason; set before {@link #start()}. */
  public void onDialFailed(java.util.function.BiConsumer<Multiaddr, String> listener) {
    this.onDialFailed = listener;
  }

  // ---- topics ---------------------------------------------------------------------------------

  /** Subscribes (idempotent). @return false if already subscribed */
  public synchronized boolean subscribe(String topic) {
    refuseReserved(topic);
    if (topics.containsKey(topic)) {
      return false;
    }
    if (topics.size() >= MAX_TOPICS) {
      throw new IllegalStateException("already subscribed to " + MAX_TOPICS + " topics, the maximum");
    }
    List<Consumer<ReceivedMessage>> listeners = new CopyOnWriteArrayList<>();
    topics.put(topic, listeners);
    router.subscribe(topic, m -> {
      if (!m.local()) {
        traffic.delivered(m.message().data().toByteArray());
      }
      for (Consumer<ReceivedMessage> l : listeners) {
        l.accept(m);
      }
    });
    log.info("subscribed topic={}", topic);
    return true;
  }

  /** Topics under {@link ProbeService#RESERVED_PREFIX} belong to the node (mesh probes), never to clients. */
  private static void refuseReserved(String topic) {
    if (ProbeService.reserved(topic)) {
      throw new io.topicmesh.node.daemon.config.ConfigException("topic", topic, "topics starting with "
          + ProbeService.RESERVED_PREFIX + " are reserved for the node's mesh probes");
    }
  }

  /** @return false if not subscribed */
  public synchronized boolean unsubscribe(String topic) {
    if (topics.remove(topic) == null) {
      return false;
    }
    router.unsubscribe(topic);
    log.info("unsubscribed topic={}", topic);
    return true;
  }

  /**
   * Subscribes if needed and applies a topic's settings live, replacing its previous ones: the
   * validation mode (checked against the router-wide signature policy, which is fixed at start)
   * and the score parameters (none = the topic is not scored). Nothing changes when the settings
   * are refused.
   *
   * @return true when newly subscribed
   * @throws io.topicmesh.node.daemon.config.ConfigException naming the field that cannot be applied
   * @throws IllegalStateException when already subscribed to {@link #MAX_TOPICS} topics
   */
  public synchronized boolean applyTopic(io.topicmesh.node.daemon.config.ConfigLoader.TopicSettings s) {
    String topic = s.name();
    refuseReserved(topic);
    SignaturePolicy policy = router.signaturePolicy();
    if (s.validation() != null && policyWith(topic, s) != policy) {
      throw new io.topicmesh.node.daemon.config.ConfigException("validation", s.validation(), "needs a restart: this"
          + " node runs " + modeName(policy) + " for every topic (the signature policy is fixed at start), and with this"
          + " mode its topics would need " + modeName(policyWith(topic, s)));
    }
    if (!topics.containsKey(topic) && topics.size() >= MAX_TOPICS) {
      throw new IllegalStateException("already subscribed to " + MAX_TOPICS + " topics, the maximum");
    }
    // per-topic mesh degrees: the given ones over the node's; checked before anything changes
    io.topicmesh.node.pubsub.router.TopicMeshParams mesh = s.mesh() == null ? null
        : io.topicmesh.node.daemon.config.ParamsCodec.merge(io.topicmesh.node.pubsub.router.TopicMeshParams.class,
            io.topicmesh.node.pubsub.router.TopicMeshParams.of(router.params()), s.mesh(), "mesh.");
    boolean fresh = subscribe(topic);
    router.setTopicMeshParams(topic, mesh);
    if (s.validation() == null) {
      topicValidation.remove(topic);
    } else {
      topicValidation.put(topic, s.validation());
    }
    scoreParams = s.score() == null ? scoreParams.withoutTopic(topic) : scoreParams.withTopic(topic, s.score());
    router.setScoreParams(scoreParams);
    log.info("topic settings applied topic={} validation={} score={} mesh={} (at the next heartbeat)", topic,
        topicValidation(topic), s.score() == null ? "off" : s.score().meshDeliveriesScored() ? "on, P3 on" : "on, P3 off",
        mesh == null ? "node's" : "D=" + mesh.d() + " Dlo=" + mesh.dlo() + " Dhi=" + mesh.dhi());
    return fresh;
  }

  /**
   * The router-wide policy the node's topics would call for with {@code s} applied, by
   * ConfigLoader's rule: StrictNoSign only when every topic asks for a NoSign mode. A topic that
   * never named a mode runs under the node's policy and agrees with it.
   */
  private SignaturePolicy policyWith(String topic, io.topicmesh.node.daemon.config.ConfigLoader.TopicSettings s) {
    boolean running = router.signaturePolicy() == SignaturePolicy.STRICT_NO_SIGN;
    boolean allNoSign = s.noSign();
    for (String t : topics.keySet()) {
      if (!t.equals(topic)) {
        String v = topicValidation.get(t);
        allNoSign &= v == null ? running : v.endsWith("NoSign");
      }
    }
    return allNoSign ? SignaturePolicy.STRICT_NO_SIGN : SignaturePolicy.STRICT_SIGN;
  }

  /** The mode a topic runs under: the one it asked for, else the router's policy. */
  public String topicValidation(String topic) {
    String v = topicValidation.get(topic);
    return v != null ? v : modeName(router.signaturePolicy());
  }

  /** A topic's effective settings, as {@code GET /v1/topics} and {@code PUT /v1/topics/{t}} return them. */
  public synchronized Map<String, Object> topicSettings(String topic) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", topic);
    o.put("subscribed", topics.containsKey(topic));
    o.put("validation", topicValidation(topic));
    o.put("signaturePolicy", modeName(router.signaturePolicy()));
    TopicScoreParams sp = scoreParams.topics().get(topic);
    o.put("score", sp == null ? null : ParamsCodec.toJson(sp));
    // the override asked for (applied at the next heartbeat), or null; and the degrees in force now
    var override = router.topicMeshOverrides().get(topic);
    o.put("mesh", override == null ? null : ParamsCodec.toJson(override));
    o.put("meshParams", ParamsCodec.toJson(router.meshParams(topic)));
    return o;
  }

  static String modeName(SignaturePolicy p) {
    return p == SignaturePolicy.STRICT_NO_SIGN ? "StrictNoSign" : "StrictSign";
  }

  public boolean subscribed(String topic) {
    return topics.containsKey(topic);
  }

  /** Adds a listener to a subscribed topic; false if not subscribed. */
  public boolean addListener(String topic, Consumer<ReceivedMessage> l) {
    List<Consumer<ReceivedMessage>> ls = topics.get(topic);
    if (ls == null) {
      return false;
    }
    ls.add(l);
    return true;
  }

  public void removeListener(String topic, Consumer<ReceivedMessage> l) {
    List<Consumer<ReceivedMessage>> ls = topics.get(topic);
    if (ls != null) {
      ls.remove(l);
    }
  }

  /**
   * Publishes through the router. Once shutdown has begun the node takes no new message: its meshes
   * are being PRUNEd and its connections closed, so a message accepted now could reach too few peers
   * before they go. The future then fails with a {@link PublishException} of reason {@link
   * PublishException.Reason#SHUTTING_DOWN} (HTTP 503), and the client publishes through another node.
   * Every other failure is a {@link PublishException} from the router.
   */
  public CompletableFuture<PublishResult> publish(String topic, byte[] data) {
    refuseReserved(topic);
    if (health.isDraining()) {
      return CompletableFuture.failedFuture(
          new PublishException(
              PublishException.Reason.SHUTTING_DOWN, "node is shutting down; publish through another node"));
    }
    return router.publish(topic, data);
  }

  /**
   * Publishes a batch on {@code topic} ({@link GossipRouter#publishBatch}): every message's first
   * copy goes out before any second copy. Once shutdown has begun it fails like {@link #publish}.
   */
  public CompletableFuture<List<PublishResult>> publishBatch(String topic, List<byte[]> data) {
    refuseReserved(topic);
    if (health.isDraining()) {
      return CompletableFuture.failedFuture(
          new PublishException(
              PublishException.Reason.SHUTTING_DOWN, "node is shutting down; publish through another node"));
    }
    return router.publishBatch(topic, data);
  }

  // ---- parameters -----------------------------------------------------------------------------

  /** Validates and hands new parameters to the router (applied at its next heartbeat). */
  public synchronized GossipParams setParams(GossipParams p) {
    desiredParams = p;
    router.setParams(p);
    log.info("params set d={} dlo={} dhi={} dout={} dlazy={} heartbeat={}ms", p.d(), p.dlo(), p.dhi(), p.dout(), p.dlazy(),
        p.heartbeatInterval().toMillis());
    return p;
  }

  /**
   * Merges {@code changes} onto the parameters last set (applied or still pending), validates the
   * whole and hands it to the router: two changes within one heartbeat compose.
   *
   * @throws io.topicmesh.node.daemon.config.ConfigException naming the member
   */
  public synchronized GossipParams updateParams(Map<String, ?> changes) {
    return setParams(ParamsCodec.merge(desiredParams, changes, ""));
  }

  /** The parameters last set: what the router runs after its next heartbeat. */
  public synchronized GossipParams desiredParams() {
    return desiredParams;
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Readiness and why. */
  public record Readiness(boolean ready, String reason) {}

  /**
   * Ready when listening and, if any peer is known (discovered or connected), connected to at
   * least one, with a pubsub stream to one and two heartbeats run since, and meshed in every
   * subscribed topic up to Dlo or to all peers in the topic (direct peers in the topic count as
   * meshed: they get every message without a GRAFT).
   */
  public Readiness readiness() {
    return health.readiness(null);
  }

  /** See {@link NodeHealth#settle}. */
  Readiness settle(long heartbeat, Readiness now) {
    return health.settle(heartbeat, now);
  }

  /** False when the heartbeat has not run for three intervals plus 5 s. */
  public boolean live() {
    return liveAt(System.nanoTime());
  }

  boolean liveAt(long nowNanos) {
    return health.liveAt(nowNanos, null);
  }

  /** The {@code GET /v1/status} object; takes the router mutex once. */
  public Map<String, Object> status() {
    return statusReport().toJson();
  }

  /** What {@code GET /v1/status} reports, typed; takes the router mutex once. */
  public NodeStatus statusReport() {
    List<Connection> connections = List.copyOf(host.connections());
    RouterStatus rs = router.status(connections.stream().map(Connection::remotePeer).toList());
    List<String> addrs = new ArrayList<>();
    for (String a : config.advertise()) {
      addrs.add(Multiaddr.parse(a).withPeerId(host.peerId()).toString());
    }
    for (Multiaddr a : host.listenAddresses()) {
      if (!addrs.contains(a.toString())) {
        addrs.add(a.toString());
      }
    }
    long uptimeNanos = System.nanoTime() - startedNanos;
    Readiness rd = health.readiness(rs);
    boolean live = health.liveAt(System.nanoTime(), rs.params());
    List<NodeStatus.Peer> peers = new ArrayList<>();
    for (Connection c : connections) {
      PubsubProtocol proto = health.protocol(c.remotePeer());
      peers.add(new NodeStatus.Peer(c.remotePeer().toString(), proto == null ? null : proto.id(),
          finite(rs.scores().get(c.remotePeer())), c.direction().label(), c.remoteAddress().toString(),
          c.muxerProtocol()));
    }
    List<NodeStatus.Topic> ts = new ArrayList<>();
    int[] edgeBudget = {NodeStatus.MAX_EDGES_TOTAL};
    for (Map.Entry<String, RouterStatus.Topic> e : rs.topics().entrySet()) {
      String t = e.getKey();
      if (ProbeService.reserved(t)) {
        continue; // the probe topic is reported under "probes"
      }
      ts.add(NodeStatus.topic(t, e.getValue(), traffic.topicMessages(t), traffic.topicDuplicates(t), edgeTraffic,
          edgeBudget));
    }
    var heartbeat = new NodeStatus.Heartbeat(rs.heartbeatTicks(),
        (System.nanoTime() - health.lastHeartbeatNanos()) / 1_000_000L);
    var lock = NodeStatus.Lock.of(router, registry);
    long[] samples = traffic.latencySamples(Duration.ofMinutes(1));
    var tr = new NodeStatus.Traffic(traffic.published(), traffic.delivered(), traffic.duplicates(),
        traffic.delivered() == 0 ? 0.0 : (double) traffic.duplicates() / traffic.delivered(),
        finite(TrafficStats.percentileMillis(samples, 0.5)), finite(TrafficStats.percentileMillis(samples, 0.99)),
        deliveryDropped.get());
    RouterStatus.Topic probeTopic = probes == null ? null : rs.topics().get(probes.topic());
    Map<String, Object> probeStatus = probes == null ? ProbeService.disabledStatus()
        : probes.status(probeTopic == null ? 0 : probeTopic.mesh().size());
    Redialer r = redialer;
    List<NodeStatus.SourceState> states = new ArrayList<>();
    for (DiscoverySource src : sources) {
      DiscoverySource.Status st = src.status();
      states.add(new NodeStatus.SourceState(st.source(), st.state(), st.synced(), st.detail()));
    }
    var disc = new NodeStatus.Discovery(config.discoverySpecs(), r == null ? 0 : r.known(), List.copyOf(states));
    return new NodeStatus(host.peerId().toString(), List.copyOf(addrs), Main.version(), uptimeNanos / 1_000_000_000L,
        uptimeNanos / 1_000_000L, rd.ready(), rd.reason(), live, List.copyOf(peers), List.copyOf(ts),
        ParamsCodec.toJson(rs.params()), heartbeat, lock, tr, probeStatus, disc);
  }

  private static Double finite(double d) {
    return Double.isFinite(d) ? d : null;
  }

  public PeerId peerId() {
    return host.peerId();
  }

  public Host host() {
    return host;
  }

  public GossipRouter router() {
    return router;
  }

  public TrafficStats traffic() {
    return traffic;
  }

  /** The mesh probes, null when switched off. */
  public ProbeService probes() {
    return probes;
  }

  public NodeConfig config() {
    return config;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Graceful shutdown: not ready any more, discovery stops, every mesh is PRUNEd with backoff and
   * the PRUNEs flushed, then the pubsub streams, the connections and the host close.
   */
  public void shutdown() {
    if (health.isClosed()) {
      return;
    }
    health.draining();
    log.info("node shutting down peer={}", host.peerId());
    Redialer r = redialer;
    if (r != null) {
      r.close();
    }
    for (DiscoverySource s : sources) {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.warn("discovery source={} close failed: {}", s.name(), e.toString());
      }
    }
    if (probes != null) {
      probes.close(true, Duration.ofSeconds(1)); // a bye, so the others stop expecting our probes
      probeScheduler.shutdownNow();
    }
    try {
      router.close();
    } catch (RuntimeException e) {
      log.warn("router close failed: {}", e.toString());
    }
    PubsubAttachment n = network;
    if (n != null) {
      try {
        n.close();
      } catch (RuntimeException e) {
        log.warn("pubsub network close failed: {}", e.toString());
      }
    }
    health.closed();
    host.close();
    discoveryScheduler.shutdownNow();
    dnsScheduler.shutdownNow();
    routerScheduler.shutdownNow();
    validation.shutdown();
    delivery.shutdown();
    ExecutorService[] all = {validation, delivery};
    for (ExecutorService e : all) {
      try {
        e.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    shutdown();
  }

  /** Our first listen address as a socket address (for tests and the local view). */
  InetSocketAddress listenSocket() {
    return host.listenAddresses().get(0).toTcpSocketAddress().orElseThrow();
  }
}
