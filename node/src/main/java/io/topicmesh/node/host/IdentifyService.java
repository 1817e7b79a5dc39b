package io.topicmesh.node.host;

import com.google.protobuf.ByteString;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.protocol.identify.IdentifyCodec;
import io.topicmesh.node.protocol.identify.IdentifyException;
import io.topicmesh.node.protocol.identify.IdentifyProtocol;
import io.topicmesh.node.protocol.identify.IdentifyReceiver;
import io.topicmesh.node.protocol.identify.pb.IdentifyProtos.Identify;
import io.topicmesh.node.transport.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identify: answers {@code /ipfs/id/1.0.0} with our message, accepts {@code /ipfs/id/push/1.0.0}
 * updates, and asks every new connection's peer (see {@link #identify}). What peers send is checked
 * (the public key must match the peer id proven by Noise) and stored in the {@link PeerStore}.
 */
final class IdentifyService {
  private static final Logger log = LoggerFactory.getLogger(IdentifyService.class);

  private final PubKey localKey;
  private final String agentVersion;
  private final Supplier<List<Multiaddr>> listenAddrs;
  private final Supplier<java.util.Collection<String>> protocols;
  private final PeerStore store;
  private final HostMetrics metrics;
  private final java.util.function.Consumer<java.util.function.Consumer<ConnectionListener>> listeners;
  private final Duration timeout;
  private final Clock clock;
  private final java.util.function.Predicate<Connection> current;

  IdentifyService(PubKey localKey, String agentVersion, Supplier<List<Multiaddr>> listenAddrs,
      Supplier<java.util.Collection<String>> protocols, PeerStore store, HostMetrics metrics,
      java.util.function.Consumer<java.util.function.Consumer<ConnectionListener>> listeners, Duration timeout, Clock clock,
      java.util.function.Predicate<Connection> current) {
    this.current = current;
    this.localKey = localKey;
    this.agentVersion = agentVersion;
    this.listenAddrs = listenAddrs;
    this.protocols = protocols;
    this.store = store;
    this.metrics = metrics;
    this.listeners = listeners;
    this.timeout = timeout;
    this.clock = clock;
  }

  /** The message we send to {@code conn}'s peer. */
  Identify localMessage(Connection conn) {
    Identify.Builder b = Identify.newBuilder()
        .setProtocolVersion(IdentifyProtocol.PROTOCOL_VERSION)
        .setAgentVersion(agentVersion)
        .setPublicKey(ByteString.copyFrom(localKey.bytes()))
        .setObservedAddr(ByteString.copyFrom(conn.remoteAddress().bytes()))
        .addAllProtocols(protocols.get());
    for (Multiaddr a : listenAddrs.get()) {
      b.addListenAddrs(ByteString.copyFrom(a.withoutPeerId().bytes()));
    }
    return b.build();
  }

  /** Responder of {@code /ipfs/id/1.0.0}: writes our message and half-closes. */
  void respond(StreamChannel stream, String protocol, Connection conn) {
    stream.writeAndFlush(IdentifyCodec.encode(stream.alloc(), localMessage(conn)));
    stream.closeWrite().addListener(f -> stream.close());
  }

  /**
   * Pushes our current identify message to {@code conn}'s peer ({@code /ipfs/id/push/1.0.0}), e.g.
   * after our protocols changed. A peer that does not support push is skipped quietly.
   */
  void push(Connection conn) {
    conn.newStream(List.of(IdentifyProtocol.PUSH_ID), (stream, protocol, c) -> {
      stream.writeAndFlush(IdentifyCodec.encode(stream.alloc(), localMessage(c)));
      stream.closeWrite().addListener(f -> stream.close());
    }).addListener(f -> {
      if (!f.isSuccess()) {
        log.debug("identify push to peer={} conn={} failed: {}", conn.remotePeer(), conn.id(), f.cause().getMessage());
      }
    });
  }

  /** Receiver of {@code /ipfs/id/push/1.0.0}. */
  void acceptPush(StreamChannel stream, String protocol, Connection conn) {
    stream.pipeline().addLast(new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS));
    stream.pipeline().addLast(new IdentifyReceiver((msg, err) -> {
      received(conn, msg, err, "push");
      stream.close();
    }));
  }

  /** Asks {@code conn}'s peer to identify itself; the result goes to the peer store and listeners. */
  void identify(Connection conn) {
    conn.newStream(List.of(IdentifyProtocol.ID), (stream, protocol, c) -> {
      stream.pipeline().addLast(new ReadTimeoutHandler(timeout.toMillis(), TimeUnit.MILLISECONDS));
      stream.pipeline().addLast(new IdentifyReceiver((msg, err) -> {
        received(c, msg, err, "identify");
        stream.close();
      }));
    }).addListener(f -> {
      // A connection closed meanwhile (e.g. the loser of a simultaneous dial) is not worth a line.
      if (!f.isSuccess() && current.test(conn)) {
        metrics.identify(false);
        log.info("identify failed peer={} conn={}: {}", conn.remotePeer(), conn.id(), f.cause().getMessage());
      }
    });
  }

  private void received(Connection conn, Identify msg, Throwable err, String kind) {
    if (err != null) {
      if (current.test(conn)) {
        metrics.identify(false);
        log.info("{} failed peer={} conn={}: {}", kind, conn.remotePeer(), conn.id(), describe(err));
      }
      return;
    }
    PeerInfo info;
    try {
      info = toPeerInfo(conn, msg);
    } catch (IdentifyException e) {
      metrics.identify(false);
      log.warn("{} rejected peer={} conn={}: {}", kind, conn.remotePeer(), conn.id(), e.getMessage());
      return;
    }
    store.put(info);
    metrics.identify(true);
    log.info("identified peer={} agent=\"{}\" protocols={} listen={} observed={}", info.peer(),
        info.agentVersion(), info.protocols(), info.listenAddrs(), info.observedAddr());
    listeners.accept(l -> l.peerIdentified(conn, info));
  }

  private PeerInfo toPeerInfo(Connection conn, Identify msg) {
    PubKey key = conn.remotePublicKey();
    if (msg.hasPublicKey()) {
      PubKey sent;
      try {
        sent = PubKey.unmarshal(msg.getPublicKey().toByteArray());
      } catch (RuntimeException e) {
        throw new IdentifyException("undecodable public key: " + e.getMessage());
      }
      if (!conn.remotePeer().matches(sent)) {
        throw new IdentifyException("public key does not match the peer id proven by the handshake");
      }
      key = sent;
    }
    List<Multiaddr> addrs = new ArrayList<>();
    for (ByteString b : msg.getListenAddrsList()) {
      Multiaddr a = decode(b);
      if (a != null) {
        addrs.add(a);
      }
    }
    Multiaddr observed = msg.hasObservedAddr() ? decode(msg.getObservedAddr()) : null;
    return new PeerInfo(conn.remotePeer(), key, msg.getProtocolVersion(), msg.getAgentVersion(), addrs,
        observed, msg.getProtocolsList(), clock.instant());
  }

  private static Multiaddr decode(ByteString bytes) {
    try {
      return Multiaddr.fromBytes(bytes.toByteArray());
    } catch (RuntimeException e) {
      // Addresses with protocols we do not know (quic, webtransport...) are skipped, not fatal.
      return null;
    }
  }

  private static String describe(Throwable err) {
    return err instanceof io.netty.handler.timeout.ReadTimeoutException
        ? "no answer within " + "the identify timeout" : String.valueOf(err.getMessage());
  }
}
