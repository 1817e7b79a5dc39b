package io.topicmesh.node.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.multistream.MultistreamHandler;
import io.topicmesh.node.mux.MuxHandler;
import io.topicmesh.node.mux.StreamChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An upgraded connection to one remote peer: TCP secured with Noise and multiplexed with yamux or
 * mplex. Streams are opened with {@link #newStream}; inbound streams are negotiated by the host's
 * protocol registry. Thread-safe; stream operations hop to the connection's event loop.
 */
public final class Connection {
  /** The agreed protocol of a stream, set on the stream channel once negotiated. */
  public static final AttributeKey<String> STREAM_PROTOCOL = AttributeKey.valueOf("topicmesh.stream.protocol");

  private static final AtomicLong IDS = new AtomicLong();

  private final long id = IDS.incrementAndGet();
  private final Channel channel;
  private final MuxHandler muxer;
  private final PeerId localPeer;
  private final PeerId remotePeer;
  private final PubKey remotePublicKey;
  private final Multiaddr localAddress;
  private final Multiaddr remoteAddress;
  private final Direction direction;
  private final String securityProtocol;
  private final Duration negotiationTimeout;
  private final StreamListener streamListener;

  Connection(
      Channel channel,
      MuxHandler muxer,
      PeerId localPeer,
      PeerId remotePeer,
      PubKey remotePublicKey,
      Multiaddr localAddress,
      Multiaddr remoteAddress,
      Direction direction,
      String securityProtocol,
      Duration negotiationTimeout,
      StreamListener streamListener) {
    this.channel = channel;
    this.muxer = muxer;
    this.localPeer = localPeer;
    this.remotePeer = remotePeer;
    this.remotePublicKey = remotePublicKey;
    this.localAddress = localAddress;
    this.remoteAddress = remoteAddress;
    this.direction = direction;
    this.securityProtocol = securityProtocol;
    this.negotiationTimeout = negotiationTimeout;
    this.streamListener = streamListener;
  }

  /** A process-unique number, for logs. */
  public long id() {
    return id;
  }

  public PeerId localPeer() {
    return localPeer;
  }

  public PeerId remotePeer() {
    return remotePeer;
  }

  /** The key the remote proved in the Noise handshake. */
  public PubKey remotePublicKey() {
    return remotePublicKey;
  }

  /** Our end of the TCP connection, without /p2p. */
  public Multiaddr localAddress() {
    return localAddress;
  }

  /** The remote end of the TCP connection, without /p2p (for inbound: the remote's ephemeral port). */
  public Multiaddr remoteAddress() {
    return remoteAddress;
  }

  /** The remote end as a socket address (the IP is what IP-colocation scoring counts). */
  public java.net.InetSocketAddress remoteSocketAddress() {
    return (java.net.InetSocketAddress) channel.remoteAddress();
  }

  public Direction direction() {
    return direction;
  }

  /** True if we dialed: the side whose peer id decides duplicate connections. */
  public boolean isInitiator() {
    return direction == Direction.OUTBOUND;
  }

  /** The peer id of the side that dialed this connection. */
  public PeerId initiatorPeer() {
    return isInitiator() ? localPeer : remotePeer;
  }

  public String securityProtocol() {
    return securityProtocol;
  }

  /** {@code /yamux/1.0.0} or {@code /mplex/6.7.0}. */
  public String muxerProtocol() {
    return muxer.protocolId();
  }

  /** The connection channel (the secured, muxed TCP channel). */
  public Channel channel() {
    return channel;
  }

  public MuxHandler muxer() {
    return muxer;
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** Open streams on this connection, both directions. */
  public int activeStreams() {
    return muxer.activeStreams();
  }

  /**
   * Opens a stream and negotiates the first of {@code protocols} the remote supports. {@code
   * handler} installs the protocol's handlers once agreed (before any data that followed the
   * agreement is read); the future then completes with the stream, whose {@link #STREAM_PROTOCOL}
   * attribute names the protocol. The future fails if the stream cannot be opened, the remote
   * supports none of the protocols, or negotiation takes longer than the negotiation timeout.
   */
  public Future<StreamChannel> newStream(List<String> protocols, StreamHandler handler) {
    Promise<StreamChannel> promise = channel.eventLoop().newPromise();
    ChannelHandler init = new ChannelInitializer<StreamChannel>() {
      @Override
      protected void initChannel(StreamChannel stream) {
        MultistreamHandler ms = MultistreamHandler.initiator(protocols, negotiationTimeout, (ch, protocol) -> {
          ch.attr(STREAM_PROTOCOL).set(protocol);
          handler.initStream(stream, protocol, Connection.this);
          streamListener.streamOpened(Connection.this, stream, protocol, Direction.OUTBOUND);
        });
        stream.pipeline().addLast("multistream", ms);
        ms.protocolFuture().whenComplete((protocol, err) -> {
          if (err == null) {
            promise.trySuccess(stream);
          } else {
            promise.tryFailure(err);
          }
        });
        stream.closeFuture().addListener(f -> promise.tryFailure(
            new StreamOpenException("stream closed during protocol negotiation with " + remotePeer)));
      }
    };
    muxer.openStream(init).addListener(f -> {
      if (!f.isSuccess()) {
        promise.tryFailure(f.cause());
      }
    });
    return promise;
  }

  /** Closes the connection (the muxer says goodbye first where the protocol allows). */
  public ChannelFuture close() {
    return channel.close();
  }

  public ChannelFuture closeFuture() {
    return channel.closeFuture();
  }

  @Override
  public String toString() {
    return "conn#" + id + " " + direction.label() + " " + remotePeer + " " + remoteAddress;
  }

  /** A stream that went away before its protocol was agreed. */
  public static final class StreamOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StreamOpenException(String message) {
      super(message, null, false, false);
    }
  }
}
