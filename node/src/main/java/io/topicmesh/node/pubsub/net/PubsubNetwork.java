package io.topicmesh.node.pubsub.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * reported with {@link GossipRouter#setWritable}. The peer is removed from the router when its
 * outbound stream or its connection closes; a closed outbound stream on a live connection is
 * reopened up to {@link Options#maxStreamAttempts()} times.
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
   */
  public record Options(
      List<String> protocols,
      RpcLimits limits,
      int maxPendingRpcs,
      int resumeInboxDepth,
      Duration backpressurePoll,
      int maxStreamAttempts) {
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
    }

    public static Options defaults() {
      return new Options(PubsubProtocol.ANNOUNCED, RpcLimits.defaults(), 256, 1000, Duration.ofMillis(5), 3);
    }

    public Options withProtocols(List<String> v) {
      return new Options(v, limits, maxPendingRpcs, resumeInboxDepth, backpressurePoll, maxStreamAttempts);
    }

    public Options withLimits(RpcLimits v) {
      return new Options(protocols, v, maxPendingRpcs, resumeInboxDepth, backpressurePoll, maxStreamAttempts);
    }

    public Options withBackpressure(int resumeDepth, Duration poll) {
      return new Options(protocols, limits, maxPendingRpcs, resumeDepth, poll, maxStreamAttempts);
    }
  }

  private final Host host;
  private final GossipRouter router;
  private final Options options;
  private final RpcCodec codec;
  private final Map<PeerId, Session> sessions = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong backpressurePauses = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean closed;

  /**
   * One peer's pubsub state, bound to the connection the host keeps for the peer ({@code conn});
   * fields guarded by the session's monitor.
   */
  private static final class Session {
    final PeerId peer;
    Connection conn;
    StreamChannel outbound;
    /** The connection an outbound stream is being opened on, or null. */
    Connection openingOn;
    int attempts;
    boolean added;
    boolean gaveUp;
    /** {@link GossipRouter#removePeer} calls under way: open nothing until they are done. */
    int removing;
    /** Out of {@link #sessions}: a thread holding it takes the map's current session instead. */
    boolean dead;
    StreamChannel inbound;
    Connection inboundConn;
    final ArrayDeque<Rpc> pending = new ArrayDeque<>();

    Session(PeerId peer) {
      this.peer = peer;
    }
  }

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
      net.reconcile(c.remotePeer());
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
    Session s = sessions.get(peer);
    if (s == null) {
      return java.util.Optional.empty();
    }
    synchronized (s) {
      return s.added && s.outbound != null
          ? java.util.Optional.ofNullable(s.outbound.attr(Connection.STREAM_PROTOCOL).get())
          : java.util.Optional.empty();
    }
  }

  /** Peers whose outbound pubsub stream is up (the router knows them). */
  public int activePeers() {
    int n = 0;
    for (Session s : sessions.values()) {
      synchronized (s) {
        if (s.added) {
          n++;
        }
      }
    }
    return n;
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
    int n = 0;
    for (Session s : sessions.values()) {
      synchronized (s) {
        n += s.pending.size();
      }
    }
    return n;
  }

  /** How many times an inbound stream stopped reading because the router inbox was full. */
  public long backpressurePauses() {
    return backpressurePauses.get();
  }

  /**
   * Closes every pubsub stream and removes the handlers; the router and host stay open. Waits up
   * to 2 s per stream: call it from an application thread, not an event loop.
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
    for (Session s : List.copyOf(sessions.values())) {
      boolean wasAdded;
      List<Channel> streams = new ArrayList<>(2);
      synchronized (s) {
        wasAdded = s.added;
        s.added = false;
        s.gaveUp = true;
        if (s.outbound != null) {
          streams.add(s.outbound);
        }
        if (s.inbound != null) {
          streams.add(s.inbound);
        }
        s.outbound = null;
        s.inbound = null;
        s.pending.clear();
      }
      if (wasAdded) {
        router.removePeer(s.peer);
      }
      for (Channel c : streams) {
        c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
    sessions.clear();
  }

  // ---- connections -------------------------------------------------------------------------

  /**
   * Connection events only trigger {@link #reconcile}: the host announces connections outside its
   * lock, so when two dials cross, a connection already replaced as a duplicate can be announced
   * after its replacement. The session follows the connection the host keeps, not event order.
   */
  private final class Listener implements ConnectionListener {
    @Override
    public void connectionOpened(Connection connection) {
      reconcile(connection.remotePeer());
    }

    @Override
    public void connectionClosed(Connection connection) {
      reconcile(connection.remotePeer());
    }

    @Override
    public void peerIdentified(Connection connection, PeerInfo info) {
      if (info.protocols().stream().noneMatch(options.protocols()::contains)) {
        return;
      }
      reconcile(connection.remotePeer());
    }
  }

  private Connection keptConnection(PeerId peer) {
    return host.connection(peer).filter(Connection::isOpen).orElse(null);
  }

  /**
   * Binds the peer's session to the connection the host keeps for it now: a session on another
   * connection is moved (the router forgets the peer until the outbound stream on the kept
   * connection is up), a peer without a connection loses its session, and an outbound stream is
   * opened on the kept connection if there is none.
   */
  private void reconcile(PeerId peer) {
    if (closed) {
      return;
    }
    Session s;
    Connection target;
    boolean removeOld;
    while (true) {
      s = sessions.computeIfAbsent(peer, Session::new);
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        // read under the session's monitor so concurrent reconciles apply in the host's order
        target = keptConnection(peer);
        if (s.conn == target) {
          removeOld = false;
          if (target == null && s.removing == 0 && s.inbound == null) {
            drop(s);
          }
        } else {
          if (s.conn != null) {
            log.debug("pubsub peer={} session moves from conn={} to conn={}", peer, s.conn.id(),
                target == null ? "none" : target.id());
          }
          removeOld = s.added;
          s.conn = target;
          s.outbound = null;
          s.added = false;
          s.openingOn = null;
          s.gaveUp = false;
          s.attempts = 0;
          if (target == null) {
            s.pending.clear();
          }
          if (removeOld) {
            s.removing++;
          } else if (target == null && s.removing == 0 && s.inbound == null) {
            drop(s);
          }
        }
      }
      break;
    }
    if (removeOld) {
      router.removePeer(peer);
      synchronized (s) {
        s.removing--;
        target = s.conn;
        if (target == null && s.removing == 0 && s.inbound == null) {
          drop(s);
        }
      }
    }
    if (target != null) {
      openOutbound(s, target);
    }
  }

  /** Takes the session out of the map; caller holds its monitor. */
  private void drop(Session s) {
    s.dead = true;
    sessions.remove(s.peer, s);
  }

  // ---- outbound stream: we write -------------------------------------------------------------

  private void openOutbound(Session s, Connection conn) {
    synchronized (s) {
      if (closed || s.dead || s.removing > 0 || s.conn != conn || s.outbound != null || s.openingOn != null
          || s.gaveUp || s.attempts >= options.maxStreamAttempts() || !conn.isOpen()) {
        return;
      }
      s.openingOn = conn;
      s.attempts++;
    }
    conn.newStream(options.protocols(), (stream, protocol, c) -> initOutbound(s, stream))
        .addListener(f -> {
          if (!f.isSuccess()) {
            synchronized (s) {
              if (s.openingOn == conn) {
                s.openingOn = null;
              }
            }
            log.debug("no pubsub stream to peer={}: {}", s.peer, f.cause().getMessage());
            return;
          }
          outboundReady(s, conn, (StreamChannel) f.getNow());
        });
  }

  private void initOutbound(Session s, StreamChannel stream) {
    stream.pipeline().addLast("pubsub-encoder", new RpcFrameEncoder());
    stream.pipeline().addLast("pubsub-outbound", new OutboundHandler(s));
    stream.closeFuture().addListener(f -> outboundClosed(s, stream));
  }

  private void outboundReady(Session s, Connection conn, StreamChannel stream) {
    String protocol = stream.attr(Connection.STREAM_PROTOCOL).get();
    List<Rpc> flush;
    StreamChannel inbound;
    synchronized (s) {
      if (s.openingOn == conn) {
        s.openingOn = null;
      }
      if (closed || s.dead || s.removing > 0 || s.conn != conn || !stream.isActive()) {
        stream.close();
        return;
      }
      s.outbound = stream;
      s.added = true;
      flush = new ArrayList<>(s.pending);
      s.pending.clear();
      inbound = s.inbound;
    }
    InetSocketAddress remote = conn.remoteSocketAddress();
    InetAddress ip = remote == null ? null : remote.getAddress();
    Direction dir = conn.isInitiator() ? Direction.OUTBOUND : Direction.INBOUND;
    router.addPeer(s.peer, protocol, dir, ip, new StreamSender(s, stream));
    router.setWritable(s.peer, stream.isWritable());
    log.debug("pubsub peer={} up protocol={} direction={}", s.peer, protocol, dir);
    boolean accepted = true;
    for (Rpc rpc : flush) {
      accepted &= router.onRpc(s.peer, rpc);
    }
    if (inbound != null) {
      InboundHandler h = inbound.pipeline().get(InboundHandler.class);
      if (h != null) {
        StreamChannel in = inbound;
        boolean pressure = !accepted;
        in.eventLoop().execute(() -> h.peerReady(in, pressure));
      }
    }
  }

  private void outboundClosed(Session s, StreamChannel stream) {
    boolean wasAdded;
    Connection conn;
    synchronized (s) {
      if (s.outbound != stream) {
        return;
      }
      wasAdded = s.added;
      s.outbound = null;
      s.added = false;
      if (wasAdded) {
        s.removing++;
      }
      conn = s.conn;
    }
    if (wasAdded) {
      router.removePeer(s.peer);
      log.debug("pubsub stream to peer={} closed", s.peer);
      synchronized (s) {
        s.removing--;
        conn = s.conn;
        if (conn == null && s.removing == 0 && s.inbound == null && !s.dead) {
          drop(s);
        }
      }
    }
    if (conn != null && conn.isOpen()) {
      openOutbound(s, conn);
    }
  }

  /** Writes the router's RPCs on the outbound stream; reports writability. */
  private final class OutboundHandler extends ChannelInboundHandlerAdapter {
    private final Session s;

    OutboundHandler(Session s) {
      this.s = s;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // The peer reads from this stream and never writes on it: data here is discarded.
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      boolean current;
      synchronized (s) {
        current = s.outbound == ctx.channel() && s.added;
      }
      if (current) {
        router.setWritable(s.peer, ctx.channel().isWritable());
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.info("pubsub stream to peer={} failed: {}", s.peer, cause.toString());
      ctx.close();
    }
  }

  /** The router's handle on one outbound stream. */
  private final class StreamSender implements PeerSender {
    private final Session s;
    private final StreamChannel stream;
    private final ChannelFutureListener onWrite;

    StreamSender(Session s, StreamChannel stream) {
      this.s = s;
      this.stream = stream;
      this.onWrite = f -> {
        if (!f.isSuccess() && stream.isActive()) {
          log.info("pubsub write to peer={} failed: {}", s.peer, f.cause().toString());
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
      log.info("pubsub peer={} dropped by the router: {}", s.peer, reason);
      synchronized (s) {
        s.gaveUp = true;
      }
      stream.close();
    }
  }

  // ---- inbound stream: we read ----------------------------------------------------------------

  private void initInbound(StreamChannel stream, String protocol, Connection conn) {
    if (closed) {
      stream.close();
      return;
    }
    Session s;
    StreamChannel old;
    boolean ready;
    while (true) {
      s = sessions.computeIfAbsent(conn.remotePeer(), Session::new);
      synchronized (s) {
        if (s.dead) {
          continue;
        }
        Connection kept = keptConnection(s.peer);
        if (s.inbound != null && s.inbound.isActive() && s.inboundConn == kept && conn != kept
            && conn.initiatorPeer().compareTo(kept.initiatorPeer()) >= 0) {
          // A stream on a connection that loses the duplicate rule against the kept one (it is
          // being closed) must not replace the one on the connection that stays. A connection
          // that would win may not be registered yet: its stream is taken.
          old = null;
          ready = false;
        } else {
          old = s.inbound;
          s.inbound = stream;
          s.inboundConn = conn;
          ready = s.added;
          break;
        }
      }
      log.debug("pubsub peer={} opened a stream on replaced conn={}; closing it", s.peer, conn.id());
      stream.close();
      return;
    }
    InboundHandler handler = new InboundHandler(s);
    if (old != null && old != stream) {
      // As go-libp2p-pubsub: a newer inbound stream replaces the older one.
      log.debug("pubsub peer={} opened a second inbound stream; closing the older one", s.peer);
      old.close();
    }
    stream.pipeline().addLast("pubsub-decoder", new RpcFrameDecoder(codec));
    stream.pipeline().addLast("pubsub-inbound", handler);
    if (!ready) {
      // Its RPCs are held until our outbound stream is up; pause beyond the pending bound.
      handler.waitingForPeer = true;
    }
  }

  /** Feeds decoded RPCs to the router; pauses reading on backpressure. Runs on the stream's loop. */
  private final class InboundHandler extends ChannelInboundHandlerAdapter {
    private final Session s;
    boolean waitingForPeer;
    private boolean backpressured;

    InboundHandler(Session s) {
      this.s = s;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Rpc rpc)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      synchronized (s) {
        if (s.inbound != ctx.channel()) {
          return;
        }
        if (!s.added) {
          waitingForPeer = true;
          if (s.pending.size() >= options.maxPendingRpcs()) {
            log.info("pubsub peer={} sent more than {} RPCs before our stream to it was up; closing its stream",
                s.peer, options.maxPendingRpcs());
            reset(ctx);
            return;
          }
          s.pending.add(rpc);
          if (s.pending.size() >= options.maxPendingRpcs()) {
            ctx.channel().config().setAutoRead(false);
          }
          return;
        }
      }
      if (!router.onRpc(s.peer, rpc)) {
        pause(ctx.channel());
      }
    }

    /** Our outbound stream is up and the pending RPCs were handed over. */
    void peerReady(Channel ch, boolean pressure) {
      waitingForPeer = false;
      if (pressure) {
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
        if (!waitingForPeer) {
          ch.config().setAutoRead(true);
        }
      } else {
        ch.eventLoop().schedule(() -> poll(ch), options.backpressurePoll().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        router.onInvalidRpc(s.peer, RpcDecodeException.Reason.FRAME_TOO_LARGE);
        log.info("pubsub peer={} sent an oversized frame, resetting its stream: {}", s.peer, cause.getMessage());
        reset(ctx);
      } else if (cause instanceof DecoderException && cause.getCause() instanceof RpcDecodeException e) {
        router.onInvalidRpc(s.peer, e.reason());
        log.info("pubsub peer={} sent an invalid RPC (skipped): {}", s.peer, e.getMessage());
      } else {
        log.info("pubsub stream from peer={} failed: {}", s.peer, cause.toString());
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
      synchronized (s) {
        if (s.inbound == ctx.channel()) {
          s.inbound = null;
          s.inboundConn = null;
          if (s.conn == null && s.removing == 0 && !s.dead) {
            // a stream on a connection the host never announced (e.g. the loser of a dial race)
            drop(s);
          }
        }
      }
      ctx.fireChannelInactive();
    }
  }
}
