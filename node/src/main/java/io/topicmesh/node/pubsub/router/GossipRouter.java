package io.topicmesh.node.pubsub.router;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.lock.LockListener;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.lock.WarnLimiter;
import io.topicmesh.node.pubsub.wire.ControlGraft;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossipsub router (specs: pubsub/README.md, gossipsub v1.0, v1.1, v1.2): peers and their
 * topics, meshes and fanout, the heartbeat, publishing and forwarding, IHAVE/IWANT gossip,
 * GRAFT/PRUNE with backoff and peer exchange, IDONTWANT, peer scoring, floodsub peers, the
 * validation pipeline and message signing. Pure logic: no sockets, no netty, no wall clock.
 *
 * <h2>Integration contract (for the host)</h2>
 *
 * <ul>
 *   <li>When a pubsub stream to a peer is negotiated (one of {@link PubsubProtocol#ANNOUNCED}),
 *       call {@link #addPeer(PeerId, String, Direction, InetAddress, PeerSender)}; when it closes,
 *       {@link #removePeer(PeerId)}.
 *   <li>Each decoded inbound RPC ({@link io.topicmesh.node.pubsub.wire.RpcFrameDecoder}) goes to
 *       {@link #onRpc(PeerId, Rpc)}. It never blocks: from a netty event loop the work is queued
 *       on the router mutex's inbox if the mutex is busy; per-peer order is kept. A {@code false}
 *       return means the inbox is above its high-water mark: stop reading (autoRead off) until
 *       {@link #inboxDepth()} falls.
 *   <li>{@link PeerSender#send(Rpc)} is called after the mutex is released, one thread at a time
 *       per peer, in order. Report channel writability with {@link #setWritable}; while a peer is
 *       not writable its RPCs wait in a bounded per-peer queue (control lane first, data lane
 *       bounded by {@link GossipParams#maxOutboundQueue()}, drops counted).
 *   <li>{@link PeerDialer} is asked to connect peers learnt by PX and to reconnect direct peers.
 *   <li>Applications use {@link #subscribe}, {@link #unsubscribe}, {@link #addValidator} (these
 *       wait briefly for the mutex: call them from application threads) and {@link #publish}
 *       (never blocks, returns a future); operators {@link #setParams} (applied at the next
 *       heartbeat, meshes kept). Introspection ({@link #meshPeers}, {@link #score}…) also waits
 *       for the mutex.
 *   <li>{@link #start()} schedules the heartbeat on the injected {@link RouterScheduler} (it
 *       never blocks the scheduler thread and never overlaps itself); {@link #stop()} cancels it;
 *       {@link #close()} PRUNEs every mesh for a graceful shutdown.
 *   <li>Protocol limits: decode with {@link io.topicmesh.node.pubsub.wire.RpcCodec} /
 *       {@code RpcFrameDecoder} using the same {@link RpcLimits} given to the builder.
 * </ul>
 *
 * <h2>Running without netty and without real time (the simulator seam)</h2>
 *
 * <p>The router never sees a socket, a thread pool or the wall clock of its own: everything is
 * handed to it, so a simulator can run N routers in one JVM, on one thread, on virtual time:
 *
 * <ul>
 *   <li><b>Time</b>: {@link Builder#scheduler} takes a {@link RouterScheduler}, which is both the
 *       monotonic {@link TimeSource} every duration is measured on and the timer the heartbeat and
 *       validation timeouts use. {@link VirtualScheduler} is one virtual clock that many routers
 *       may share; nothing runs until {@link VirtualScheduler#advance} is called. The wall clock
 *       ({@link Builder#wallClock}) is read once, for the seqno seed: pass a fixed one for
 *       reproducible message ids.
 *   <li><b>Network</b>: a link is a {@link PeerSender} per (router, remote peer). To connect A and
 *       B, call {@code a.addPeer(b, protocolId, OUTBOUND, null, senderAtoB)} and {@code
 *       b.addPeer(a, protocolId, INBOUND, null, senderBtoA)}; whatever A sends to B arrives in
 *       {@code senderAtoB.send(rpc)} (in order, after A's mutex is released); deliver it, now or
 *       after a simulated latency, with {@code b.onRpc(a, rpc)}. Disconnect with {@code
 *       removePeer} on both sides. Optionally round-trip each RPC through {@link RpcCodec} to
 *       exercise the wire format. {@link Builder#dialer} receives the PX and direct-peer dials.
 *   <li><b>Executors</b>: {@link Builder#validationExecutor} (signature checks and validators) and
 *       {@link Builder#deliveryExecutor} (subscriber callbacks) may be direct ({@code
 *       Runnable::run}: the work runs on the calling thread right after the mutex is released) or
 *       a {@link VirtualScheduler} (the work runs at the next advance).
 *   <li><b>Heartbeat</b>: either {@link #start()} (scheduled on the scheduler after {@link
 *       GossipParams#heartbeatInitialDelay()}, then every interval, as in production), or never
 *       start and call {@link #heartbeatNow()} whenever the simulation decides.
 *   <li><b>Randomness</b>: {@link Builder#random} takes a seeded generator; tables iterate in
 *       insertion order, so one seed and one sequence of calls give one run.
 * </ul>
 *
 * <p>Concurrency: every table is guarded by one {@link RouterMutex}. No I/O, user callback,
 * validator, signature check or observer runs under it; their work is queued with {@link
 * RouterMutex#afterRelease}. StrictSign signatures are verified on the validation executor after
 * the seen-cache check, and the message re-enters the mutex to be delivered or rejected. Public
 * methods are thread-safe.
 */
@SuppressWarnings("try") // lock scopes are try-with-resources whose variable is never read
public final class GossipRouter {
  private static final Logger log = LoggerFactory.getLogger(GossipRouter.class);

  /** Upper bound on a PRUNE backoff we honour (a hostile huge value must not overflow time). */
  static final long MAX_BACKOFF_SECONDS = 24 * 3600;

  /**
   * Backoff announced in the PRUNEs of {@link #close()}. The unsubscribe backoff keeps a peer from
   * re-grafting a node that merely left a topic; a node that shuts down closes its connections, so
   * nobody can graft it anyway, while a long backoff would make every peer refuse (and penalise)
   * the GRAFTs of the same node restarted with the same identity, as a StatefulSet pod is: its
   * meshes stayed empty for the whole 60 s PRUNE backoff those refusals announce.
   */
  static final Duration SHUTDOWN_PRUNE_BACKOFF = Duration.ofSeconds(1);

  /** Bounds on the message cache: entries and bytes. */
  static final int MAX_CACHED_MESSAGES = 100_000;

  static final long MAX_CACHED_BYTES = 256L << 20;

  /** Bound on the seen cache entries. */
  static final int MAX_SEEN = 1_000_000;

  /** Router time at construction (one day, so a zero "never" in a table is always long past). */
  static final long ROUTER_TIME_ORIGIN_MILLIS = Duration.ofDays(1).toMillis();

  // ---- configuration ---------------------------------------------------------------------
  private final PeerId self;
  private final ByteString selfBytes;
  private final PrivKey privKey;
  private final SignaturePolicy signaturePolicy;
  private final MessageIdFunction msgIdFn;
  private final RpcLimits limits;
  private final RouterScheduler scheduler;
  private final RandomGenerator random;
  private final Executor validationExecutor;
  private final Executor deliveryExecutor;
  /** Deliveries the delivery executor refused (full or shut down); counted outside the mutex. */
  private final AtomicLong deliveriesRefused = new AtomicLong();
  private final WarnLimiter deliveryRefusalLog = new WarnLimiter(ValidationPipeline.REFUSAL_LOG_INTERVAL_NANOS);
  private final PeerDialer dialer;
  private final List<RouterObserver> observers = new CopyOnWriteArrayList<>();
  private final boolean peerExchange;
  private final SlowPeerPolicy slowPeerPolicy;
  private final int maxTopicsPerPeer;
  private final Set<PeerId> directPeers;
  /** Direct peers that GRAFTed us (so do not have us as theirs), warned about once; at most directPeers. */
  private final Set<PeerId> oneSidedDirectPeers = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Stopwatch for lock-hold and heartbeat-duration measurements only; never for protocol time. */
  private final LongSupplier nanoTime;
  private final long originNanos;
  private final Duration validationTimeout;
  private final RouterMutex mutex;
  /** v1.3 Extensions per stream (hooks marked "v1.3 hook"). */
  private final ExtensionsState extensions;
  /** v1.3 partial-messages extension (hooks marked "partial hook"). */
  private final io.topicmesh.node.pubsub.router.partial.PartialMessages partial;
  /** Batch publishing: a local message's batch until the message is validated (hooks marked "batch publishing hook"). */
  private final Map<MessageId, PublishBatch> batchOf = new HashMap<>();
  /** Per-topic mesh degrees over {@link #params} (hooks marked "per-topic degrees hook"). */
  private final TopicMeshTable topicMesh = new TopicMeshTable();

  /** What happens to a peer whose data lane overflows. */
  public enum SlowPeerPolicy {
    /** Drop the message, count it. */
    DROP,
    /** Drop and add a P7 behaviour penalty. */
    PENALISE,
    /** Drop and close the peer's stream. */
    DISCONNECT
  }

  // ---- state (guarded by mutex) ------------------------------------------------------------
  private GossipParams params;
  private PeerScoreThresholds thresholds;
  /** Replacements waiting for the next heartbeat (set through the mutex like everything else). */
  private GossipParams pendingParams;
  private PeerScoreParams pendingScoreParams;
  private PeerScoreThresholds pendingThresholds;
  private final Map<PeerId, Peer> peers = new LinkedHashMap<>();
  private final Map<String, Set<PeerId>> topicPeers = new HashMap<>();
  private final Map<String, Set<PeerId>> mesh = new LinkedHashMap<>();
  private final Map<String, Set<PeerId>> fanout = new LinkedHashMap<>();
  private final Map<String, Long> lastPublished = new HashMap<>();
  private final Map<String, Consumer<ReceivedMessage>> subscriptions = new LinkedHashMap<>();
  private final BackoffTable backoff = new BackoffTable();
  private final IWantPromises promises = new IWantPromises();
  private final MessageCache<PeerId> mcache;
  private final SeenCache<MessageId> seen;
  private final PeerScore score;
  private final SignatureVerifier verifier;
  private final ValidationPipeline validation;
  /**
   * Peers with queued output, in the order they were first queued (each once: {@link Peer#dirty}).
   * A list and a flag rather than a hash set: no hash-set node per queued RPC, no identity hash.
   */
  private final ArrayList<Peer> dirty = new ArrayList<>();
  private Map<PeerId, Double> scoreCache;
  /** Connected peers that speak floodsub only (recipients() looks for them only when there are some). */
  private int floodsubPeers;
  /** {@link #heartbeatTicks} boxed once per heartbeat, for the IDONTWANT tables. */
  private Long heartbeatTicksBoxed = 0L;
  private long heartbeatTicks;
  /** Taken by publishing threads: messages are signed on the caller's thread, outside the mutex. */
  private final AtomicLong seqno;
  private int dialsThisHeartbeat;
  private boolean running;
  private RouterScheduler.Cancellable heartbeatTask;
  /** Bumped by start() and stop(): a tick of an older chain finds it changed and ends quietly. */
  private long heartbeatChain;
  /** See {@link Builder#verifyOnReceivingThread}. */
  private final boolean verifyOnReceivingThread;
  /** Under the mutex: the RPC being handled is run by the thread that received it. */
  private boolean onReceivingThread;

  private static final class Peer {
    final PeerId id;
    final PubsubProtocol protocol;
    final Direction direction;
    final PeerOutbox outbox;
    final Set<String> topics = new LinkedHashSet<>();
    final LinkedHashMap<MessageId, Long> dontWant = new LinkedHashMap<>();
    /** This peer's score record, looked up once (stable while the peer is connected). */
    PeerScore.Stats scoreStats;
    boolean closed;
    /** In {@link GossipRouter#dirty}. */
    boolean dirty;
    boolean topicCapLogged;
    int ihavesThisHeartbeat;
    int idsAskedThisHeartbeat;

    Peer(PeerId id, PubsubProtocol protocol, Direction direction, PeerSender sender) {
      this.id = id;
      this.protocol = protocol;
      this.direction = direction;
      this.outbox = new PeerOutbox(id, sender);
    }
  }

  private GossipRouter(Builder b) {
    this.self = Objects.requireNonNull(b.self, "self");
    this.selfBytes = ByteString.copyFrom(self.bytes());
    this.privKey = b.privKey;
    this.verifyOnReceivingThread = b.verifyOnReceivingThread;
    this.signaturePolicy = b.signaturePolicy;
    if (signaturePolicy == SignaturePolicy.STRICT_SIGN && privKey == null) {
      throw new IllegalArgumentException("STRICT_SIGN needs the node's private key");
    }
    this.msgIdFn =
        b.msgIdFn != null
            ? b.msgIdFn
            : signaturePolicy == SignaturePolicy.STRICT_SIGN
                ? MessageIdFunction.FROM_AND_SEQNO
                : MessageIdFunction.CONTENT_SHA256;
    this.limits = b.limits;
    this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
    this.originNanos = scheduler.nanoTime();
    this.random = Objects.requireNonNull(b.random, "random");
    this.validationExecutor = Objects.requireNonNull(b.validationExecutor, "validationExecutor");
    this.deliveryExecutor = Objects.requireNonNull(b.deliveryExecutor, "deliveryExecutor");
    this.dialer = b.dialer;
    this.observers.addAll(b.observers);
    this.peerExchange = b.peerExchange;
    this.slowPeerPolicy = b.slowPeerPolicy;
    this.maxTopicsPerPeer = b.maxTopicsPerPeer;
    this.directPeers = Set.copyOf(b.directPeers);
    this.nanoTime = b.nanoTime;
    this.validationTimeout = b.validationTimeout;
    this.extensions = new ExtensionsState(new ControlExtensions(b.partialMessages, b.testExtension));
    this.params = b.params;
    this.thresholds = b.thresholds;
    this.mcache = new MessageCache<>(
            params.historyLength(), params.historyGossip(), MAX_CACHED_MESSAGES, MAX_CACHED_BYTES);
    this.seen = new SeenCache<>(params.seenTtl().toMillis(), MAX_SEEN, this::nowMillis);
    this.score = new PeerScore(b.scoreParams, b.appSpecificScore, params.seenTtl().toMillis());
    this.mutex =
        new RouterMutex(
            b.inboxHighWater, nanoTime, b.longHold, b.lockListener, b.inboxDrainBudget, b.inboxDrainTime,
            b.inboxDrainExecutor, b.mutexCpuTime);
    this.mutex.setReleaseHook(this::collectOutbound);
    this.partial = new io.topicmesh.node.pubsub.router.partial.PartialMessages(
        b.partialMessages, b.partialLimits, mutex, new PartialHost(), nanoTime);
    this.verifier =
        new SignatureVerifier(
            signaturePolicy,
            validationExecutor,
            mutex,
            pv -> reject(pv.source(), pv.id(), pv.message(), RejectReason.VALIDATION_THROTTLED),
            nanoTime);
    this.validation = new ValidationPipeline(validationExecutor, scheduler, mutex, validationTimeout, nanoTime);
    // The seqno seed is the one use of wall time: restarted with the same key, the node must not
    // reuse seqnos it sent before (they would be taken for duplicates under from+seqno ids).
    this.seqno = new AtomicLong(b.wallClock.millis() * 1_000_000L);
  }

  /**
   * Router time in milliseconds: {@link #ROUTER_TIME_ORIGIN_MILLIS} plus the monotonic time elapsed
   * on the scheduler since this router was built. Every protocol duration is measured on it; the
   * origin keeps "never" (a zero in a table) long in the past.
   */
  private long nowMillis() {
    return ROUTER_TIME_ORIGIN_MILLIS + Math.floorDiv(scheduler.nanoTime() - originNanos, 1_000_000L);
  }

  public static Builder builder(PeerId self) {
    return new Builder(self);
  }

  public PeerId self() {
    return self;
  }

  public void addObserver(RouterObserver o) {
    observers.add(o);
  }

  // =========================================================================================
  // Host API
  // =========================================================================================

  /**
   * A pubsub stream to {@code peer} is up. Never blocks. Returns false if {@code protocolId} is not
   * one we speak (the host should not have negotiated it).
   *
   * @param remoteIp the peer's IP (for P6 colocation scoring; loopback addresses are not counted), or
   *     null
   */
  public boolean addPeer(
      PeerId peer, String protocolId, Direction direction, InetAddress remoteIp, PeerSender sender) {
    Optional<PubsubProtocol> proto = PubsubProtocol.fromId(protocolId);
    if (proto.isEmpty()) {
      return false;
    }
    // Loopback is not counted for IP colocation (P6), as in go-libp2p-pubsub: every connection
    // accepted on loopback comes from the one source the kernel picks (127.0.0.1) whatever the
    // dialer's own address, so a node with more inbound peers than the threshold would score all of
    // them negative, refuse their GRAFTs and stay below Dlo (issue 14, `local --nodes 40`).
    String ip = remoteIp == null || remoteIp.isLoopbackAddress() ? null : remoteIp.getHostAddress();
    mutex.execute("addPeer", () -> doAddPeer(peer, proto.get(), direction, ip, sender));
    return true;
  }

  /** The peer's pubsub stream is gone. Never blocks. */
  public void removePeer(PeerId peer) {
    mutex.execute("removePeer", () -> doRemovePeer(peer));
  }

  /**
   * An RPC arrived from {@code peer}. Never blocks; returns false when the router inbox is above
   * its high-water mark (apply backpressure).
   */
  public boolean onRpc(PeerId peer, Rpc rpc) {
    if (!verifyOnReceivingThread) {
      return mutex.execute("rpc", () -> handleRpc(peer, rpc));
    }
    Thread receiver = Thread.currentThread();
    return mutex.execute(
        "rpc",
        () -> {
          // Run by the receiving thread itself (the mutex was free): its signature checks may run
          // on it too, after release. Drained by another holder: they go to the executor.
          onReceivingThread = Thread.currentThread() == receiver;
          try {
            handleRpc(peer, rpc);
          } finally {
            onReceivingThread = false;
          }
        });
  }

  /**
   * A frame from {@code peer} could not be decoded (malformed or over a limit). Counted for
   * observers; the host decides whether to keep the stream (a too-long frame cannot be skipped).
   */
  public void onInvalidRpc(PeerId peer, io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason reason) {
    mutex.execute("invalidRpc", () -> emit(o -> o.invalidRpc(peer, reason)));
  }

  /** The peer's channel writability changed; RPCs wait in the peer's queue while not writable. */
  public void setWritable(PeerId peer, boolean writable) {
    mutex.execute(
        "writability",
        () -> {
          Peer p = peers.get(peer);
          if (p != null) {
            p.outbox.setWritable(writable);
            if (writable) {
              markDirty(p);
            }
          }
        });
  }

  public int inboxDepth() {
    return mutex.inboxDepth();
  }

  // =========================================================================================
  // Application API
  // =========================================================================================

  /**
   * Joins {@code topic}; validated messages go to {@code handler} on the delivery executor. Waits
   * for the mutex: call from application threads, not from event loops ({@link #publish} is safe
   * anywhere).
   */
  public void subscribe(String topic, Consumer<ReceivedMessage> handler) {
    Objects.requireNonNull(handler);
    try (var l = mutex.lock("subscribe")) {
      boolean fresh = subscriptions.put(topic, handler) == null;
      if (fresh) {
        join(topic);
      }
    }
  }

  /** Leaves {@code topic}: PRUNEs the mesh with the unsubscribe backoff. */
  public void unsubscribe(String topic) {
    try (var l = mutex.lock("unsubscribe")) {
      if (subscriptions.remove(topic) != null) {
        leave(topic, params.unsubscribeBackoff().toMillis());
      }
    }
  }

  public void addValidator(String topic, Validator v) {
    try (var l = mutex.lock("addValidator")) {
      validation.addValidator(topic, v);
    }
  }

  /**
   * Publishes {@code data} on {@code topic}: signs per the policy, runs the topic's validators,
   * then sends to peers (flood publish, or mesh/fanout). The future completes once queued, or
   * exceptionally with a {@link PublishException} whose reason says why not (too large, duplicate,
   * a validator's verdict, a full or shut-down validation executor).
   */
  public CompletableFuture<PublishResult> publish(String topic, byte[] data) {
    CompletableFuture<PublishResult> f = new CompletableFuture<>();
    // from, seqno, signature and key fit in 1 KiB; a bigger message could never be sent whole
    if ((long) data.length + topic.length() + 1024 > limits.maxRpcSize()) {
      f.completeExceptionally(
          new PublishException(
              PublishException.Reason.TOO_LARGE,
              "message of " + data.length + " bytes exceeds maxRpcSize " + limits.maxRpcSize()));
      return f;
    }
    // Signed here, on the caller's thread: signing is the publish's costliest step and needs no
    // router table, so it stays out of the mutex (as go-libp2p-pubsub signs in the publishing
    // goroutine, before the event loop).
    PubsubMessage m = buildMessage(topic, ByteString.copyFrom(data));
    // Never blocks: safe from event loops and from delivery handlers.
    mutex.execute(
        "publish",
        () -> {
          MessageId id = msgIdFn.apply(m);
          if (!seen.add(id)) {
            f.completeExceptionally(
                new PublishException(PublishException.Reason.DUPLICATE, "duplicate message id " + id));
            return;
          }
          // IDONTWANT on publish, as go-libp2p-pubsub (>= v0.14) does: tell mesh peers before the
          // message goes out, so none of them sends our own message back to us
          sendIdontwant(null, id, m);
          startValidation(new PendingMessage(self, id, m, nowMillis(), f));
        });
    return f;
  }

  /**
   * Publishes a batch of messages on {@code topic}, as go-libp2p-pubsub's {@code PublishBatch}:
   * each is signed and validated like {@link #publish}, then the valid ones are queued together,
   * every message's first copy before any second copy ({@link PublishBatch}). The future completes
   * when all are queued, with a result per message in order; when any message was refused (a
   * validator, a duplicate id, a full validation queue) it fails with a {@link
   * BatchPublishException} holding each refused message's {@link PublishException} by index, the
   * others being published. A batch holding a message too large to send is refused whole ({@link
   * PublishException} TOO_LARGE), one of 0 or more than {@link #MAX_BATCH} messages with {@link
   * IllegalArgumentException}. Never blocks.
   */
  /** The most messages one {@link #publishBatch} takes. */
  public static final int MAX_BATCH = 1024;

  public CompletableFuture<List<PublishResult>> publishBatch(String topic, List<byte[]> data) {
    if (data.isEmpty() || data.size() > MAX_BATCH) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(
          "a batch holds 1 to " + MAX_BATCH + " messages, got " + data.size()));
    }
    for (byte[] d : data) {
      if ((long) d.length + topic.length() + 1024 > limits.maxRpcSize()) {
        return CompletableFuture.failedFuture(new PublishException(PublishException.Reason.TOO_LARGE,
            "message of " + d.length + " bytes exceeds maxRpcSize " + limits.maxRpcSize()));
      }
    }
    // Signed on the caller's thread, outside the mutex (see publish): a batch of 1024 signatures
    // would otherwise hold the mutex for tens of milliseconds.
    List<PubsubMessage> messages = data.stream().map(d -> buildMessage(topic, ByteString.copyFrom(d))).toList();
    List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      futures.add(new CompletableFuture<>());
    }
    mutex.execute(
        "publishBatch",
        () -> {
          PublishBatch batch = new PublishBatch();
          List<PendingMessage> pending = new ArrayList<>();
          for (int i = 0; i < messages.size(); i++) {
            PubsubMessage m = messages.get(i);
            MessageId id = msgIdFn.apply(m);
            if (!seen.add(id)) {
              futures.get(i).completeExceptionally(
                  new PublishException(PublishException.Reason.DUPLICATE, "duplicate message id " + id));
              continue;
            }
            sendIdontwant(null, id, m);
            batch.add(id);
            batchOf.put(id, batch);
            pending.add(new PendingMessage(self, id, m, nowMillis(), futures.get(i)));
          }
          for (PendingMessage pv : pending) {
            startValidation(pv);
          }
        });
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .handle((v, err) -> {
          List<PublishResult> out = new ArrayList<>();
          Map<Integer, Throwable> failed = new LinkedHashMap<>();
          for (int i = 0; i < futures.size(); i++) {
            try {
              out.add(futures.get(i).join());
            } catch (CompletionException | CancellationException e) {
              Throwable c = e.getCause() != null ? e.getCause() : e;
              failed.put(i, c);
            }
          }
          if (!failed.isEmpty()) {
            throw new CompletionException(new BatchPublishException(futures.size(), out.size(), failed));
          }
          return out;
        });
  }

  /**
   * Graceful shutdown: stops the heartbeat and leaves every topic, so mesh peers get a PRUNE with
   * {@link #SHUTDOWN_PRUNE_BACKOFF}; the PRUNEs are flushed to the senders before this returns.
   */
  public void close() {
    stop();
    try (var l = mutex.lock("close")) {
      long backoffMillis = Math.min(params.unsubscribeBackoff().toMillis(), SHUTDOWN_PRUNE_BACKOFF.toMillis());
      for (String topic : List.copyOf(subscriptions.keySet())) {
        subscriptions.remove(topic);
        leave(topic, backoffMillis);
      }
    }
  }

  /** The configured direct peers (never in a mesh; every message is sent to them). */
  public Set<PeerId> directPeers() {
    return directPeers;
  }

  /** The policy every topic's messages are signed and checked under. */
  public SignaturePolicy signaturePolicy() {
    return signaturePolicy;
  }

  /** Replaces the overlay parameters at the next heartbeat; meshes are kept. */
  public void setParams(GossipParams p) {
    Objects.requireNonNull(p);
    mutex.execute("setParams", () -> pendingParams = p);
  }

  /**
   * Overrides the mesh degrees of {@code topic} (null: back to the global {@link GossipParams}),
   * from the next heartbeat on, like {@link #setParams}. Valid by construction; fails when
   * {@link TopicMeshTable#MAX_TOPICS} topics already carry an override.
   */
  public void setTopicMeshParams(String topic, TopicMeshParams p) {
    topicMesh.stage(Objects.requireNonNull(topic, "topic"), p);
  }

  /** The mesh degrees {@code topic} runs with now (its override, else the global ones). */
  public TopicMeshParams meshParams(String topic) {
    try (var l = mutex.lock("meshParams")) {
      return meshParamsOf(topic);
    }
  }

  /** The per-topic overrides asked for (in force from the next heartbeat, if not already). */
  public Map<String, TopicMeshParams> topicMeshOverrides() {
    return topicMesh.overrides();
  }

  /** Replaces the score parameters at the next heartbeat. */
  public void setScoreParams(PeerScoreParams p) {
    Objects.requireNonNull(p);
    mutex.execute("setScoreParams", () -> pendingScoreParams = p);
  }

  /** Replaces the score thresholds at the next heartbeat. */
  public void setThresholds(PeerScoreThresholds t) {
    Objects.requireNonNull(t);
    mutex.execute("setThresholds", () -> pendingThresholds = t);
  }

  /** Starts the heartbeat after {@link GossipParams#heartbeatInitialDelay()}. */
  public void start() {
    try (var l = mutex.lock("start")) {
      if (running) {
        return;
      }
      running = true;
      long chain = ++heartbeatChain;
      heartbeatTask = scheduler.schedule(() -> heartbeatTick(chain), params.heartbeatInitialDelay().toMillis());
    }
  }

  /**
   * Runs one heartbeat now, on the calling thread (waiting for the mutex), for hosts that drive
   * the heartbeat themselves, such as a simulator on virtual time. Use it instead of {@link
   * #start()}; mixing both only adds heartbeats.
   */
  public void heartbeatNow() {
    try (var l = mutex.lock("heartbeat")) {
      heartbeat();
    }
  }

  /** Stops the heartbeat; the router keeps its tables. */
  public void stop() {
    try (var l = mutex.lock("stop")) {
      running = false;
      heartbeatChain++;
      if (heartbeatTask != null) {
        heartbeatTask.cancel();
        heartbeatTask = null;
      }
    }
  }

  // ---- introspection (snapshots) -------------------------------------------------------------

  /**
   * Everything a status page or readiness check needs, under one acquisition of the mutex.
   *
   * @param scored peers whose score to include (a peer unknown to the router scores as such)
   */
  public RouterStatus status(Collection<PeerId> scored) {
    try (var l = mutex.lock("status")) {
      Map<String, RouterStatus.Topic> topics = new TreeMap<>();
      for (String t : subscriptions.keySet()) {
        topics.put(
            t,
            new RouterStatus.Topic(
                Set.copyOf(mesh.getOrDefault(t, Set.of())),
                Set.copyOf(fanout.getOrDefault(t, Set.of())),
                Set.copyOf(topicPeers.getOrDefault(t, Set.of()))));
      }
      Map<PeerId, Double> scores = new LinkedHashMap<>();
      for (PeerId id : scored) {
        scores.put(id, scoreOf(id));
      }
      return new RouterStatus(
          params,
          heartbeatTicks,
          Set.copyOf(peers.keySet()),
          directPeers,
          Collections.unmodifiableMap(topics),
          Collections.unmodifiableMap(scores));
    }
  }

  public GossipParams params() {
    try (var l = mutex.lock("inspect")) {
      return params;
    }
  }

  /** The score parameters in effect (a pending replacement applies at the next heartbeat). */
  public PeerScoreParams scoreParams() {
    try (var l = mutex.lock("inspect")) {
      return score.params();
    }
  }

  public Set<PeerId> meshPeers(String topic) {
    try (var l = mutex.lock("inspect")) {
      return Set.copyOf(mesh.getOrDefault(topic, Set.of()));
    }
  }

  public Set<PeerId> fanoutPeers(String topic) {
    try (var l = mutex.lock("inspect")) {
      return Set.copyOf(fanout.getOrDefault(topic, Set.of()));
    }
  }

  public Set<PeerId> topicPeers(String topic) {
    try (var l = mutex.lock("inspect")) {
      return Set.copyOf(topicPeers.getOrDefault(topic, Set.of()));
    }
  }

  public Set<PeerId> peers() {
    try (var l = mutex.lock("inspect")) {
      return Set.copyOf(peers.keySet());
    }
  }

  public Set<String> subscriptions() {
    try (var l = mutex.lock("inspect")) {
      return Set.copyOf(subscriptions.keySet());
    }
  }

  public double score(PeerId peer) {
    try (var l = mutex.lock("inspect")) {
      return scoreOf(peer);
    }
  }

  /** Remaining backoff for (peer, topic) in milliseconds, 0 if none. */
  public long backoffMillis(PeerId peer, String topic) {
    try (var l = mutex.lock("inspect")) {
      return backoff.remaining(peer, topic, nowMillis());
    }
  }

  public int outboundQueueDepth(PeerId peer) {
    try (var l = mutex.lock("inspect")) {
      Peer p = peers.get(peer);
      return p == null ? 0 : p.outbox.depth();
    }
  }

  /** v1.3: what the peer advertised in its Extensions message; empty before its first RPC or on older versions. */
  public Optional<ControlExtensions> peerExtensions(PeerId peer) {
    try (var l = mutex.lock("peerExtensions")) {
      return Optional.ofNullable(extensions.theirs(peer));
    }
  }

  /** v1.3 partial messages: the application API (enable a topic, publish and request parts, groups). */
  public io.topicmesh.node.pubsub.router.partial.PartialMessages partialMessages() {
    return partial;
  }

  /** What the partial-messages extension may use of the router; called under the mutex. */
  private final class PartialHost implements io.topicmesh.node.pubsub.router.partial.PartialMessages.Host {
    @Override
    public Set<PeerId> meshPeers(String topic) {
      return mesh.getOrDefault(topic, Set.of());
    }

    @Override
    public Set<PeerId> topicPeers(String topic) {
      return topicPeers.getOrDefault(topic, Set.of());
    }

    @Override
    public boolean extensionWith(PeerId peer) {
      return extensions.partialMessagesWith(peer);
    }

    @Override
    public void send(PeerId peer, io.topicmesh.node.pubsub.wire.PartialMessageRpc rpc) {
      enqueueControl(peers.get(peer), q -> q.addExtensionRpc(Rpc.ofPartial(rpc)));
    }

    @Override
    public void announce(String topic) {
      if (subscriptions.containsKey(topic)) {
        for (Peer p : peers.values()) {
          enqueueControl(p, q -> q.addSub(partial.subOpts(topic, true)));
        }
      }
    }

    @Override
    public void deliver(
        Consumer<io.topicmesh.node.pubsub.router.partial.PartialEvent> listener,
        io.topicmesh.node.pubsub.router.partial.PartialEvent event) {
      try {
        deliveryExecutor.execute(() -> {
          try {
            listener.accept(event);
          } catch (RuntimeException e) {
            log.warn("partial-messages listener of {} failed: {}", event.topic(), e.toString());
          }
        });
      } catch (RejectedExecutionException e) {
        deliveriesRefused.incrementAndGet();
        log.debug("partial message on {} not delivered: the delivery executor refused it", event.topic());
      }
    }
  }

  public long heartbeatTicks() {
    try (var l = mutex.lock("inspect")) {
      return heartbeatTicks;
    }
  }

  /** The mutex, for lock diagnostics and tests. */
  public RouterMutex mutex() {
    return mutex;
  }

  // =========================================================================================
  // Peers
  // =========================================================================================

  private void doAddPeer(PeerId id, PubsubProtocol proto, Direction dir, String ip, PeerSender sender) {
    if (peers.containsKey(id)) {
      doRemovePeer(id); // a new stream replaces the old one
    }
    Peer p = new Peer(id, proto, dir, sender);
    peers.put(id, p);
    // v1.3 hook: our Extensions message rides in the stream's first RPC
    ControlExtensions hello = extensions.onNewStream(id, proto);
    if (hello != null) {
      p.outbox.lanes().setExtensions(hello);
      markDirty(p);
    }
    p.scoreStats = score.addPeer(id, ip, nowMillis());
    if (!proto.isGossipsub()) {
      floodsubPeers++;
    }
    for (String topic : subscriptions.keySet()) {
      enqueueControl(p, q -> q.addSub(partial.subOpts(topic, true))); // partial hook
    }
    emit(o -> o.peerAdded(id, proto, dir));
    log.debug("pubsub peer {} added ({}, {})", id, proto.id(), dir);
  }

  private void doRemovePeer(PeerId id) {
    Peer p = peers.remove(id);
    if (p == null) {
      return;
    }
    p.closed = true;
    if (!p.protocol.isGossipsub()) {
      floodsubPeers--;
    }
    if (p.dirty) {
      p.dirty = false;
      dirty.remove(p);
    }
    extensions.onStreamClosed(id); // v1.3 hook
    partial.onPeerRemoved(id); // partial hook
    for (String topic : p.topics) {
      removeFromTopic(topic, id);
      Set<PeerId> m = mesh.get(topic);
      if (m != null && m.remove(id)) {
        emit(o -> o.pruned(id, topic, PruneReason.DISCONNECTED));
      }
      Set<PeerId> f = fanout.get(topic);
      if (f != null) {
        f.remove(id);
      }
    }
    score.removePeer(id, nowMillis());
    emit(o -> o.peerRemoved(id, p.protocol));
    log.debug("pubsub peer {} removed", id);
  }

  private void removeFromTopic(String topic, PeerId id) {
    Set<PeerId> s = topicPeers.get(topic);
    if (s != null) {
      s.remove(id);
      if (s.isEmpty()) {
        topicPeers.remove(topic);
      }
    }
  }

  // =========================================================================================
  // Inbound RPC
  // =========================================================================================

  private void handleRpc(PeerId from, Rpc rpc) {
    Peer p = peers.get(from);
    if (p == null) {
      return;
    }
    if (!observers.isEmpty()) {
      emit(o -> o.rpcReceived(from, rpc));
    }
    handleExtensions(p, rpc); // v1.3 hook: before the graylist check, a first RPC is never lost
    if (!directPeers.contains(from) && scoreOf(p) < thresholds.graylistThreshold()) {
      emit(o -> o.graylisted(from));
      return;
    }
    // Indexed loops: a for-each allocated an iterator per list and RPC.
    List<SubOpts> subs = rpc.subscriptions();
    for (int i = 0, n = subs.size(); i < n; i++) {
      handleSubscription(p, subs.get(i));
    }
    List<PubsubMessage> pub = rpc.publish();
    for (int i = 0, n = pub.size(); i < n; i++) {
      handleMessage(p, pub.get(i));
    }
    if (p.protocol.isGossipsub() && !rpc.control().isEmpty()) {
      handleControl(p, rpc.control());
    }
    if (rpc.partial() != null) {
      partial.onRpc(p.id, rpc.partial()); // partial hook
    }
  }

  /** v1.3: the peer's Extensions (first RPC only), and the test extension's exchange. */
  private void handleExtensions(Peer p, Rpc rpc) {
    switch (extensions.onRpc(p.id, rpc)) {
      case FIRST -> {
        ControlExtensions theirs = extensions.theirs(p.id);
        emit(o -> o.extensionsReceived(p.id, theirs));
      }
      case MISBEHAVIOUR -> {
        score.addPenalty(p.id, ExtensionsState.MISBEHAVIOUR_PENALTY);
        emit(o -> o.extensionsMisbehaviour(p.id));
        log.debug("pubsub peer {} sent an Extensions message after its first RPC: ignored, penalised", p.id);
      }
      case NOTHING -> {}
    }
    if (extensions.takeTestExtensionDue(p.id)) {
      enqueueControl(p, q -> q.addExtensionRpc(Rpc.ofTestExtension()));
    }
    if (rpc.testExtension() && extensions.testExtensionWith(p.id)) {
      emit(o -> o.testExtensionReceived(p.id));
    }
  }

  private void handleSubscription(Peer p, SubOpts s) {
    String topic = s.topic();
    partial.onSubscription(p.id, s); // partial hook
    if (s.subscribe()) {
      if (p.topics.contains(topic)) {
        return;
      }
      if (p.topics.size() >= maxTopicsPerPeer) {
        if (!p.topicCapLogged) {
          p.topicCapLogged = true; // once per peer: a flood must not flood the log too
          log.warn("pubsub peer {} subscribed to more than {} topics (maxTopicsPerPeer): its further subscriptions"
              + " are ignored", p.id, maxTopicsPerPeer);
        }
        return;
      }
      p.topics.add(topic);
      topicPeers.computeIfAbsent(topic, k -> new LinkedHashSet<>()).add(p.id);
    } else if (p.topics.remove(topic)) {
      removeFromTopic(topic, p.id);
      Set<PeerId> m = mesh.get(topic);
      if (m != null && m.remove(p.id)) {
        score.prune(p.id, topic);
        emit(o -> o.pruned(p.id, topic, PruneReason.PEER_UNSUBSCRIBED));
      }
      Set<PeerId> f = fanout.get(topic);
      if (f != null) {
        f.remove(p.id);
      }
    }
  }

  private void handleMessage(Peer p, PubsubMessage m) {
    String topic = m.topic();
    if (!subscriptions.containsKey(topic)) {
      return; // go-libp2p-pubsub drops messages for topics we are not in
    }
    long now = nowMillis();
    MessageId id;
    try {
      id = msgIdFn.apply(m);
    } catch (RuntimeException e) {
      reject(p.id, null, m, RejectReason.VALIDATION_FAILED);
      return;
    }
    promises.fulfilled(id);
    if (m.hasFrom() && m.from().equals(selfBytes)) {
      emit(o -> o.rejected(topic, id, p.id, RejectReason.SELF_ORIGIN));
      return;
    }
    if (seen.contains(id)) {
      score.duplicateMessage(p.id, id, topic, now);
      emit(o -> o.duplicate(topic, id, p.id));
      return;
    }
    PendingMessage pv = new PendingMessage(p.id, id, m, now, null);
    if (signaturePolicy == SignaturePolicy.STRICT_NO_SIGN) {
      Optional<RejectReason> bad = MessageSigning.check(m, signaturePolicy);
      if (bad.isPresent()) {
        reject(p.id, id, m, bad.get());
        return;
      }
      sendIdontwant(p, id, m);
      admit(pv);
      return;
    }
    switch (verifier.offer(pv)) {
      case VERIFY -> {
        // As go-libp2p-pubsub does, IDONTWANT goes out on arrival, before the signature is checked.
        sendIdontwant(p, id, m);
        verifier.verify(pv, this::finishVerification, onReceivingThread);
      }
      case WAIT -> {}
      case DUPLICATE -> {
        score.duplicateMessage(p.id, id, topic, now);
        emit(o -> o.duplicate(topic, id, p.id));
      }
      case THROTTLED -> reject(p.id, id, m, RejectReason.VALIDATION_THROTTLED);
    }
  }

  private void finishVerification(PendingMessage pv, Optional<RejectReason> bad) {
    MessageId id = pv.id();
    if (bad.isPresent()) {
      // Not marked seen: a forged copy must not shadow the genuine message.
      reject(pv.source(), id, pv.message(), bad.get());
      PendingMessage next = verifier.nextCopy(id);
      if (next != null && !seen.contains(id)) {
        verifier.verify(next, this::finishVerification);
      } else {
        verifier.forget(id);
      }
      return;
    }
    Collection<PendingMessage> waiting = verifier.verified(id);
    long now = nowMillis();
    for (PendingMessage dup : waiting) {
      score.duplicateMessage(dup.source(), id, dup.message().topic(), now);
      emit(o -> o.duplicate(dup.message().topic(), id, dup.source()));
    }
    if (seen.contains(id)) {
      score.duplicateMessage(pv.source(), id, pv.message().topic(), now);
      emit(o -> o.duplicate(pv.message().topic(), id, pv.source()));
      return;
    }
    if (!subscriptions.containsKey(pv.message().topic())) {
      return; // unsubscribed while verifying
    }
    admit(pv);
  }

  private void admit(PendingMessage pv) {
    seen.add(pv.id());
    score.validateMessage(pv.source(), pv.id(), pv.receivedAt());
    startValidation(pv);
  }

  private void reject(PeerId from, MessageId id, PubsubMessage m, RejectReason reason) {
    score.rejectMessage(from, id, m.topic(), reason);
    emit(o -> o.rejected(m.topic(), id, from, reason));
    log.debug("pubsub message on {} from {} rejected: {}", m.topic(), from, reason);
  }

  // ---- validation pipeline -------------------------------------------------------------------

  private void startValidation(PendingMessage pv) {
    if (!validation.hasValidators(pv.message().topic())) {
      accept(pv);
      return;
    }
    if (validation.pending() >= params.maxValidationQueue()) {
      seen.remove(pv.id());
      if (pv.local()) {
        emit(o -> o.rejected(pv.message().topic(), pv.id(), self, RejectReason.VALIDATION_THROTTLED));
        pv.publish()
            .completeExceptionally(
                new PublishException(
                    PublishException.Reason.QUEUE_FULL,
                    "validation queue full: " + params.maxValidationQueue() + " messages in validation"));
        batchFailed(pv.id()); // batch publishing hook
      } else {
        reject(pv.source(), pv.id(), pv.message(), RejectReason.VALIDATION_THROTTLED);
      }
      return;
    }
    validation.start(pv, this::finishValidation);
  }

  private void finishValidation(PendingMessage pv, ValidationPipeline.Outcome outcome) {
    if (outcome == ValidationPipeline.Outcome.ACCEPT) {
      accept(pv);
      return;
    }
    RejectReason reason = outcome.rejectReason();
    if (outcome == ValidationPipeline.Outcome.REFUSED || outcome == ValidationPipeline.Outcome.SHUT_DOWN) {
      seen.remove(pv.id()); // not validated: a later copy may be
    }
    if (pv.local()) {
      emit(o -> o.rejected(pv.message().topic(), pv.id(), self, reason));
      pv.publish().completeExceptionally(publishFailure(outcome));
      batchFailed(pv.id()); // batch publishing hook
      return;
    }
    reject(pv.source(), pv.id(), pv.message(), reason);
  }

  private static PublishException publishFailure(ValidationPipeline.Outcome outcome) {
    return switch (outcome) {
      case REJECT -> new PublishException(PublishException.Reason.REJECTED, "a topic validator rejected the message");
      case IGNORE -> new PublishException(PublishException.Reason.IGNORED, "a topic validator ignored the message");
      case FAILED -> new PublishException(PublishException.Reason.VALIDATOR_FAILED, "a topic validator failed");
      case TIMEOUT ->
          new PublishException(PublishException.Reason.VALIDATION_TIMEOUT, "the topic validators did not answer in time");
      case REFUSED -> new PublishException(PublishException.Reason.QUEUE_FULL, "the validation executor is full");
      case SHUT_DOWN ->
          new PublishException(PublishException.Reason.SHUTTING_DOWN, "the validation executor is shut down");
      case ACCEPT -> throw new IllegalArgumentException("an accepted message did not fail");
    };
  }

  private void accept(PendingMessage pv) {
    PubsubMessage m = pv.message();
    String topic = m.topic();
    long now = nowMillis();
    mcache.put(pv.id(), m);
    if (!pv.local()) {
      score.deliverMessage(pv.source(), pv.id(), topic, now);
    }
    Consumer<ReceivedMessage> handler = subscriptions.get(topic);
    if (handler != null) {
      ReceivedMessage rm = new ReceivedMessage(pv.id(), m, pv.source(), pv.local());
      mutex.afterRelease(() -> deliver(topic, handler, rm));
    }
    PublishBatch batch = pv.local() ? batchOf.remove(pv.id()) : null; // batch publishing hook
    if (batch != null) {
      batch.accepted(pv.id(), pv);
      forwardBatchIfReady(batch);
      return;
    }
    int sent = forward(pv);
    int bytes = m.data().size();
    if (pv.local()) {
      lastPublished.put(topic, now);
      emit(o -> o.published(topic, pv.id(), bytes, sent));
      PublishResult result = new PublishResult(pv.id(), sent);
      mutex.afterRelease(() -> pv.publish().complete(result));
    } else {
      long latency = now - pv.receivedAt();
      emit(o -> o.delivered(topic, pv.id(), pv.source(), bytes, latency));
      emit(o -> o.forwarded(topic, pv.id(), sent));
    }
  }

  /** A batch message failed validation: the batch goes on without it. */
  private void batchFailed(MessageId id) {
    PublishBatch batch = batchOf.remove(id);
    if (batch != null) {
      batch.failed(id);
      forwardBatchIfReady(batch);
    }
  }

  /**
   * Once every message of the batch is validated (or failed), queues the valid ones, every
   * message's first copy before any second copy ({@link PublishBatch}), then completes each
   * message's publish future.
   */
  private void forwardBatchIfReady(PublishBatch batch) {
    if (!batch.ready()) {
      return;
    }
    List<PendingMessage> ok = batch.acceptedInOrder();
    List<List<PeerId>> to = new ArrayList<>();
    for (PendingMessage pv : ok) {
      to.add(List.copyOf(recipients(pv)));
    }
    int[] sent = new int[ok.size()];
    for (PublishBatch.Send s : PublishBatch.roundRobin(to)) {
      PendingMessage pv = ok.get(s.message());
      Peer p = peers.get(s.peer());
      if (p != null && queueMessage(p, pv.id(), pv.message())) {
        sent[s.message()]++;
      }
    }
    long now = nowMillis();
    for (int i = 0; i < ok.size(); i++) {
      PendingMessage pv = ok.get(i);
      String topic = pv.message().topic();
      int bytes = pv.message().data().size();
      int n = sent[i];
      lastPublished.put(topic, now);
      emit(o -> o.published(topic, pv.id(), bytes, n));
      PublishResult result = new PublishResult(pv.id(), n);
      mutex.afterRelease(() -> pv.publish().complete(result));
    }
  }

  /**
   * Hands {@code rm} to the subscriber on the delivery executor (after the mutex is released). A
   * refusing executor (its bounded queue full, or shut down) drops the delivery: counted, and
   * logged at most once per interval. The message is still forwarded and, if local, published.
   */
  private void deliver(String topic, Consumer<ReceivedMessage> handler, ReceivedMessage rm) {
    try {
      deliveryExecutor.execute(
          () -> {
            try {
              handler.accept(rm);
            } catch (RuntimeException e) {
              log.warn("subscriber of {} failed on message {}: {}", topic, rm.id(), e.toString());
            }
          });
    } catch (RejectedExecutionException e) {
      long n = deliveriesRefused.incrementAndGet();
      long suppressed = deliveryRefusalLog.admit("delivery", nanoTime.getAsLong());
      if (suppressed != WarnLimiter.SUPPRESSED) {
        log.warn(
            "pubsub message {} on {} not delivered to the subscriber: the delivery executor refused it"
                + " ({} refusals in all, {} similar warnings suppressed since the last)",
            rm.id(), topic, n, suppressed);
      }
    }
  }

  /** Deliveries to subscribers that the delivery executor refused since start. */
  public long deliveriesRefused() {
    return deliveriesRefused.get();
  }

  /** Sends an accepted message on; returns the number of peers it was queued for. */
  private int forward(PendingMessage pv) {
    int n = 0;
    for (PeerId id : recipients(pv)) {
      Peer p = peers.get(id);
      if (p != null && queueMessage(p, pv.id(), pv.message())) {
        n++;
      }
    }
    return n;
  }

  /** The peers an accepted message goes to: flood publish, or mesh/fanout, plus direct and floodsub peers. */
  private Set<PeerId> recipients(PendingMessage pv) {
    PubsubMessage m = pv.message();
    String topic = m.topic();
    Set<PeerId> inTopic = topicPeers.getOrDefault(topic, Set.of());
    Set<PeerId> to = new LinkedHashSet<>();
    if (pv.local() && params.floodPublish()) {
      for (PeerId id : inTopic) {
        if (directPeers.contains(id) || scoreOf(id) >= thresholds.publishThreshold()) {
          to.add(id);
        }
      }
    } else {
      if (floodsubPeers > 0 || !directPeers.isEmpty()) { // none in most networks: skip the scan
        for (PeerId id : inTopic) {
          Peer p = peers.get(id);
          if (directPeers.contains(id)
              || (p != null && !p.protocol.isGossipsub() && scoreOf(id) >= thresholds.publishThreshold())) {
            to.add(id);
          }
        }
      }
      Set<PeerId> meshPeers = mesh.get(topic);
      if (meshPeers != null) {
        to.addAll(meshPeers);
      } else if (pv.local()) {
        to.addAll(fanoutFor(topic));
      }
    }
    to.remove(pv.source());
    to.removeIf(id -> partial.skipFullMessage(id, topic)); // partial hook: they get partials
    if (m.hasFrom()) {
      try {
        to.remove(PeerId.fromBytes(m.from().toByteArray()));
      } catch (RuntimeException ignored) {
        // StrictSign already validated from; anything else has no author to skip
      }
    }
    return to;
  }

  private Set<PeerId> fanoutFor(String topic) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    Set<PeerId> f = fanout.computeIfAbsent(topic, k -> new LinkedHashSet<>());
    if (f.size() < mp.d()) {
      List<PeerId> candidates =
          candidates(topic, id -> !f.contains(id) && scoreOf(id) >= thresholds.publishThreshold());
      for (PeerId id : pick(candidates, mp.d() - f.size())) {
        f.add(id);
      }
    }
    return f;
  }

  private PubsubMessage buildMessage(String topic, ByteString data) {
    if (signaturePolicy == SignaturePolicy.STRICT_NO_SIGN) {
      return PubsubMessage.anonymous(topic, data);
    }
    long s = seqno.incrementAndGet();
    ByteString seq = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(s).array());
    PubsubMessage m = new PubsubMessage(selfBytes, data, seq, topic, null, null);
    return MessageSigning.sign(m, privKey, self);
  }

  // ---- IDONTWANT (v1.2) ----------------------------------------------------------------------

  private void sendIdontwant(Peer source, MessageId id, PubsubMessage m) {
    if (m.data().size() < params.idontwantThreshold()) {
      return;
    }
    Set<PeerId> meshPeers = mesh.get(m.topic());
    if (meshPeers == null) {
      return;
    }
    // One immutable entry shared by every peer's queue (each RPC still carries its own copy).
    ControlIDontWant entry = new ControlIDontWant(List.of(id));
    java.util.function.Predicate<OutboundQueue> add = q -> q.addIDontWant(entry);
    for (PeerId id2 : meshPeers) {
      Peer p = peers.get(id2);
      if (p == null || p == source || !p.protocol.supportsIdontwant()
          || partial.skipIdontwant(id2, m.topic())) { // partial hook
        continue;
      }
      enqueueControl(p, add);
      if (!observers.isEmpty()) {
        emit(o -> o.idontwantSent(id2, 1));
      }
    }
  }

  // =========================================================================================
  // Control messages
  // =========================================================================================

  private void handleControl(Peer p, ControlMessage c) {
    // Each list is checked before it is walked: most control messages carry one kind only, and a
    // for-each over an empty list still allocated an iterator.
    if (!c.graft().isEmpty()) {
      List<ControlPrune> refusals = new ArrayList<>();
      for (ControlGraft g : c.graft()) {
        handleGraft(p, g.topic(), refusals);
      }
      for (ControlPrune pr : refusals) {
        enqueueControl(p, q -> q.addPrune(pr));
      }
    }
    if (!c.prune().isEmpty()) {
      for (ControlPrune pr : c.prune()) {
        handlePrune(p, pr);
      }
    }
    if (!c.ihave().isEmpty()) {
      handleIHave(p, c.ihave());
    }
    if (!c.iwant().isEmpty()) {
      for (ControlIWant w : c.iwant()) {
        handleIWant(p, w);
      }
    }
    List<ControlIDontWant> idontwant = c.idontwant();
    for (int i = 0, n = idontwant.size(); i < n; i++) {
      handleIDontWant(p, idontwant.get(i));
    }
  }

  private void handleGraft(Peer p, String topic, List<ControlPrune> refusals) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    Set<PeerId> m = mesh.get(topic);
    if (m == null) {
      return; // unknown topic: ignore, and no PX that would leak our peers
    }
    if (m.contains(p.id)) {
      return;
    }
    long now = nowMillis();
    if (directPeers.contains(p.id)) {
      // A peer that has us as its direct peer never GRAFTs us: this one does not, so it has no mesh with
      // us and may never be ready. Said once per direct peer (a bounded set: the configured ones).
      if (oneSidedDirectPeers.add(p.id)) {
        log.warn("GRAFT from direct peer {} on {} refused: it does not name this node as its direct peer, so it"
            + " has no mesh with this node; direct peering must be configured on both nodes", p.id, topic);
      } else {
        log.debug("GRAFT from direct peer {} on {} refused", p.id, topic);
      }
      refusals.add(makePrune(p, topic, false, params.pruneBackoff().toMillis()));
      return;
    }
    Long until = backoff.until(p.id, topic);
    if (until != null && now < until) {
      score.addPenalty(p.id, 1);
      long started = until - params.pruneBackoff().toMillis();
      if (now < started + params.graftFloodThreshold().toMillis()) {
        score.addPenalty(p.id, 1);
      }
      emit(o -> o.graftDuringBackoff(p.id, topic));
      addBackoff(p.id, topic, params.pruneBackoff().toMillis());
      refusals.add(makePrune(p, topic, false, params.pruneBackoff().toMillis()));
      emit(o -> o.pruned(p.id, topic, PruneReason.GRAFT_REFUSED));
      return;
    }
    if (scoreOf(p.id) < 0) {
      addBackoff(p.id, topic, params.pruneBackoff().toMillis());
      refusals.add(makePrune(p, topic, false, params.pruneBackoff().toMillis()));
      emit(o -> o.pruned(p.id, topic, PruneReason.GRAFT_REFUSED));
      return;
    }
    if (m.size() >= mp.dhi() && p.direction != Direction.OUTBOUND) {
      addBackoff(p.id, topic, params.pruneBackoff().toMillis());
      refusals.add(makePrune(p, topic, true, params.pruneBackoff().toMillis()));
      emit(o -> o.pruned(p.id, topic, PruneReason.GRAFT_REFUSED));
      return;
    }
    m.add(p.id);
    score.graft(p.id, topic, now);
    emit(o -> o.grafted(p.id, topic, GraftReason.REMOTE_GRAFT));
  }

  private void handlePrune(Peer p, ControlPrune pr) {
    String topic = pr.topic();
    Set<PeerId> m = mesh.get(topic);
    if (m == null) {
      return;
    }
    if (m.remove(p.id)) {
      score.prune(p.id, topic);
      emit(o -> o.pruned(p.id, topic, PruneReason.REMOTE_PRUNE));
    }
    long seconds =
        pr.backoffSeconds() == null
            ? params.pruneBackoff().toSeconds()
            : Math.min(Math.max(pr.backoffSeconds(), 0), MAX_BACKOFF_SECONDS);
    // Values above MAX_BACKOFF_SECONDS arrive as negative longs too (uint64): clamp both ways.
    if (pr.backoffSeconds() != null && pr.backoffSeconds() < 0) {
      seconds = MAX_BACKOFF_SECONDS;
    }
    addBackoff(p.id, topic, seconds * 1000);
    if (!pr.peers().isEmpty() && peerExchange) {
      if (scoreOf(p.id) < thresholds.acceptPxThreshold()) {
        log.debug("PX from {} on {} ignored: score below acceptPX threshold", p.id, topic);
      } else {
        acceptPx(pr.peers());
      }
    }
  }

  private void acceptPx(List<PeerInfo> px) {
    int n = 0;
    for (PeerInfo info : px) {
      if (n >= params.prunePeers() || dialsThisHeartbeat >= params.maxPendingDials()) {
        return;
      }
      PeerId id;
      try {
        id = PeerId.fromBytes(info.peerId().toByteArray());
      } catch (RuntimeException e) {
        continue;
      }
      if (id.equals(self) || peers.containsKey(id)) {
        continue;
      }
      n++;
      dialsThisHeartbeat++;
      ByteString record = info.signedPeerRecord();
      mutex.afterRelease(() -> dialer.dial(id, record));
    }
  }

  private void handleIHave(Peer p, List<ControlIHave> ihaves) {
    if (scoreOf(p) < thresholds.gossipThreshold()) {
      return;
    }
    p.ihavesThisHeartbeat++;
    if (p.ihavesThisHeartbeat > params.maxIHaveMessages()
        || p.idsAskedThisHeartbeat >= params.maxIHaveLength()) {
      emit(o -> o.ihaveFlood(p.id));
      return;
    }
    Set<MessageId> want = new LinkedHashSet<>();
    for (ControlIHave h : ihaves) {
      emit(o -> o.ihaveReceived(p.id, h.topic(), h.messageIds().size()));
      if (!mesh.containsKey(h.topic())) {
        continue;
      }
      for (MessageId id : h.messageIds()) {
        if (!seen.contains(id) && !verifier.inFlight(id)) {
          want.add(id);
        }
      }
    }
    if (want.isEmpty()) {
      return;
    }
    List<MessageId> ask = new ArrayList<>(want);
    shuffle(ask);
    int budget = params.maxIHaveLength() - p.idsAskedThisHeartbeat;
    if (ask.size() > budget) {
      ask = new ArrayList<>(ask.subList(0, budget));
    }
    p.idsAskedThisHeartbeat += ask.size();
    List<MessageId> iwant = List.copyOf(ask);
    enqueueControl(p, q -> q.addIWant(new ControlIWant(iwant)));
    emit(o -> o.iwantSent(p.id, iwant.size()));
    // One promise per IWANT (go-libp2p-pubsub's gossip tracer): the peer must deliver one of them.
    promises.add(p.id, iwant, nowMillis() + params.iwantFollowupTime().toMillis(), random);
  }

  private void handleIWant(Peer p, ControlIWant w) {
    if (scoreOf(p) < thresholds.gossipThreshold()) {
      return;
    }
    emit(o -> o.iwantReceived(p.id, w.messageIds().size()));
    for (MessageId id : w.messageIds()) {
      PubsubMessage m = mcache.getForPeer(id, p.id, params.gossipRetransmission());
      if (m != null) {
        queueMessage(p, id, m);
      }
    }
  }

  private void handleIDontWant(Peer p, ControlIDontWant d) {
    List<MessageId> ids = d.messageIds();
    if (!observers.isEmpty()) {
      emit(o -> o.idontwantReceived(p.id, ids.size()));
    }
    int max = params.maxIDontWantMessages();
    Long tick = heartbeatTicksBoxed;
    for (int i = 0, n = ids.size(); i < n; i++) {
      if (p.dontWant.size() >= max) {
        return;
      }
      p.dontWant.putIfAbsent(ids.get(i), tick);
    }
  }

  private ControlPrune makePrune(Peer p, String topic, boolean doPx, long backoffMillis) {
    if (!p.protocol.supportsBackoffAndPx()) {
      return ControlPrune.of(topic);
    }
    List<PeerInfo> px = new ArrayList<>();
    if (doPx && peerExchange) {
      List<PeerId> c = candidates(topic, id -> !id.equals(p.id) && scoreOf(id) >= 0);
      for (PeerId id : pick(c, params.prunePeers())) {
        px.add(new PeerInfo(ByteString.copyFrom(id.bytes()), null));
      }
    }
    return new ControlPrune(topic, px, backoffMillis / 1000);
  }

  private void addBackoff(PeerId peer, String topic, long millis) {
    backoff.add(peer, topic, nowMillis() + millis);
  }

  /** Whether we may not GRAFT {@code peer} yet: its backoff plus one heartbeat of slack. */
  private boolean inBackoff(PeerId peer, String topic, long now) {
    return backoff.blocksGraft(peer, topic, now, params.heartbeatInterval().toMillis());
  }

  // =========================================================================================
  // Join / leave
  // =========================================================================================

  private void join(String topic) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    for (Peer p : peers.values()) {
      enqueueControl(p, q -> q.addSub(partial.subOpts(topic, true))); // partial hook
    }
    long now = nowMillis();
    Set<PeerId> m = new LinkedHashSet<>();
    Set<PeerId> f = fanout.remove(topic);
    lastPublished.remove(topic);
    if (f != null) {
      for (PeerId id : f) {
        if (m.size() < mp.d() && scoreOf(id) >= 0 && !inBackoff(id, topic, now)) {
          m.add(id);
        }
      }
    }
    if (m.size() < mp.d()) {
      List<PeerId> c =
          candidates(topic, id -> !m.contains(id) && !inBackoff(id, topic, now) && scoreOf(id) >= 0);
      m.addAll(pick(c, mp.d() - m.size()));
    }
    mesh.put(topic, m);
    for (PeerId id : m) {
      graft(peers.get(id), topic, GraftReason.JOIN);
    }
    emit(o -> o.joined(topic));
  }

  private void leave(String topic, long backoffMillis) {
    for (Peer p : peers.values()) {
      enqueueControl(p, q -> q.addSub(new SubOpts(false, topic)));
    }
    Set<PeerId> m = mesh.remove(topic);
    if (m != null) {
      for (PeerId id : m) {
        Peer p = peers.get(id);
        score.prune(id, topic);
        addBackoff(id, topic, backoffMillis);
        if (p != null) {
          ControlPrune pr = makePrune(p, topic, true, backoffMillis);
          enqueueControl(p, q -> q.addPrune(pr));
        }
        emit(o -> o.pruned(id, topic, PruneReason.UNSUBSCRIBED));
      }
    }
    emit(o -> o.left(topic));
  }

  private void graft(Peer p, String topic, GraftReason reason) {
    score.graft(p.id, topic, nowMillis());
    enqueueControl(p, q -> q.addGraft(new ControlGraft(topic)));
    emit(o -> o.grafted(p.id, topic, reason));
  }

  private void prune(Peer p, String topic, PruneReason reason, boolean doPx) {
    long backoffMillis = params.pruneBackoff().toMillis();
    score.prune(p.id, topic);
    addBackoff(p.id, topic, backoffMillis);
    ControlPrune pr = makePrune(p, topic, doPx, backoffMillis);
    enqueueControl(p, q -> q.addPrune(pr));
    emit(o -> o.pruned(p.id, topic, reason));
  }

  // =========================================================================================
  // Heartbeat
  // =========================================================================================

  /**
   * One link of the heartbeat chain: runs the heartbeat under the mutex, then schedules the next
   * link. Only the chain started last is live, so heartbeats never overlap. Never blocks the
   * scheduler thread (which may be an event loop): queued on the inbox if the mutex is busy.
   */
  private void heartbeatTick(long chain) {
    mutex.execute(
        "heartbeat",
        () -> {
          if (!running || chain != heartbeatChain) {
            return;
          }
          heartbeat();
          heartbeatTask = scheduler.schedule(() -> heartbeatTick(chain), params.heartbeatInterval().toMillis());
        });
  }

  /** One heartbeat, its steps in the spec's order. Runs under the mutex. */
  void heartbeat() {
    mutex.checkHeld();
    long started = nanoTime.getAsLong();
    long now = nowMillis();
    applyPendingParams();
    scoreCache = new HashMap<>();
    score.refresh(now);
    clearExpiredBackoff(now);
    applyIwantPenalties(now);
    clearIHaveCounters();
    maintainMeshes(now);
    maintainFanout(now);
    emitGossip();
    partial.onHeartbeat(); // partial hook
    expireIDontWant();
    mcache.shift();
    reconnectDirectPeers();
    dialsThisHeartbeat = 0;
    heartbeatTicks++;
    heartbeatTicksBoxed = heartbeatTicks;
    long took = nanoTime.getAsLong() - started;
    if (took > params.heartbeatInterval().toNanos() / 2) {
      log.warn("gossipsub heartbeat took {} ms (interval {} ms)", took / 1_000_000, params.heartbeatInterval().toMillis());
    }
    reportHeartbeat(took);
    scoreCache = null;
  }

  private TopicMeshParams meshParamsOf(String topic) {
    return topicMesh.forTopic(topic, params);
  }

  private void applyPendingParams() {
    topicMesh.applyStaged().forEach((topic, mp) -> log.info("gossipsub mesh parameters of topic {}: {}", topic,
        mp == null ? "back to the global ones" : "D=" + mp.d() + " Dlo=" + mp.dlo() + " Dhi=" + mp.dhi()
            + " Dscore=" + mp.dscore() + " Dout=" + mp.dout() + " Dlazy=" + mp.dlazy()));
    GossipParams p = pendingParams;
    pendingParams = null;
    if (p != null) {
      params = p;
      mcache.resize(p.historyLength(), p.historyGossip());
      seen.setTtl(p.seenTtl().toMillis());
      log.info("gossipsub parameters applied: D={} Dlo={} Dhi={} Dlazy={}", p.d(), p.dlo(), p.dhi(), p.dlazy());
    }
    PeerScoreParams sp = pendingScoreParams;
    pendingScoreParams = null;
    if (sp != null) {
      score.setParams(sp);
    }
    PeerScoreThresholds t = pendingThresholds;
    pendingThresholds = null;
    if (t != null) {
      thresholds = t;
    }
  }

  private void clearExpiredBackoff(long now) {
    backoff.clearExpired(now, params.heartbeatInterval().toMillis());
  }

  private void applyIwantPenalties(long now) {
    for (PeerId broken : promises.expire(now)) {
      score.addPenalty(broken, 1);
    }
  }


  private void clearIHaveCounters() {
    for (Peer p : peers.values()) {
      p.ihavesThisHeartbeat = 0;
      p.idsAskedThisHeartbeat = 0;
    }
  }

  private void maintainMeshes(long now) {
    boolean opportunistic = heartbeatTicks > 0 && heartbeatTicks % params.opportunisticGraftTicks() == 0;
    for (Map.Entry<String, Set<PeerId>> e : mesh.entrySet()) {
      String topic = e.getKey();
      Set<PeerId> m = e.getValue();
      dropNegativeScorePeers(topic, m);
      fillUndersubscribedMesh(topic, m, now);
      trimOversubscribedMesh(topic, m);
      keepOutboundQuota(topic, m, now);
      if (opportunistic) {
        opportunisticGraft(topic, m, now);
      }
    }
  }

  private void dropNegativeScorePeers(String topic, Set<PeerId> m) {
    for (PeerId id : List.copyOf(m)) {
      if (scoreOf(id) < 0) {
        m.remove(id);
        prune(peers.get(id), topic, PruneReason.NEGATIVE_SCORE, false);
      }
    }
  }

  private void fillUndersubscribedMesh(String topic, Set<PeerId> m, long now) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    if (m.size() >= mp.dlo()) {
      return;
    }
    List<PeerId> c =
        candidates(topic, id -> !m.contains(id) && !inBackoff(id, topic, now) && scoreOf(id) >= 0);
    for (PeerId id : pick(c, mp.d() - m.size())) {
      m.add(id);
      graft(peers.get(id), topic, GraftReason.UNDERSUBSCRIBED);
    }
  }

  private void trimOversubscribedMesh(String topic, Set<PeerId> m) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    if (m.size() <= mp.dhi()) {
      return;
    }
    List<PeerId> sorted = new ArrayList<>(m);
    shuffle(sorted);
    sorted.sort(Comparator.comparingDouble((PeerId id) -> scoreOf(id)).reversed());
    // Keep the best Dscore by score, the rest of the D slots at random.
    List<PeerId> rest = new ArrayList<>(sorted.subList(mp.dscore(), sorted.size()));
    shuffle(rest);
    List<PeerId> keep = new ArrayList<>(sorted.subList(0, mp.dscore()));
    keep.addAll(rest);
    // Outbound quota: make sure the first D hold at least Dout outbound peers.
    int outbound = 0;
    for (int i = 0; i < mp.d(); i++) {
      if (isOutbound(keep.get(i))) {
        outbound++;
      }
    }
    if (outbound < mp.dout()) {
      List<PeerId> out = new ArrayList<>();
      for (int i = mp.d(); i < keep.size() && outbound + out.size() < mp.dout(); i++) {
        if (isOutbound(keep.get(i))) {
          out.add(keep.get(i));
        }
      }
      for (PeerId o : out) {
        int at = keep.indexOf(o);
        for (int i = mp.d() - 1; i >= 0; i--) {
          if (!isOutbound(keep.get(i))) {
            java.util.Collections.swap(keep, i, at);
            break;
          }
        }
      }
    }
    for (PeerId id : keep.subList(mp.d(), keep.size())) {
      m.remove(id);
      prune(peers.get(id), topic, PruneReason.OVERSUBSCRIBED, true);
    }
  }

  private void keepOutboundQuota(String topic, Set<PeerId> m, long now) {
    TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
    if (m.size() < mp.dlo()) {
      return;
    }
    long outbound = m.stream().filter(this::isOutbound).count();
    if (outbound >= mp.dout()) {
      return;
    }
    List<PeerId> c =
        candidates(
            topic,
            id -> !m.contains(id) && isOutbound(id) && !inBackoff(id, topic, now) && scoreOf(id) >= 0);
    for (PeerId id : pick(c, (int) (mp.dout() - outbound))) {
      m.add(id);
      graft(peers.get(id), topic, GraftReason.OUTBOUND_QUOTA);
    }
  }

  private void opportunisticGraft(String topic, Set<PeerId> m, long now) {
    if (m.size() <= 1) {
      return;
    }
    List<Double> scores = new ArrayList<>();
    for (PeerId id : m) {
      scores.add(scoreOf(id));
    }
    scores.sort(null);
    double median = scores.get(scores.size() / 2);
    if (median >= thresholds.opportunisticGraftThreshold()) {
      return;
    }
    List<PeerId> c =
        candidates(topic, id -> !m.contains(id) && !inBackoff(id, topic, now) && scoreOf(id) > median);
    for (PeerId id : pick(c, params.opportunisticGraftPeers())) {
      m.add(id);
      graft(peers.get(id), topic, GraftReason.OPPORTUNISTIC);
    }
  }

  private void maintainFanout(long now) {
    for (Iterator<Map.Entry<String, Set<PeerId>>> it = fanout.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Set<PeerId>> e = it.next();
      String topic = e.getKey();
      Long last = lastPublished.get(topic);
      if (last == null || now - last > params.fanoutTtl().toMillis()) {
        it.remove();
        lastPublished.remove(topic);
        continue;
      }
      Set<PeerId> f = e.getValue();
      TopicMeshParams mp = meshParamsOf(topic); // per-topic degrees hook
      Set<PeerId> inTopic = topicPeers.getOrDefault(topic, Set.of());
      f.removeIf(id -> !inTopic.contains(id) || scoreOf(id) < thresholds.publishThreshold());
      if (f.size() < mp.d()) {
        List<PeerId> c =
            candidates(topic, id -> !f.contains(id) && scoreOf(id) >= thresholds.publishThreshold());
        f.addAll(pick(c, mp.d() - f.size()));
      }
    }
  }

  private void emitGossip() {
    Set<String> topics = new LinkedHashSet<>(mesh.keySet());
    topics.addAll(fanout.keySet());
    for (String topic : topics) {
      List<MessageId> ids = mcache.gossipIds(topic);
      if (ids.isEmpty()) {
        continue;
      }
      Set<PeerId> exclude = new HashSet<>(mesh.getOrDefault(topic, Set.of()));
      exclude.addAll(fanout.getOrDefault(topic, Set.of()));
      List<PeerId> c =
          candidates(topic, id -> !exclude.contains(id) && scoreOf(id) >= thresholds.gossipThreshold());
      int target = Math.max(meshParamsOf(topic).dlazy(), (int) (params.gossipFactor() * c.size()));
      for (PeerId id : pick(c, target)) {
        List<MessageId> send = ids;
        if (send.size() > params.maxIHaveLength()) {
          send = new ArrayList<>(ids);
          shuffle(send);
          send = send.subList(0, params.maxIHaveLength());
        }
        ControlIHave h = new ControlIHave(topic, send);
        enqueueControl(peers.get(id), q -> q.addIHave(h));
        int n = send.size();
        emit(o -> o.ihaveSent(id, topic, n));
      }
    }
  }

  private void expireIDontWant() {
    long cutoff = heartbeatTicks - params.idontwantTtlTicks();
    for (Peer p : peers.values()) {
      for (Iterator<Long> it = p.dontWant.values().iterator(); it.hasNext(); ) {
        if (it.next() > cutoff) {
          break;
        }
        it.remove();
      }
    }
  }

  private void reconnectDirectPeers() {
    if (directPeers.isEmpty() || heartbeatTicks % params.directConnectTicks() != 0) {
      return;
    }
    for (PeerId id : directPeers) {
      if (!peers.containsKey(id)) {
        mutex.afterRelease(() -> dialer.dial(id, null));
      }
    }
  }

  private void reportHeartbeat(long nanos) {
    if (observers.isEmpty()) {
      return;
    }
    Map<String, Integer> meshSizes = new LinkedHashMap<>();
    mesh.forEach((t, m) -> meshSizes.put(t, m.size()));
    Map<String, Integer> fanoutSizes = new LinkedHashMap<>();
    fanout.forEach((t, f) -> fanoutSizes.put(t, f.size()));
    Map<PeerId, Double> scores = new LinkedHashMap<>();
    Map<PubsubProtocol, Integer> byProto = new LinkedHashMap<>();
    Map<PeerId, Integer> depths = new LinkedHashMap<>();
    for (Peer p : peers.values()) {
      scores.put(p.id, scoreOf(p.id));
      byProto.merge(p.protocol, 1, Integer::sum);
      depths.put(p.id, p.outbox.depth());
    }
    emit(o -> o.heartbeat(nanos, meshSizes, fanoutSizes, scores, byProto, depths));
  }

  // =========================================================================================
  // Outbound
  // =========================================================================================

  private void enqueueControl(Peer p, java.util.function.Predicate<OutboundQueue> add) {
    if (p == null || p.closed) {
      return;
    }
    if (!add.test(p.outbox.lanes())) {
      emit(o -> o.outboundDropped(p.id, DropReason.CONTROL_OVERFLOW, 1));
      disconnect(p, "outbound control queue overflow");
      return;
    }
    markDirty(p);
  }

  /** Queues a message for a peer unless it said IDONTWANT; false if not queued. */
  private boolean queueMessage(Peer p, MessageId id, PubsubMessage m) {
    if (p.closed) {
      return false;
    }
    if (p.dontWant.containsKey(id)) {
      emit(o -> o.outboundDropped(p.id, DropReason.IDONTWANT, 1));
      return false;
    }
    if (!p.outbox.lanes().addMessage(m, params.maxOutboundQueue())) {
      emit(o -> o.outboundDropped(p.id, DropReason.QUEUE_FULL, 1));
      switch (slowPeerPolicy) {
        case PENALISE -> score.addPenalty(p.id, 1);
        case DISCONNECT -> disconnect(p, "outbound queue full");
        case DROP -> {}
      }
      return false;
    }
    markDirty(p);
    return true;
  }

  private void disconnect(Peer p, String reason) {
    if (p.closed) {
      return;
    }
    p.closed = true;
    log.info("pubsub peer {} disconnected: {}", p.id, reason);
    mutex.afterRelease(() -> p.outbox.close(reason));
  }

  /** Release hook: moves writable peers' queues into their hand-off queues, flushed after release. */
  private void collectOutbound() {
    int n = dirty.size();
    if (n == 0) {
      return;
    }
    // Peers that are not writable stay queued, in their order; the others leave the list.
    int kept = 0;
    for (int i = 0; i < n; i++) {
      Peer p = dirty.get(i);
      if (p.closed || !p.outbox.writable()) {
        if (p.closed) {
          p.dirty = false;
        } else {
          dirty.set(kept++, p);
        }
        continue;
      }
      p.dirty = false;
      List<Rpc> rpcs = p.outbox.collect(limits.maxRpcSize());
      if (rpcs.isEmpty()) {
        continue;
      }
      for (Rpc r : rpcs) {
        emit(o -> o.rpcSent(p.id, r));
      }
      mutex.afterRelease(p.outbox::flush);
    }
    dirty.subList(kept, n).clear(); // peers queued during the walk (at n and after) stay
  }

  private void markDirty(Peer p) {
    if (!p.dirty) {
      p.dirty = true;
      dirty.add(p);
    }
  }

  private void emit(Consumer<RouterObserver> event) {
    if (observers.isEmpty()) {
      return;
    }
    mutex.afterRelease(
        () -> {
          for (RouterObserver o : observers) {
            try {
              event.accept(o);
            } catch (RuntimeException e) {
              log.warn("router observer failed: {}", e.toString());
            }
          }
        });
  }

  // =========================================================================================
  // Helpers
  // =========================================================================================

  /** {@link #scoreOf(PeerId)} through the peer's score record, without looking it up. */
  private double scoreOf(Peer p) {
    if (scoreCache != null) {
      return scoreCache.computeIfAbsent(p.id, k -> score.score(k, nowMillis()));
    }
    return score.score(p.scoreStats, p.id, nowMillis());
  }

  private double scoreOf(PeerId id) {
    if (scoreCache != null) {
      return scoreCache.computeIfAbsent(id, k -> score.score(k, nowMillis()));
    }
    return score.score(id, nowMillis());
  }

  private boolean isOutbound(PeerId id) {
    Peer p = peers.get(id);
    return p != null && p.direction == Direction.OUTBOUND;
  }

  /** Gossipsub peers in {@code topic}, not direct, not closed, matching {@code filter}. */
  private List<PeerId> candidates(String topic, java.util.function.Predicate<PeerId> filter) {
    List<PeerId> out = new ArrayList<>();
    for (PeerId id : topicPeers.getOrDefault(topic, Set.of())) {
      Peer p = peers.get(id);
      if (p != null && !p.closed && p.protocol.isGossipsub() && !directPeers.contains(id) && filter.test(id)) {
        out.add(id);
      }
    }
    return out;
  }

  private List<PeerId> pick(List<PeerId> from, int n) {
    if (n <= 0) {
      return List.of();
    }
    List<PeerId> copy = new ArrayList<>(from);
    shuffle(copy);
    return copy.size() <= n ? copy : copy.subList(0, n);
  }

  private <T> void shuffle(List<T> list) {
    for (int i = list.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      T t = list.get(i);
      list.set(i, list.get(j));
      list.set(j, t);
    }
  }

  // =========================================================================================
  // Builder
  // =========================================================================================

  /** Configures a router; clock/scheduler, randomness and executors are injected. */
  public static final class Builder {
    private final PeerId self;
    private PrivKey privKey;
    private SignaturePolicy signaturePolicy = SignaturePolicy.STRICT_SIGN;
    private MessageIdFunction msgIdFn;
    private GossipParams params = GossipParams.defaults();
    private PeerScoreParams scoreParams = PeerScoreParams.defaults();
    private PeerScoreThresholds thresholds = PeerScoreThresholds.defaults();
    private ToDoubleFunction<PeerId> appSpecificScore = p -> 0;
    private RpcLimits limits = RpcLimits.defaults();
    private RouterScheduler scheduler;
    private RandomGenerator random;
    private Executor validationExecutor;
    private Executor deliveryExecutor;
    private PeerDialer dialer = PeerDialer.NONE;
    private final List<RouterObserver> observers = new ArrayList<>();
    private boolean peerExchange;
    private SlowPeerPolicy slowPeerPolicy = SlowPeerPolicy.DROP;
    private int maxTopicsPerPeer = 10_000;
    private final Set<PeerId> directPeers = new LinkedHashSet<>();
    private LongSupplier nanoTime = System::nanoTime;
    private Clock wallClock = Clock.systemUTC();
    private int inboxHighWater = 10_000;
    private int inboxDrainBudget = RouterMutex.DEFAULT_DRAIN_BUDGET;
    private Duration inboxDrainTime = RouterMutex.DEFAULT_DRAIN_TIME;
    private Executor inboxDrainExecutor;
    private boolean verifyOnReceivingThread;
    private Duration longHold = Duration.ofMillis(100);
    private LockListener lockListener = LockListener.NONE;
    private LongSupplier mutexCpuTime;
    private Duration validationTimeout = Duration.ofSeconds(5);
    private boolean testExtension;
    private boolean partialMessages;
    private io.topicmesh.node.pubsub.router.partial.PartialLimits partialLimits =
        io.topicmesh.node.pubsub.router.partial.PartialLimits.defaults();

    private Builder(PeerId self) {
      this.self = self;
    }

    public Builder privateKey(PrivKey k) { this.privKey = k; return this; }
    public Builder signaturePolicy(SignaturePolicy p) { this.signaturePolicy = p; return this; }
    /** Defaults: from+seqno under StrictSign, SHA-256 of topic and data under StrictNoSign. */
    public Builder messageIdFunction(MessageIdFunction f) { this.msgIdFn = f; return this; }
    public Builder params(GossipParams p) { this.params = p; return this; }
    public Builder scoreParams(PeerScoreParams p) { this.scoreParams = p; return this; }
    public Builder thresholds(PeerScoreThresholds t) { this.thresholds = t; return this; }
    /** P5: the application's opinion of a peer, multiplied by appSpecificWeight. */
    public Builder appSpecificScore(ToDoubleFunction<PeerId> f) { this.appSpecificScore = f; return this; }
    /** Limits used to size outbound batches (maxRpcSize). */
    public Builder limits(RpcLimits l) { this.limits = l; return this; }
    /**
     * Timers and the monotonic time every router duration is measured on (backoff, seen TTL, IWANT
     * promises, fanout TTL, score decay, validation timeout, the heartbeat). Required.
     */
    public Builder scheduler(RouterScheduler s) { this.scheduler = s; return this; }
    /** Wall clock, read once: it seeds the seqno of published messages (default UTC system clock). */
    public Builder wallClock(Clock c) { this.wallClock = Objects.requireNonNull(c); return this; }
    public Builder random(RandomGenerator r) { this.random = r; return this; }
    public Builder validationExecutor(Executor e) { this.validationExecutor = e; return this; }
    public Builder deliveryExecutor(Executor e) { this.deliveryExecutor = e; return this; }
    public Builder dialer(PeerDialer d) { this.dialer = d; return this; }
    public Builder observer(RouterObserver o) { this.observers.add(o); return this; }
    /** Send and accept peer exchange on PRUNE (off by default, as in go-libp2p-pubsub). */
    public Builder peerExchange(boolean on) { this.peerExchange = on; return this; }
    public Builder slowPeerPolicy(SlowPeerPolicy p) { this.slowPeerPolicy = p; return this; }
    public Builder maxTopicsPerPeer(int n) { this.maxTopicsPerPeer = n; return this; }
    /** Direct peers: always forwarded to, never meshed, reconnected every directConnectTicks. */
    public Builder directPeer(PeerId p) { this.directPeers.add(p); return this; }
    /**
     * Stopwatch for measurements only (mutex hold times, heartbeat duration); real time by default
     * even when the scheduler is virtual, so a simulation still measures its CPU cost.
     */
    public Builder nanoTime(LongSupplier t) { this.nanoTime = t; return this; }
    public Builder inboxHighWater(int n) { this.inboxHighWater = n; return this; }
    /** Queued tasks one mutex holder runs at most before it releases (see {@link RouterMutex}). */
    public Builder inboxDrainBudget(int n) { this.inboxDrainBudget = n; return this; }
    /** A mutex holder starts no queued task once its hold lasted this long (see {@link RouterMutex}). */
    public Builder inboxDrainTime(Duration d) { this.inboxDrainTime = Objects.requireNonNull(d); return this; }
    /**
     * The router's own thread, where the inbox is drained once a holder spent its budget, so a
     * publisher or an event loop never does everyone's work. Never a netty event loop. Default
     * none: the holder goes on in rounds, releasing the mutex between them.
     */
    public Builder inboxDrainExecutor(Executor e) { this.inboxDrainExecutor = e; return this; }
    /**
     * StrictSign: check the signature of a message on the thread that handed its RPC to {@link
     * #onRpc} (a connection's event loop), after the mutex is released, whenever that thread ran
     * the RPC itself (the mutex was free); then the verified message is accepted and forwarded from
     * that thread too. This saves two thread hand-offs per hop (to the validation executor and back
     * to the event loop for the writes). An RPC drained by another holder (a publisher, the inbox
     * drain thread) still has its signatures checked on the validation executor. Topic validators
     * always run on the validation executor. Default off (every check on the executor).
     */
    public Builder verifyOnReceivingThread(boolean on) { this.verifyOnReceivingThread = on; return this; }
    public Builder longHold(Duration d) { this.longHold = d; return this; }
    public Builder lockListener(LockListener l) { this.lockListener = l; return this; }
    /**
     * The current thread's CPU clock ({@link RouterMutex#currentThreadCpuTime()}): the mutex then
     * measures holds and tasks in CPU time too (a system call per hold and per task). Default null:
     * wall time only.
     */
    public Builder mutexCpuTime(LongSupplier threadCpuTime) { this.mutexCpuTime = threadCpuTime; return this; }
    /** A message whose validators have not answered in time is ignored (no penalty). */
    public Builder validationTimeout(Duration d) { this.validationTimeout = d; return this; }
    /** v1.3: advertise the experimental test extension (for interop tests; off by default). */
    public Builder testExtension(boolean on) { this.testExtension = on; return this; }
    /** v1.3: advertise and run the partial-messages extension (off by default). */
    public Builder partialMessages(boolean on) { this.partialMessages = on; return this; }
    /** Bounds of the partial-messages extension. */
    public Builder partialLimits(io.topicmesh.node.pubsub.router.partial.PartialLimits l) {
      this.partialLimits = Objects.requireNonNull(l);
      return this;
    }

    public GossipRouter build() {
      return new GossipRouter(this);
    }
  }
}
