package io.topicmesh.node.pubsub.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.topicmesh.node.host.ConnectionListener;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.PeerInfo;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.pubsub.router.Direction;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PeerSender;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcDecodeException;
import io.topicmesh.node.pubsub.wire.RpcFrameDecoder;
import io.topicmesh.node.pubsub.wire.RpcFrameEncoder;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import io.topicmesh.node.transport.Connection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gossipsub router on a libp2p {@link Host}. Like go-libp2p-pubsub, each side opens ONE
 * outbound pubsub stream per peer and only writes on it, and reads RPCs from the stream the peer
 * opened: {@link #attach} registers a handler for each of {@link Options#protocols()} (inbound
 * streams, read) and opens an outbound stream on every new connection, or when identify shows the
 * peer speaks pubsub, negotiating the first protocol of our preference order the peer supports.
 * The router learns of the peer ({@link GossipRouter#addPeer}) once that outbound stream is up,
 * with the negotiated protocol; RPCs read before then wait in a bounded per-peer queue.
 *
 * <p>Backpressure: when {@link GossipRouter#onRpc} reports a full inbox the inbound stream stops
 * reading until the inbox is at most {@link Options#resumeInboxDepth()}. Outbound writability is
 * reported with {@link GossipRouter#setWritable}.
 *
 * <p>Each peer's session is a {@code PeerSession}: an explicit state machine whose one transition
 * function runs on the event loop of the connection it is bound to (the connection the host keeps
 * for the peer), one event at a time. The peer is removed from the router when its outbound stream
 * or its connection closes; a failed open or a closed outbound stream on a live connection is
 * retried with a doubling backoff up to {@link Options#maxStreamAttempts()} opens per connection,
 * after which the connection is closed (so that it is dialed again) if identify says the peer
 * speaks pubsub. Router calls are made from that loop and never block ({@link GossipRouter}'s
 * mutex queues them); there is no lock of our own. See docs/pubsub-network.md for the states.
 *
 * <p>{@link #close()} detaches from the host (closes pubsub streams, removes the handlers); it
 * neither closes the router nor the host. For a graceful shutdown call {@link GossipRouter#close()}
 * first (its PRUNEs are written), then this.
 */
public final class PubsubNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PubsubNetwork.class);

  /**
   * How the router is bound to the host.
   *
   * @param protocols pubsub protocol ids in preference order, each one of {@link
   *     PubsubProtocol#ANNOUNCED} (default: all four, newest first)
   * @param limits inbound frame and element limits (use the router's)
   * @param maxPendingRpcs RPCs from a peer kept while our outbound stream to it is being opened;
   *     reading pauses when it is full
   * @param resumeInboxDepth after backpressure, reading resumes once the router inbox is this deep
   * @param backpressurePoll how often a paused stream checks the inbox
   * @param maxStreamAttempts outbound stream opens per connection (first one included)
   * @param retryBackoff wait before the second open on a connection; doubled before each further
   *     one (at most {@code PeerSession.MAX_BACKOFF}, 10 s)
   */
  public record Options(
      List<String> protocols,
      RpcLimits limits,
      int maxPendingRpcs,
      int resumeInboxDepth,
      Duration backpressurePoll,
      int maxStreamAttempts,
      Duration retryBackoff) {
    public Options {
      protocols = List.copyOf(protocols);
      if (protocols.isEmpty()) {
        throw new IllegalArgumentException("protocols must not be empty");
      }
      for (String p : protocols) {
        if (PubsubProtocol.fromId(p).isEmpty()) {
          throw new IllegalArgumentException("protocols: " + p + " is not one of " + PubsubProtocol.ANNOUNCED);
        }
      }
      Objects.requireNonNull(limits, "limits");
      if (maxPendingRpcs < 1) {
        throw new IllegalArgumentException("maxPendingRpcs must be >= 1, got " + maxPendingRpcs);
      }
      if (resumeInboxDepth < 0) {
        throw new IllegalArgumentException("resumeInboxDepth must be >= 0, got " + resumeInboxDepth);
      }
      if (backpressurePoll.isNegative() || backpressurePoll.isZero()) {
        throw new IllegalArgumentException("backpressurePoll must be positive, got " + backpressurePoll);
      }
      if (maxStreamAttempts < 1) {
        throw new IllegalArgumentException("maxStreamAttempts must be >= 1, got " + maxStreamAttempts);
      }
      if (retryBackoff.isNegative() || retryBackoff.isZero()) {
        throw new IllegalArgumentException("retryBackoff must be positive, got " + retryBackoff);
      }
    }

    public static Options defaults() {
      return new Options(PubsubProtocol.ANNOUNCED, RpcLimits.defaults(), 256, 1000, Duration.ofMillis(5), 3,
          Duration.ofMillis(250));
    }

    public Options withProtocols(List<String> v) {
      return new Options(v, limits, maxPendingRpcs, resumeInboxDepth, backpressurePoll, maxStreamAttempts,
          retryBackoff);
    }

    public Options withLimits(RpcLimits v) {
      return new Options(protocols, v, maxPendingRpcs, resumeInboxDepth, backpressurePoll, maxStreamAttempts,
          retryBackoff);
    }

    public Options withBackpressure(int resumeDepth, Duration poll) {
      return new Options(protocols, limits, maxPendingRpcs, resumeDepth, poll, maxStreamAttempts, retryBackoff);
    }

    public Options withStreamAttempts(int max, Duration backoff) {
      return new Options(protocols, limits, maxPendingRpcs, resumeInboxDepth, backpressurePoll, max, backoff);
    }
  }

  private final Host host;
  private final GossipRouter router;
  private final Options options;
  private final RpcCodec codec;
  /** One entry per peer with a connection or an inbound pubsub stream (bounded by the host's connections). */
  private final Map<PeerId, Peer> sessions = new ConcurrentHashMap<>();
  private final AtomicLong backpressurePauses = new AtomicLong();
  private final AtomicInteger pendingRpcs = new AtomicInteger();
  /** Stream closes started after {@link #close()} began; it waits for them. */
  private final Queue<ChannelFuture> closing = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  private static final PeerSession.Event CLOSE = new PeerSession.Close();
  private static final PeerSession.Event CONNECTION_CHANGED = new PeerSession.ConnectionChanged();
  private static final PeerSession.Event IDENTIFIED = new PeerSession.Identified();
  /** Events one session runs before it lets the other tasks of its event loop go first. */
  private static final int DRAIN_BUDGET = 64;
  /** Queued events per peer beyond which new inbound streams from it are refused (closed). */
  static final int MAX_QUEUED_EVENTS = 1024;

  private PubsubNetwork(Host host, GossipRouter router, Options options) {
    this.host = host;
    this.router = router;
    this.options = options;
    this.codec = new RpcCodec(options.limits());
  }

  /**
   * Binds {@code router} to {@code host}: registers the pubsub stream handlers and opens outbound
   * streams to peers connected now and later. The router's heartbeat is not started here.
   */
  public static PubsubNetwork attach(Host host, GossipRouter router, Options options) {
    PubsubNetwork net = new PubsubNetwork(host, router, options);
    host.addListener(net.new Listener());
    for (String p : options.protocols()) {
      host.setStreamHandler(p, net::initInbound);
    }
    for (Connection c : host.connections()) {
      net.sessionFor(c.remotePeer(), c).submit(CONNECTION_CHANGED);
    }
    return net;
  }

  public GossipRouter router() {
    return router;
  }

  public Host host() {
    return host;
  }

  public Options options() {
    return options;
  }

  /** The protocol negotiated on our outbound stream to {@code peer}, if it is up. */
  public java.util.Optional<String> protocolOf(PeerId peer) {
    Peer p = sessions.get(peer);
    StreamChannel out = p == null ? null : p.session.outbound();
    return out == null ? java.util.Optional.empty() : java.util.Optional.ofNullable(out.attr(Connection.STREAM_PROTOCOL).get());
  }

  /** Peers whose outbound pubsub stream is up (the router knows them). */
  public int activePeers() {
    int n = 0;
    for (Peer p : sessions.values()) {
      if (p.session.state() == PeerSession.State.ACTIVE) {
        n++;
      }
    }
    return n;
  }

  /** The state of the session with {@code peer}, if there is one (for tests and diagnostics). */
  java.util.Optional<PeerSession.State> sessionState(PeerId peer) {
    Peer p = sessions.get(peer);
    return p == null ? java.util.Optional.empty() : java.util.Optional.of(p.session.state());
  }

  /**
   * Registers this binding's meters: {@code topicmesh_pubsub_stream_peers} (peers with an outbound
   * stream up), {@code topicmesh_pubsub_pending_rpcs} (RPCs held until our stream to their peer is
   * up), {@code topicmesh_pubsub_backpressure_pauses_total} (inbound streams paused on a full
   * router inbox).
   */
  public PubsubNetwork bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.Gauge.builder("topicmesh_pubsub_stream_peers", this, PubsubNetwork::activePeers)
        .description("peers whose outbound pubsub stream is up").register(registry);
    io.micrometer.core.instrument.Gauge.builder("topicmesh_pubsub_pending_rpcs", this, PubsubNetwork::pendingRpcs)
        .description("RPCs held until our outbound stream to their peer is up").register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder("topicmesh_pubsub_backpressure_pauses_total", this,
            PubsubNetwork::backpressurePauses)
        .description("inbound pubsub streams paused because the router inbox was full").register(registry);
    return this;
  }

  private double pendingRpcs() {
    return pendingRpcs.get();
  }

  /** How many times an inbound stream stopped reading because the router inbox was full. */
  public long backpressurePauses() {
    return backpressurePauses.get();
  }

  /**
   * Closes every pubsub stream and removes the handlers; the router and host stay open. Waits up
   * to 2 s per session and per stream: call it from an application thread, not an event loop.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (String p : options.protocols()) {
      host.removeStreamHandler(p);
    }
    List<Peer> all = List.copyOf(sessions.values());
    for (Peer p : all) {
      p.submit(CLOSE);
    }
    for (Peer p : all) {
      try {
        p.closedDone.get(2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        log.warn("pubsub peer={}: its session did not close within 2 s; not waiting for it", p.id);
      } catch (java.util.concurrent.ExecutionException e) {
        log.warn("pubsub peer={}: closing its session failed: {}", p.id, e.getCause().toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    ChannelFuture f;
    while ((f = closing.poll()) != null) {
      if (!f.awaitUninterruptibly(2, TimeUnit.SECONDS)) {
        log.warn("pubsub stream {} did not close within 2 s; not waiting for it", f.channel());
      }
    }
    sessions.clear();
  }

  // ---- sessions ------------------------------------------------------------------------------

  /** The peer's session, created on {@code conn}'s event loop if there is none. */
  private Peer sessionFor(PeerId peer, Connection conn) {
    return sessions.computeIfAbsent(peer, p -> new Peer(p, conn.channel().eventLoop()));
  }

  /**
   * One peer's {@link PeerSession} and the serial executor that runs it: events are queued and run
   * one at a time, in submission order, on the event loop of the connection the session is bound to
   * ({@link PeerSession#home()}). When the binding moves to another connection, the events after
   * the one that moved it run on the new connection's loop. An event submitted on the session's
   * loop while it is idle runs at once.
   */
  private final class Peer implements PeerSession.Effects<Connection, StreamChannel> {
    final PeerId id;
    final PeerSession<Connection, StreamChannel> session;
    final java.util.concurrent.CompletableFuture<Void> closedDone = new java.util.concurrent.CompletableFuture<>();
    private final Queue<PeerSession.Event> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile EventExecutor loop;

    Peer(PeerId id, EventExecutor loop) {
      this.id = id;
      this.loop = loop;
      this.session = new PeerSession<>(id, this, options.maxStreamAttempts(), options.retryBackoff());
    }

    void submit(PeerSession.Event e) {
      if (queued.incrementAndGet() > MAX_QUEUED_EVENTS && e instanceof PeerSession.InboundOpened<?, ?> io) {
        queued.decrementAndGet();
        log.info("pubsub peer={}: more than {} session events queued; refusing its new inbound stream", id,
            MAX_QUEUED_EVENTS);
        ((Channel) io.stream()).close();
        return;
      }
      inbox.add(e);
      if (running.compareAndSet(false, true)) {
        EventExecutor l = loop;
        if (l.inEventLoop()) {
          drain();
        } else {
          hop(l);
        }
      }
    }

    /** Runs {@link #drain} on {@code l}; on the calling thread if {@code l} is shut down (we own {@code running}). */
    private void hop(EventExecutor l) {
      try {
        l.execute(this::drain);
      } catch (RejectedExecutionException e) {
        drain();
      }
    }

    private void drain() {
      int budget = DRAIN_BUDGET;
      while (true) {
        PeerSession.Event e = inbox.poll();
        if (e == null) {
          running.set(false);
          if (inbox.isEmpty() || !running.compareAndSet(false, true)) {
            return;
          }
          continue;
        }
        queued.decrementAndGet();
        dispatch(e);
        Connection home = session.home();
        EventExecutor want = home == null ? loop : home.channel().eventLoop();
        if (want != loop) {
          loop = want;
          if (!want.inEventLoop()) {
            hop(want);
            return;
          }
        }
        if (--budget == 0) {
          hop(loop);
          return;
        }
      }
    }

    private void dispatch(PeerSession.Event e) {
      try {
        if (closed && session.state() != PeerSession.State.CLOSED) {
          session.on(CLOSE);
        }
        boolean handled = session.on(e);
        if (!handled) {
          if (closed) {
            if (e instanceof PeerSession.InboundOpened<?, ?> io) {
              closeStream((StreamChannel) io.stream());
            }
          } else {
            // this session ended before the event reached it: the peer's current one takes it
            Connection c = e instanceof PeerSession.InboundOpened<?, ?> io ? (Connection) io.conn() : null;
            Peer next = sessions.computeIfAbsent(id, p -> new Peer(p, c != null ? c.channel().eventLoop() : loop));
            next.submit(e);
          }
        }
      } catch (RuntimeException ex) {
        log.warn("pubsub peer={}: session event {} failed: {}", id, e.getClass().getSimpleName(), ex.toString());
      }
      if (e == CLOSE) {
        closedDone.complete(null);
      }
    }

    // ---- effects: called from session.on() only, on this peer's executor

    @Override
    public Connection keptConnection() {
      return host.connection(id).filter(Connection::isOpen).orElse(null);
    }

    @Override
    public boolean speaksPubsub() {
      return host.peerStore().get(id)
          .map(i -> i.protocols().stream().anyMatch(options.protocols()::contains)).orElse(false);
    }

    @Override
    public boolean isOpen(Connection conn) {
      return conn.isOpen();
    }

    @Override
    public boolean isActive(StreamChannel stream) {
      return stream.isActive();
    }

    @Override
    public boolean losesTo(Connection conn, Connection kept) {
      return conn.initiatorPeer().compareTo(kept.initiatorPeer()) >= 0;
    }

    @Override
    public void openStream(Connection conn, int attempt) {
      Future<StreamChannel> f;
      try {
        f = conn.newStream(options.protocols(), (stream, protocol, c) -> initOutbound(this, stream));
      } catch (RuntimeException e) {
        submit(new PeerSession.StreamFailed<>(conn, attempt, e.toString()));
        return;
      }
      f.addListener(x -> submit(x.isSuccess()
          ? new PeerSession.StreamOpened<>(conn, attempt, (StreamChannel) x.getNow())
          : new PeerSession.StreamFailed<>(conn, attempt, String.valueOf(x.cause().getMessage()))));
    }

    @Override
    public void addPeer(Connection conn, StreamChannel stream) {
      String protocol = stream.attr(Connection.STREAM_PROTOCOL).get();
      InetSocketAddress remote = conn.remoteSocketAddress();
      InetAddress ip = remote == null ? null : remote.getAddress();
      Direction dir = conn.isInitiator() ? Direction.OUTBOUND : Direction.INBOUND;
      router.addPeer(id, protocol, dir, ip, new StreamSender(this, stream));
      router.setWritable(id, stream.isWritable());
      log.debug("pubsub peer={} up protocol={} direction={} conn={}", id, protocol, dir, conn.id());
    }

    @Override
    public void removePeer() {
      router.removePeer(id);
    }

    @Override
    public void inboundReady(StreamChannel inbound, boolean ready) {
      InboundHandler h = inbound.pipeline().get(InboundHandler.class);
      if (h == null) {
        return;
      }
      if (inbound.eventLoop().inEventLoop()) {
        h.setReady(inbound, ready);
      } else {
        inbound.eventLoop().execute(() -> h.setReady(inbound, ready));
      }
    }

    @Override
    public void closeStream(StreamChannel stream) {
      ChannelFuture f = stream.close();
      if (closed) {
        closing.add(f);
      }
    }

    @Override
    public void closeConnection(Connection conn) {
      conn.close();
    }

    @Override
    public void scheduleRetry(Connection conn, int attempt, Duration delay) {
      PeerSession.Event due = new PeerSession.RetryDue<>(conn, attempt);
      try {
        conn.channel().eventLoop().schedule(() -> submit(due), delay.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        submit(due); // the loop is shut down: no waiting there
      }
    }

    @Override
    public void ended() {
      sessions.remove(id, this);
    }

    @Override
    public String name(Connection conn) {
      return "conn#" + conn.id();
    }
  }

  // ---- connections -------------------------------------------------------------------------

  /**
   * Connection events become session events; the session re-reads the connection the host keeps,
   * so the order in which the host announces connections does not matter.
   */
  private final class Listener implements ConnectionListener {
    @Override
    public void connectionOpened(Connection connection) {
      if (!closed) {
        sessionFor(connection.remotePeer(), connection).submit(CONNECTION_CHANGED);
      }
    }

    @Override
    public void connectionClosed(Connection connection) {
      Peer p = sessions.get(connection.remotePeer());
      if (p != null && !closed) {
        p.submit(CONNECTION_CHANGED);
      }
    }

    @Override
    public void peerIdentified(Connection connection, PeerInfo info) {
      if (closed || info.protocols().stream().noneMatch(options.protocols()::contains)) {
        return;
      }
      sessionFor(connection.remotePeer(), connection).submit(IDENTIFIED);
    }
  }

  // ---- outbound stream: we write -------------------------------------------------------------

  private void initOutbound(Peer p, StreamChannel stream) {
    stream.pipeline().addLast("pubsub-encoder", new RpcFrameEncoder());
    stream.pipeline().addLast("pubsub-outbound", new OutboundHandler(p));
    stream.closeFuture().addListener(f -> p.submit(new PeerSession.OutboundClosed<>(stream)));
  }

  /** Writes the router's RPCs on the outbound stream; reports writability. */
  private final class OutboundHandler extends ChannelInboundHandlerAdapter {
    private final Peer p;

    OutboundHandler(Peer p) {
      this.p = p;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // The peer reads from this stream and never writes on it: data here is discarded.
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (p.session.outbound() == ctx.channel()) {
        router.setWritable(p.id, ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.info("pubsub stream to peer={} failed: {}", p.id, cause.toString());
      ctx.close();
    }
  }

  /** The router's handle on one outbound stream. */
  private final class StreamSender implements PeerSender {
    private final Peer p;
    private final StreamChannel stream;
    private final ChannelFutureListener onWrite;

    StreamSender(Peer p, StreamChannel stream) {
      this.p = p;
      this.stream = stream;
      this.onWrite = f -> {
        if (!f.isSuccess() && stream.isActive()) {
          log.info("pubsub write to peer={} failed: {}", p.id, f.cause().toString());
          stream.close();
        }
      };
    }

    @Override
    public void send(Rpc rpc) {
      stream.writeAndFlush(rpc).addListener(onWrite);
    }

    @Override
    public void close(String reason) {
      p.submit(new PeerSession.RouterDropped<>(stream, reason));
    }
  }

  // ---- inbound stream: we read ----------------------------------------------------------------

  private void initInbound(StreamChannel stream, String protocol, Connection conn) {
    if (closed) {
      stream.close();
      return;
    }
    PeerId peer = conn.remotePeer();
    stream.pipeline().addLast("pubsub-decoder", new RpcFrameDecoder(codec));
    stream.pipeline().addLast("pubsub-inbound", new InboundHandler(peer));
    stream.closeFuture().addListener(f -> {
      Peer p = sessions.get(peer);
      if (p != null) {
        p.submit(new PeerSession.InboundClosed<>(stream));
      }
    });
    sessionFor(peer, conn).submit(new PeerSession.InboundOpened<>(conn, stream));
  }

  /**
   * Feeds decoded RPCs to the router once the session says our outbound stream is up (until then
   * they wait here, at most {@link Options#maxPendingRpcs()}); pauses reading on backpressure. All
   * of it runs on the stream's event loop.
   */
  private final class InboundHandler extends ChannelInboundHandlerAdapter {
    private final PeerId peer;
    private final ArrayDeque<Rpc> pending = new ArrayDeque<>();
    private boolean ready;
    private boolean backpressured;

    InboundHandler(PeerId peer) {
      this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Rpc rpc)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (!ready) {
        if (pending.size() >= options.maxPendingRpcs()) {
          log.info("pubsub peer={} sent more than {} RPCs before our stream to it was up; closing its stream",
              peer, options.maxPendingRpcs());
          reset(ctx);
          return;
        }
        pending.add(rpc);
        pendingRpcs.incrementAndGet();
        if (pending.size() >= options.maxPendingRpcs()) {
          ctx.channel().config().setAutoRead(false);
        }
        return;
      }
      if (!router.onRpc(peer, rpc)) {
        pause(ctx.channel());
      }
    }

    /** From the session: our outbound stream is up (hand the held RPCs over, in order) or down (hold). */
    void setReady(Channel ch, boolean r) {
      if (r == ready || !ch.isActive()) {
        return;
      }
      ready = r;
      if (!r) {
        return;
      }
      boolean accepted = true;
      Rpc rpc;
      while ((rpc = pending.poll()) != null) {
        pendingRpcs.decrementAndGet();
        accepted &= router.onRpc(peer, rpc);
      }
      if (!accepted) {
        pause(ch);
      } else if (!backpressured) {
        ch.config().setAutoRead(true);
      }
    }

    private void pause(Channel ch) {
      ch.config().setAutoRead(false);
      if (!backpressured) {
        backpressured = true;
        backpressurePauses.incrementAndGet();
        ch.eventLoop().schedule(() -> poll(ch), options.backpressurePoll().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    private void poll(Channel ch) {
      if (!ch.isActive()) {
        backpressured = false;
        return;
      }
      if (router.inboxDepth() <= options.resumeInboxDepth()) {
        backpressured = false;
        if (ready || pending.size() < options.maxPendingRpcs()) {
          ch.config().setAutoRead(true);
        }
      } else {
        ch.eventLoop().schedule(() -> poll(ch), options.backpressurePoll().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        router.onInvalidRpc(peer, RpcDecodeException.Reason.FRAME_TOO_LARGE);
        log.info("pubsub peer={} sent an oversized frame, resetting its stream: {}", peer, cause.getMessage());
        reset(ctx);
      } else if (cause instanceof DecoderException && cause.getCause() instanceof RpcDecodeException e) {
        router.onInvalidRpc(peer, e.reason());
        log.info("pubsub peer={} sent an invalid RPC (skipped): {}", peer, e.getMessage());
      } else {
        log.info("pubsub stream from peer={} failed: {}", peer, cause.toString());
        reset(ctx);
      }
    }

    private void reset(ChannelHandlerContext ctx) {
      if (ctx.channel() instanceof StreamChannel sc) {
        sc.reset();
      } else {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      pendingRpcs.addAndGet(-pending.size());
      pending.clear();
      ready = false;
      ctx.fireChannelInactive();
    }
  }
}
