package io.topicmesh.node.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.multistream.MultistreamHandler;
import io.topicmesh.node.mux.MuxHandler;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.Muxers;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.security.noise.NoiseException;
import io.topicmesh.node.security.noise.NoiseHandshakeHandler;
import io.topicmesh.node.security.noise.NoiseIdentity;
import io.topicmesh.node.security.noise.NoiseMetrics;
import io.topicmesh.node.security.noise.SecureSession;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upgrades a raw TCP channel into a {@link Connection}: multistream-select {@code /noise}, the
 * Noise XX handshake (which proves the remote's peer id), the muxer, then. Inbound streams are
 * negotiated against {@link InboundProtocols}.
 *
 * <p>The muxer is chosen inside the Noise handshake when the remote supports that (inlined muxer
 * negotiation, libp2p specs connections/inlined-muxer-negotiation.md, go-libp2p's default): both
 * sides list their muxers in the handshake extensions and start the first of the initiator's list
 * that the responder supports right after it, which saves the round trip of multistream-select.
 * When the remote lists none (or none in common), the muxer is negotiated with multistream-select
 * in the configured preference order, as before.
 *
 * <p>The dialer proposes {@code /noise} lazily ({@link MultistreamHandler#lazyInitiator}): Noise's
 * first message leaves in the same segment as the multistream header and proposal, so the dialer's
 * upgrade takes two round trips (multistream + noise messages 1-2, then message 3) instead of three.
 * A listener that refuses {@code /noise} fails the upgrade either way.
 *
 * <p>All handshakes of one upgrader use the same static Noise key ({@link NoiseIdentity}, made
 * once per upgrader), each with a fresh ephemeral key.
 *
 * <p>The whole upgrade is bounded by {@link UpgradeConfig#upgradeTimeout()}, counted from the
 * moment TCP is established. Any failure closes the channel and fails the returned future with an
 * {@link UpgradeException} whose reason says which step failed.
 *
 * <p>Pipeline of an upgraded connection: {@code noise codec, muxer, connection-errors}.
 */
public final class ConnectionUpgrader {
  /** The security protocol id. */
  public static final String NOISE_PROTOCOL = "/noise";

  private static final Logger log = LoggerFactory.getLogger(ConnectionUpgrader.class);
  private static final String ERRORS = "connection-errors";

  private final UpgradeConfig config;
  private final NoiseIdentity noiseIdentity;
  private final PeerId localPeer;
  private final InboundProtocols protocols;
  private final java.util.function.Function<String, MuxListener> muxListeners;
  private final StreamListener streamListener;

  public ConnectionUpgrader(UpgradeConfig config, InboundProtocols protocols, MuxListener muxListener) {
    this(config, protocols, muxListener, null);
  }

  /**
   * @param muxListener muxer events (metrics), may be null
   * @param streamListener told of every negotiated stream, may be null
   */
  public ConnectionUpgrader(UpgradeConfig config, InboundProtocols protocols, MuxListener muxListener,
      StreamListener streamListener) {
    this(config, protocols, streamListener, muxerId -> muxListener);
  }

  /**
   * @param streamListener told of every negotiated stream, may be null
   * @param muxListeners the listener for a connection's muxer events, by the negotiated muxer's
   *     protocol id (so that metrics can tell yamux from mplex); may return null
   */
  public ConnectionUpgrader(UpgradeConfig config, InboundProtocols protocols, StreamListener streamListener,
      java.util.function.Function<String, MuxListener> muxListeners) {
    this.streamListener = streamListener == null ? StreamListener.NOOP : streamListener;
    this.config = config;
    this.noiseIdentity = NoiseIdentity.generate(config.localKey());
    this.localPeer = PeerId.fromPublicKey(config.localKey().publicKey());
    this.protocols = protocols;
    this.muxListeners = muxerId -> {
      MuxListener l = muxListeners.apply(muxerId);
      return l == null ? MuxListener.NOOP : l;
    };
  }

  public PeerId localPeer() {
    return localPeer;
  }

  public UpgradeConfig config() {
    return config;
  }

  /**
   * Installs the upgrade on {@code ch}; call it from the channel's initializer (registered, active
   * or not yet). With {@code expectedRemote} set, a remote proving another peer id is rejected.
   */
  public Future<Connection> upgrade(Channel ch, Direction direction, PeerId expectedRemote) {
    Promise<Connection> promise = ch.eventLoop().newPromise();
    new Upgrade(ch, direction, expectedRemote, promise).start();
    return promise;
  }

  /** State of one connection's upgrade; lives on the channel's event loop. */
  private final class Upgrade {
    private final Channel ch;
    private final Direction direction;
    private final PeerId expectedRemote;
    private final Promise<Connection> promise;
    private ScheduledFuture<?> timeout;
    private String step = "multistream /noise";

    Upgrade(Channel ch, Direction direction, PeerId expectedRemote, Promise<Connection> promise) {
      this.ch = ch;
      this.direction = direction;
      this.expectedRemote = expectedRemote;
      this.promise = promise;
    }

    void start() {
      if (!ch.isActive()) {
        ch.pipeline().addFirst("upgrade-watch", new UpgradeWatch(this));
      }
      ch.pipeline().addLast(ERRORS, new ConnectionErrors(this));
      MultistreamHandler ms = initiator()
          ? MultistreamHandler.lazyInitiator(NOISE_PROTOCOL, config.negotiationTimeout(), (c, p) -> installNoise())
          : MultistreamHandler.responder(List.of(NOISE_PROTOCOL), config.negotiationTimeout(), (c, p) -> installNoise());
      ms.protocolFuture().whenComplete((p, err) -> {
        if (err != null) {
          fail(UpgradeException.Reason.MULTISTREAM, "security negotiation failed: " + err.getMessage(), err);
        }
      });
      ch.pipeline().addBefore(ERRORS, "multistream-security", ms);
      ch.closeFuture().addListener(f -> fail(UpgradeException.Reason.CLOSED,
          "connection closed by the remote during " + step, null));
      if (ch.isActive()) {
        startTimer();
      }
    }

    boolean initiator() {
      return direction == Direction.OUTBOUND;
    }

    void startTimer() {
      if (timeout == null && !promise.isDone()) {
        timeout = ch.eventLoop().schedule(
            () -> fail(UpgradeException.Reason.TIMEOUT,
                "upgrade not finished within " + config.upgradeTimeout() + " (stalled in " + step + ")", null),
            config.upgradeTimeout().toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    void installNoise() {
      step = "noise handshake";
      NoiseHandshakeHandler noise = new NoiseHandshakeHandler(
          noiseIdentity, initiator(), expectedRemote, config.muxers(), config.upgradeTimeout(), NoiseMetrics.NOOP);
      noise.sessionFuture().whenComplete((session, err) -> {
        if (err != null) {
          fail(classifyNoise(err), "noise handshake failed: " + err.getMessage(), err);
        } else {
          onSecured(session);
        }
      });
      ch.pipeline().addBefore(ERRORS, "noise", noise);
    }

    void onSecured(SecureSession session) {
      if (promise.isDone()) {
        return;
      }
      if (expectedRemote != null && !expectedRemote.equals(session.remotePeer())) {
        fail(UpgradeException.Reason.PEER_ID_MISMATCH,
            "dialed " + expectedRemote + " but the remote is " + session.remotePeer(), null);
        return;
      }
      java.util.Optional<String> inlined = session.inlinedMuxer().filter(config.muxers()::contains);
      if (inlined.isPresent()) {
        installMuxer(inlined.get(), session);
        return;
      }
      step = "multistream muxer";
      MultistreamHandler ms = initiator()
          ? MultistreamHandler.initiator(config.muxers(), config.negotiationTimeout(), (c, p) -> installMuxer(p, session))
          : MultistreamHandler.responder(config.muxers(), config.negotiationTimeout(), (c, p) -> installMuxer(p, session));
      ms.protocolFuture().whenComplete((p, err) -> {
        if (err != null) {
          fail(UpgradeException.Reason.MUXER, "muxer negotiation failed: " + err.getMessage(), err);
        }
      });
      ch.pipeline().addBefore(ERRORS, "multistream-muxer", ms);
    }

    void installMuxer(String muxerId, SecureSession session) {
      InboundStreams inbound = new InboundStreams();
      MuxHandler mux = Muxers.create(muxerId, initiator(), config.muxConfig(), inbound, muxListeners.apply(muxerId));
      Connection conn = new Connection(ch, mux, localPeer, session.remotePeer(), session.remotePublicKey(),
          Multiaddr.fromTcp((InetSocketAddress) ch.localAddress()),
          Multiaddr.fromTcp((InetSocketAddress) ch.remoteAddress()),
          direction, NOISE_PROTOCOL, config.negotiationTimeout(), streamListener);
      inbound.connection = conn;
      ch.pipeline().addBefore(ERRORS, "muxer", mux);
      cancelTimer();
      step = "done";
      promise.trySuccess(conn);
    }

    void fail(UpgradeException.Reason reason, String message, Throwable cause) {
      if (promise.isDone()) {
        return;
      }
      cancelTimer();
      promise.tryFailure(new UpgradeException(reason, message, cause));
      ch.close();
    }

    void cancelTimer() {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  private static UpgradeException.Reason classifyNoise(Throwable err) {
    if (err instanceof NoiseException ne && ne.reason().name().contains("PEER")) {
      return UpgradeException.Reason.PEER_ID_MISMATCH;
    }
    return UpgradeException.Reason.SECURITY;
  }

  /** Starts the upgrade timer when TCP becomes established (outbound channels). */
  private static final class UpgradeWatch extends ChannelInboundHandlerAdapter {
    private final Upgrade upgrade;

    UpgradeWatch(Upgrade upgrade) {
      this.upgrade = upgrade;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      upgrade.startTimer();
      ctx.pipeline().remove(this);
      super.channelActive(ctx);
    }
  }

  /**
   * Last handler of a connection: turns exceptions that reach the end of the pipeline into an
   * upgrade failure, or, once upgraded, into one log line and a close. Expected network errors
   * (resets, broken pipes) are logged without a stack trace.
   */
  private static final class ConnectionErrors extends ChannelInboundHandlerAdapter {
    private final Upgrade upgrade;

    ConnectionErrors(Upgrade upgrade) {
      this.upgrade = upgrade;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!upgrade.promise.isDone()) {
        upgrade.fail(cause instanceof IOException ? UpgradeException.Reason.CLOSED : UpgradeException.Reason.SECURITY,
            "connection error during " + upgrade.step + ": " + cause.getMessage(), cause);
        return;
      }
      Connection conn = upgrade.promise.getNow();
      if (cause instanceof IOException) {
        // Resets and broken pipes are how peers often hang up; the disconnect is logged anyway.
        log.debug("connection error peer={} conn={}: {}", conn.remotePeer(), conn.id(), cause.getMessage());
      } else {
        log.warn("connection error peer={} conn={}", conn.remotePeer(), conn.id(), cause);
      }
      ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // Nothing should get here: the muxer consumes all connection data.
      io.netty.util.ReferenceCountUtil.release(msg);
    }
  }

  /** Negotiates each inbound stream's protocol and hands it to the registered handler. */
  @ChannelHandler.Sharable
  private final class InboundStreams extends ChannelInitializer<Channel> {
    private volatile Connection connection;

    @Override
    protected void initChannel(Channel ch) {
      StreamChannel stream = (StreamChannel) ch;
      Connection conn = connection;
      stream.pipeline().addLast("multistream", MultistreamHandler.responder(
          protocols.protocolIds(), config.negotiationTimeout(), (c, protocol) -> {
            StreamHandler handler = protocols.handler(protocol);
            if (handler == null) {
              throw new IllegalStateException("no handler for " + protocol);
            }
            c.attr(Connection.STREAM_PROTOCOL).set(protocol);
            handler.initStream(stream, protocol, conn);
            streamListener.streamOpened(conn, stream, protocol, Direction.INBOUND);
          }));
    }
  }
}
