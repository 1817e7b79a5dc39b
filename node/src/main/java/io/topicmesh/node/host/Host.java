package io.topicmesh.node.host;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.MuxMetrics;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.protocol.identify.IdentifyProtocol;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import io.topicmesh.node.protocol.ping.PingProtocol;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.ConnectionUpgrader;
import io.topicmesh.node.transport.Direction;
import io.topicmesh.node.transport.ListenAddresses;
import io.topicmesh.node.transport.StreamHandler;
import io.topicmesh.node.transport.TcpAddresses;
import io.topicmesh.node.transport.TcpTransport;
import io.topicmesh.node.transport.UpgradeConfig;
import io.topicmesh.node.transport.UpgradeException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libp2p host: TCP listen and dial, connections upgraded with Noise and yamux or mplex, one
 * connection per peer, protocol handlers by id, identify on every new connection, ping.
 *
 * <pre>{@code
 * Host host = Host.create(HostConfig.defaults(key).withListen(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))));
 * host.start();
 * host.setStreamHandler("/my/1.0.0", (stream, protocol, conn) -> stream.pipeline().addLast(new MyHandler()));
 * Connection c = host.dial(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001/p2p/12D3Koo…")).get();
 * Duration rtt = host.ping(c.remotePeer()).get();
 * }</pre>
 *
 * <p>Futures complete on netty event loops: do not block in their listeners.
 */
public final class Host implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Host.class);

  private final HostConfig config;
  private final PeerId peerId;
  private final TcpTransport transport;
  private final HostMetrics metrics;
  private final ProtocolRegistry registry = new ProtocolRegistry();
  private final ConnectionManager manager;
  private final PeerStore peerStore;
  private final ConnectionUpgrader upgrader;
  private final IdentifyService identify;
  private final PingService ping;
  private final Map<PeerId, Future<Connection>> pendingDials = new ConcurrentHashMap<>();
  private final List<Channel> servers = new CopyOnWriteArrayList<>();
  private final List<Multiaddr> boundAddrs = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private Host(HostConfig config) {
    this.config = config;
    PrivKey key = config.key();
    this.peerId = PeerId.fromPublicKey(key.publicKey());
    this.metrics = new HostMetrics(config.meterRegistry());
    this.manager = new ConnectionManager(config.maxConnections(), metrics, config.settledConnectionAge(),
        System::nanoTime);
    this.peerStore = new PeerStore(config.peerStoreCapacity());
    // Muxer events go to the host's stream counters and to the muxer's own (topicmesh_mux_*, by muxer).
    Map<String, MuxListener> muxListeners = new java.util.HashMap<>();
    for (String muxer : config.muxers()) {
      muxListeners.put(muxer, MuxListener.both(metrics, new MuxMetrics(metrics.registry(), MuxMetrics.label(muxer))));
    }
    this.upgrader = new ConnectionUpgrader(
        new UpgradeConfig(key, config.muxers(), config.muxConfig(), config.upgradeTimeout(), config.negotiationTimeout()),
        registry, (conn, stream, protocol, direction) -> {
          manager.notifyListeners(l -> l.streamOpened(conn, stream, protocol, direction));
        }, muxer -> muxListeners.getOrDefault(muxer, metrics));
    this.identify = new IdentifyService(key.publicKey(), config.agentVersion(), this::boundWithoutPeerId,
        registry::protocolIds, peerStore, metrics, manager::notifyListeners, config.identifyTimeout(), Clock.systemUTC(),
        c -> c.isOpen() && manager.get(c.remotePeer()).orElse(null) == c);
    this.ping = new PingService(metrics, config.pingTimeout());
    Duration keepAliveEvery = config.muxConfig().yamuxKeepAliveInterval();
    if (!keepAliveEvery.isZero()) {
      PingService keepAlivePing = new PingService(metrics, config.muxConfig().yamuxPingTimeout());
      manager.addListener(new ConnectionListener() {
        @Override
        public void connectionOpened(Connection c) {
          if (!YamuxHandler.PROTOCOL_ID.equals(c.muxerProtocol())) {
            keepAlive(c, keepAlivePing, keepAliveEvery);
          }
        }
      });
    }
    registry.register(IdentifyProtocol.ID, identify::respond);
    registry.register(IdentifyProtocol.PUSH_ID, identify::acceptPush);
    registry.register(PingProtocol.ID, ping::respond);
    this.transport = TcpTransport.create(config.ioThreads());
  }

  /** Creates a host; nothing listens until {@link #start()}. */
  public static Host create(HostConfig config) {
    return new Host(config);
  }

  public PeerId peerId() {
    return peerId;
  }

  public HostConfig config() {
    return config;
  }

  /** "epoll" or "nio". */
  public String transportKind() {
    return transport.kind();
  }

  /** Deadline of one listen bind at start-up. */
  static final java.time.Duration BIND_TIMEOUT = java.time.Duration.ofSeconds(30);

  /**
   * Listens on every configured address and returns the bound addresses with {@code /p2p/<id>}
   * (a port 0 is replaced by the port picked).
   *
   * @throws UpgradeException (reason CONNECT) if an address cannot be bound
   */
  public List<Multiaddr> start() {
    ChannelHandler child = new InboundInitializer();
    for (Multiaddr addr : config.listen()) {
      InetSocketAddress sa = TcpAddresses.toSocketAddress(addr);
      ChannelFuture bind = transport.listen(sa, child);
      // a local bind answers at once; the deadline only guards start-up against a stuck event loop
      if (!bind.awaitUninterruptibly(BIND_TIMEOUT.toMillis())) {
        bind.cancel(false);
        throw new UpgradeException(UpgradeException.Reason.CONNECT,
            "cannot listen on " + addr + ": no answer from the event loop within " + BIND_TIMEOUT.toSeconds() + " s");
      }
      if (!bind.isSuccess()) {
        throw new UpgradeException(UpgradeException.Reason.CONNECT,
            "cannot listen on " + addr + ": " + (bind.cause().getMessage() == null ? bind.cause().toString()
                : bind.cause().getMessage()), bind.cause());
      }
      servers.add(bind.channel());
      for (Multiaddr bound : ListenAddresses.of((InetSocketAddress) bind.channel().localAddress())) {
        boundAddrs.add(bound);
        log.info("listening on {} peer={} transport={}", bound, peerId, transport.kind());
      }
    }
    return listenAddresses();
  }

  /**
   * The bound listen addresses, each with {@code /p2p/<our id>}; an unspecified bind ({@code
   * 0.0.0.0}) is listed once per local interface address.
   */
  public List<Multiaddr> listenAddresses() {
    List<Multiaddr> out = new ArrayList<>();
    for (Multiaddr a : boundAddrs) {
      out.add(a.withPeerId(peerId));
    }
    return out;
  }

  private List<Multiaddr> boundWithoutPeerId() {
    return List.copyOf(boundAddrs);
  }

  /**
   * Connects to {@code addr} ({@code /ip4|ip6|dns…/tcp/<port>[/p2p/<id>]}). With a peer id, the
   * remote must prove that id; an existing connection to it (or a dial in progress) is reused.
   * Fails with an {@link UpgradeException} saying which step failed.
   */
  public Future<Connection> dial(Multiaddr addr) {
    EventExecutor exec = transport.group().next();
    if (closed) {
      return exec.newFailedFuture(new UpgradeException(UpgradeException.Reason.SHUTDOWN, "host is closed"));
    }
    PeerId expected = addr.peerId().orElse(null);
    if (peerId.equals(expected)) {
      return exec.newFailedFuture(new IllegalArgumentException("cannot dial ourselves: " + addr));
    }
    InetSocketAddress sa;
    try {
      sa = TcpAddresses.toSocketAddress(addr);
    } catch (RuntimeException e) {
      return exec.newFailedFuture(e);
    }
    if (expected != null) {
      Optional<Connection> existing = manager.get(expected);
      if (existing.isPresent()) {
        return exec.newSucceededFuture(existing.get());
      }
      Future<Connection> pending = pendingDials.get(expected);
      if (pending != null) {
        return pending;
      }
    }
    Promise<Connection> result = exec.newPromise();
    if (expected != null) {
      Future<Connection> raced = pendingDials.putIfAbsent(expected, result);
      if (raced != null) {
        return raced;
      }
      result.addListener(f -> pendingDials.remove(expected, result));
    }
    if (!manager.tryReserve()) {
      failed(result, Direction.OUTBOUND, addr.toString(), new UpgradeException(UpgradeException.Reason.MAX_CONNECTIONS,
          "refused: " + manager.maxConnections() + " connections open, the maximum"));
      return result;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable releaseSlot = () -> {
      if (released.compareAndSet(false, true)) {
        manager.release();
      }
    };
    java.util.concurrent.atomic.AtomicReference<ChannelFuture> connectRef = new java.util.concurrent.atomic.AtomicReference<>();
    ChannelFuture connect = transport.dial(sa, new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.closeFuture().addListener(f -> releaseSlot.run());
        upgrader.upgrade(ch, Direction.OUTBOUND, expected).addListener(f -> {
          if (f.isSuccess()) {
            upgraded((Connection) f.getNow(), result);
            return;
          }
          // A failed TCP connect closes the channel, which the upgrade sees first: report the connect.
          ChannelFuture cf = connectRef.get();
          if (cf != null && cf.isDone() && !cf.isSuccess()) {
            failed(result, Direction.OUTBOUND, addr.toString(), connectFailure(cf.cause()));
          } else {
            failed(result, Direction.OUTBOUND, addr.toString(), f.cause());
          }
        });
      }
    }, config.connectTimeout());
    connectRef.set(connect);
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        releaseSlot.run();
        failed(result, Direction.OUTBOUND, addr.toString(), connectFailure(f.cause()));
      }
    });
    return result;
  }

  private static UpgradeException connectFailure(Throwable cause) {
    return new UpgradeException(UpgradeException.Reason.CONNECT, "cannot connect: " + cause.getMessage(), cause);
  }

  private void upgraded(Connection conn, Promise<Connection> result) {
    Connection kept = manager.add(conn);
    if (kept == conn) {
      identify.identify(conn);
    }
    if (result != null) {
      result.trySuccess(kept);
    }
  }

  private void failed(Promise<Connection> result, Direction dir, String remote, Throwable cause) {
    if (result != null && result.isDone()) {
      return;
    }
    UpgradeException.Reason reason = cause instanceof UpgradeException ue ? ue.reason() : UpgradeException.Reason.CONNECT;
    // Counted before the future fails, so whoever waits on it sees the count.
    metrics.connectionFailed(dir, reason);
    boolean quiet = closed && reason == UpgradeException.Reason.CLOSED;
    if (!quiet) {
      log.info("connection failed direction={} remote={} reason={}: {}", dir.label(), remote, reason.label(),
          cause.getMessage());
    }
    if (result != null) {
      result.tryFailure(cause);
    }
  }

  /** Accepts inbound connections: refuses beyond the connection limit, upgrades the rest. */
  @ChannelHandler.Sharable
  private final class InboundInitializer extends ChannelInitializer<Channel> {
    @Override
    protected void initChannel(Channel ch) {
      String remote = String.valueOf(ch.remoteAddress());
      if (closed) {
        ch.close();
        return;
      }
      if (!manager.tryReserve()) {
        metrics.connectionFailed(Direction.INBOUND, UpgradeException.Reason.MAX_CONNECTIONS);
        log.warn("refused inbound connection remote={}: {} connections open, the maximum", remote,
            manager.maxConnections());
        ch.close();
        return;
      }
      ch.closeFuture().addListener(f -> manager.release());
      upgrader.upgrade(ch, Direction.INBOUND, null).addListener(f -> {
        if (f.isSuccess()) {
          upgraded((Connection) f.getNow(), null);
        } else {
          failed(null, Direction.INBOUND, remote, f.cause());
        }
      });
    }
  }

  /**
   * Registers (or replaces) the handler of inbound streams negotiating {@code protocolId}. Peers
   * already connected learn of a new protocol through identify push.
   */
  public void setStreamHandler(String protocolId, StreamHandler handler) {
    boolean added = !registry.protocolIds().contains(protocolId);
    registry.register(protocolId, handler);
    if (added) {
      pushIdentify();
    }
  }

  public void removeStreamHandler(String protocolId) {
    if (registry.protocolIds().contains(protocolId)) {
      registry.unregister(protocolId);
      pushIdentify();
    }
  }

  private void pushIdentify() {
    for (Connection c : manager.all()) {
      if (c.isOpen()) {
        identify.push(c);
      }
    }
  }

  /** The protocol ids we answer, in registration order. */
  public List<String> protocols() {
    return List.copyOf(registry.protocolIds());
  }

  /**
   * Opens a stream to a connected peer and negotiates the first of {@code protocols} it supports;
   * {@code handler} installs the protocol's handlers before any data is read (see {@link
   * Connection#newStream}).
   */
  public Future<StreamChannel> newStream(PeerId peer, List<String> protocols, StreamHandler handler) {
    Optional<Connection> conn = manager.get(peer);
    if (conn.isEmpty()) {
      return transport.group().next().newFailedFuture(
          new IllegalStateException("not connected to " + peer));
    }
    return conn.get().newStream(protocols, handler);
  }

  /**
   * Opens a stream without installing handlers: add them in a listener of the returned future,
   * which runs on the stream's event loop before any further read. Suits protocols where we speak
   * first.
   */
  public Future<StreamChannel> newStream(PeerId peer, List<String> protocols) {
    return newStream(peer, protocols, (s, p, c) -> { });
  }

  /**
   * Keep-alive for a connection whose muxer has none of its own (mplex; yamux pings by itself): a
   * libp2p ping every {@code every}, and the connection closed when one gets no echo within the
   * mux config's ping timeout. Without it a connection across a silent partition (no RST, no FIN)
   * stayed open until TCP gave up retransmitting, about 15 minutes. A ping refused for another
   * reason (the peer does not speak ping) closes nothing.
   */
  private void keepAlive(Connection c, PingService keepAlivePing, Duration every) {
    var task = c.channel().eventLoop().scheduleWithFixedDelay(() -> {
      if (!c.isOpen()) {
        return;
      }
      keepAlivePing.ping(c).addListener(f -> {
        if (!f.isSuccess() && f.cause() instanceof PingService.NoEchoException && c.isOpen()) {
          log.info("closing connection peer={} conn={} muxer={}: {} (keep-alive)", c.remotePeer(), c.id(),
              c.muxerProtocol(), f.cause().getMessage());
          c.close();
        }
      });
    }, every.toNanos(), every.toNanos(), TimeUnit.NANOSECONDS);
    c.closeFuture().addListener(f -> task.cancel(false));
  }

  /** Pings a connected peer once on a new stream; completes with the round-trip time. */
  public Future<Duration> ping(PeerId peer) {
    Optional<Connection> conn = manager.get(peer);
    if (conn.isEmpty()) {
      return transport.group().next().newFailedFuture(new IllegalStateException("not connected to " + peer));
    }
    return ping.ping(conn.get());
  }

  public Optional<Connection> connection(PeerId peer) {
    return manager.get(peer);
  }

  public List<Connection> connections() {
    return manager.all();
  }

  public PeerStore peerStore() {
    return peerStore;
  }

  public HostMetrics metrics() {
    return metrics;
  }

  public void addListener(ConnectionListener listener) {
    manager.addListener(listener);
  }

  /** Closes listeners and connections, then the event loops. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (Channel s : servers) {
      s.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    List<ChannelFuture> closing = new ArrayList<>();
    for (Connection c : manager.all()) {
      closing.add(c.close());
    }
    for (ChannelFuture f : closing) {
      f.awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    transport.close();
    log.info("host closed peer={}", peerId);
  }
}
