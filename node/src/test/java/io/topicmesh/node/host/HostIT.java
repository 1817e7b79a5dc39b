package io.topicmesh.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import io.topicmesh.node.protocol.identify.IdentifyProtocol;
import io.topicmesh.node.protocol.ping.PingProtocol;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.Direction;
import io.topicmesh.node.transport.UpgradeException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import io.topicmesh.node.testing.NettyLeakCheck;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Two or more of our hosts over real loopback TCP: noise, yamux/mplex, identify, ping, limits. */
class HostIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(20);
  private final List<Host> hosts = new ArrayList<>();

  @AfterEach
  void closeHosts() {
    hosts.forEach(Host::close);
  }

  private Host host(UnaryOperator<HostConfig> tweak) {
    PrivKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom());
    HostConfig config = HostConfig.defaults(key).withListen(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")))
        .withIoThreads(2);
    Host h = Host.create(tweak.apply(config));
    hosts.add(h);
    h.start();
    return h;
  }

  private Host host() {
    return host(c -> c);
  }

  private static Multiaddr addr(Host h) {
    return h.listenAddresses().get(0);
  }

  private static <T> T get(io.netty.util.concurrent.Future<T> f) throws Exception {
    return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  private static Throwable failure(io.netty.util.concurrent.Future<?> f) {
    try {
      f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("expected the future to fail, got " + e, e);
    }
    throw new AssertionError("expected the future to fail, it succeeded with " + f.getNow());
  }

  @ParameterizedTest
  @ValueSource(strings = {YamuxHandler.PROTOCOL_ID, MplexHandler.PROTOCOL_ID})
  void connectPingAndIdentifyOverEachMuxer(String muxer) throws Exception {
    Host a = host(c -> c.withMuxers(List.of(muxer)));
    Host b = host(c -> c.withMuxers(List.of(muxer)));

    Connection ab = get(b.dial(addr(a)));
    assertThat(ab.remotePeer()).isEqualTo(a.peerId());
    assertThat(ab.muxerProtocol()).isEqualTo(muxer);
    assertThat(ab.securityProtocol()).isEqualTo("/noise");
    assertThat(ab.direction()).isEqualTo(Direction.OUTBOUND);
    await().atMost(WAIT).until(() -> a.connection(b.peerId()).isPresent());
    Connection ba = a.connection(b.peerId()).orElseThrow();
    assertThat(ba.direction()).isEqualTo(Direction.INBOUND);
    assertThat(ba.muxerProtocol()).isEqualTo(muxer);

    Duration rtt1 = get(b.ping(a.peerId()));
    Duration rtt2 = get(a.ping(b.peerId()));
    assertThat(rtt1).isPositive().isLessThan(WAIT);
    assertThat(rtt2).isPositive().isLessThan(WAIT);

    // Identify ran both ways on connect.
    await().atMost(WAIT).until(() -> b.peerStore().get(a.peerId()).isPresent() && a.peerStore().get(b.peerId()).isPresent());
    PeerInfo aSeenByB = b.peerStore().get(a.peerId()).orElseThrow();
    assertThat(aSeenByB.protocolVersion()).isEqualTo("ipfs/0.1.0");
    assertThat(aSeenByB.agentVersion()).startsWith("topicmesh/");
    assertThat(aSeenByB.publicKey()).isEqualTo(a.config().key().publicKey());
    assertThat(aSeenByB.protocols()).contains(IdentifyProtocol.ID, IdentifyProtocol.PUSH_ID, PingProtocol.ID);
    assertThat(aSeenByB.listenAddrs()).containsExactly(addr(a).withoutPeerId());
    // a observed b's connection from b's ephemeral port, which b reports as the remote of its own local address.
    assertThat(aSeenByB.observedAddr()).isEqualTo(ab.localAddress());
    PeerInfo bSeenByA = a.peerStore().get(b.peerId()).orElseThrow();
    assertThat(bSeenByA.listenAddrs()).containsExactly(addr(b).withoutPeerId());
    assertThat(bSeenByA.observedAddr()).isEqualTo(ba.localAddress());
    assertThat(a.metrics().identifies(true)).isEqualTo(1);
    assertThat(b.metrics().identifies(true)).isEqualTo(1);
  }

  @Test
  void protocolsAddedLaterReachConnectedPeersThroughIdentifyPush() throws Exception {
    Host a = host();
    Host b = host();
    get(b.dial(addr(a)));
    await().atMost(WAIT).until(() -> b.peerStore().get(a.peerId()).isPresent());
    assertThat(b.peerStore().get(a.peerId()).orElseThrow().protocols()).doesNotContain("/late/1.0.0");
    a.setStreamHandler("/late/1.0.0", (s, p, c) -> { });
    await().atMost(WAIT).until(() -> b.peerStore().get(a.peerId()).orElseThrow().protocols().contains("/late/1.0.0"));
    a.removeStreamHandler("/late/1.0.0");
    await().atMost(WAIT).until(() -> !b.peerStore().get(a.peerId()).orElseThrow().protocols().contains("/late/1.0.0"));
    assertThat(b.metrics().identifies(true)).isEqualTo(3);
  }

  @Test
  void identifyAnswersThatLieOrOverflowAreRejectedAndTheConnectionStays() throws Exception {
    Host liar = host();
    Host oversized = host();
    Host b = host();
    PubKey someoneElse = PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey();
    liar.setStreamHandler(IdentifyProtocol.ID, (stream, protocol, conn) -> {
      var msg = io.topicmesh.node.protocol.identify.pb.IdentifyProtos.Identify.newBuilder()
          .setPublicKey(com.google.protobuf.ByteString.copyFrom(someoneElse.bytes()))
          .addProtocols("/ipfs/id/1.0.0").build();
      stream.writeAndFlush(io.topicmesh.node.protocol.identify.IdentifyCodec.encode(stream.alloc(), msg));
      stream.closeWrite();
    });
    oversized.setStreamHandler(IdentifyProtocol.ID, (stream, protocol, conn) -> {
      io.netty.buffer.ByteBuf buf = stream.alloc().buffer();
      io.topicmesh.node.util.Varint.write(buf, 1 << 20);
      buf.writeZero(1024);
      stream.writeAndFlush(buf);
    });
    get(b.dial(addr(liar)));
    get(b.dial(addr(oversized)));
    await().atMost(WAIT).until(() -> b.metrics().identifies(false) == 2);
    assertThat(b.peerStore().get(liar.peerId())).isEmpty();
    assertThat(b.peerStore().get(oversized.peerId())).isEmpty();
    assertThat(get(b.ping(liar.peerId()))).isPositive();
    assertThat(get(b.ping(oversized.peerId()))).isPositive();
  }

  @Test
  void muxerPreferenceOrderIsTheDialersAndFallsBack() throws Exception {
    Host a = host(c -> c.withMuxers(List.of(YamuxHandler.PROTOCOL_ID, MplexHandler.PROTOCOL_ID)));
    Host b = host(c -> c.withMuxers(List.of(MplexHandler.PROTOCOL_ID, YamuxHandler.PROTOCOL_ID)));
    Host onlyYamux = host(c -> c.withMuxers(List.of(YamuxHandler.PROTOCOL_ID)));
    assertThat(get(b.dial(addr(a))).muxerProtocol()).isEqualTo(MplexHandler.PROTOCOL_ID);
    assertThat(get(b.dial(addr(onlyYamux))).muxerProtocol()).isEqualTo(YamuxHandler.PROTOCOL_ID);
  }

  @Test
  void customProtocolHandlerGetsStreamsAndUnknownProtocolsAreRefused() throws Exception {
    Host a = host();
    Host b = host();
    a.setStreamHandler("/echo/1.0.0", (stream, protocol, conn) -> stream.pipeline().addLast(
        new io.netty.channel.ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
          }
        }));
    List<String> streamEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
    a.addListener(new ConnectionListener() {
      @Override
      public void streamOpened(Connection c, io.topicmesh.node.mux.StreamChannel s, String protocol, Direction d) {
        streamEvents.add("a " + d.label() + " " + protocol + " " + c.remotePeer());
      }
    });
    b.addListener(new ConnectionListener() {
      @Override
      public void streamOpened(Connection c, io.topicmesh.node.mux.StreamChannel s, String protocol, Direction d) {
        streamEvents.add("b " + d.label() + " " + protocol + " " + c.remotePeer());
      }
    });
    get(b.dial(addr(a)));
    var received = new java.util.concurrent.CompletableFuture<String>();
    var stream = get(b.newStream(a.peerId(), List.of("/nope/1.0.0", "/echo/1.0.0"), (s, p, c) ->
        s.pipeline().addLast(new io.netty.channel.SimpleChannelInboundHandler<io.netty.buffer.ByteBuf>() {
          @Override
          protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx, io.netty.buffer.ByteBuf msg) {
            received.complete(msg.toString(StandardCharsets.UTF_8));
          }
        })));
    assertThat(stream.attr(Connection.STREAM_PROTOCOL).get()).isEqualTo("/echo/1.0.0");
    stream.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("hello", StandardCharsets.UTF_8));
    assertThat(received.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("hello");
    stream.close();
    await().atMost(WAIT).untilAsserted(() -> assertThat(streamEvents).contains(
        "b outbound /echo/1.0.0 " + a.peerId(), "a inbound /echo/1.0.0 " + b.peerId(),
        "b outbound /ipfs/id/1.0.0 " + a.peerId(), "a inbound /ipfs/id/1.0.0 " + b.peerId()));

    Throwable err = failure(b.newStream(a.peerId(), List.of("/nope/1.0.0"), (s, p, c) -> { }));
    assertThat(err).hasMessageContaining("/nope/1.0.0");
    // The connection survives a refused stream.
    assertThat(get(b.ping(a.peerId()))).isPositive();
  }

  @Test
  void duplicateConnectionsKeepTheOneWhoseInitiatorHasTheSmallerPeerId() throws Exception {
    // Young connections only: the settled-connection rule must not apply however slow the machine.
    Host a = host(c -> c.withSettledConnectionAge(Duration.ofHours(1)));
    Host b = host(c -> c.withSettledConnectionAge(Duration.ofHours(1)));
    PeerId smaller = a.peerId().compareTo(b.peerId()) < 0 ? a.peerId() : b.peerId();
    Host small = smaller.equals(a.peerId()) ? a : b;
    Host large = small == a ? b : a;

    // First the larger id dials; then the smaller one dials too, by address only so the dial is
    // not merged with the existing connection: its connection must win on both sides.
    Connection first = get(large.dial(addr(small)));
    assertThat(first.initiatorPeer()).isEqualTo(large.peerId());
    Connection second = get(small.dial(addr(large).withoutPeerId()));
    assertThat(second.initiatorPeer()).isEqualTo(small.peerId());
    assertSingleConnectionInitiatedBy(small, large, smaller);
    await().atMost(WAIT).until(() -> !first.isOpen());

    // Now the larger id dials again, by address: its new connection loses on both sides.
    Connection third = get(large.dial(addr(small).withoutPeerId()));
    assertThat(third.initiatorPeer()).isEqualTo(smaller);
    assertSingleConnectionInitiatedBy(small, large, smaller);
    assertThat(small.metrics().failures(UpgradeException.Reason.DUPLICATE)
        + large.metrics().failures(UpgradeException.Reason.DUPLICATE)).isGreaterThanOrEqualTo(2);
    assertThat(get(large.ping(small.peerId()))).isPositive();
    assertThat(get(small.ping(large.peerId()))).isPositive();
  }

  @Test
  void aSettledConnectionIsKeptAgainstALateDialWhoeverInitiatedIt() throws Exception {
    // Every existing connection counts as settled: a later dial to the same peer loses on both
    // sides, even when its initiator has the smaller peer id (which would win between young ones).
    Host a = host(c -> c.withSettledConnectionAge(Duration.ZERO));
    Host b = host(c -> c.withSettledConnectionAge(Duration.ZERO));
    PeerId smaller = a.peerId().compareTo(b.peerId()) < 0 ? a.peerId() : b.peerId();
    Host small = smaller.equals(a.peerId()) ? a : b;
    Host large = small == a ? b : a;

    Connection first = get(large.dial(addr(small)));
    assertThat(first.initiatorPeer()).isEqualTo(large.peerId());
    // A stream that lives on the settled connection must survive the late dial.
    Connection late = get(small.dial(addr(large).withoutPeerId()));
    assertThat(late.initiatorPeer()).as("the dial returns the kept connection").isEqualTo(large.peerId());
    assertSingleConnectionInitiatedBy(small, large, large.peerId());
    assertThat(first.isOpen()).isTrue();
    await().atMost(WAIT).until(() -> small.metrics().failures(UpgradeException.Reason.DUPLICATE)
        + large.metrics().failures(UpgradeException.Reason.DUPLICATE) >= 1);
    assertThat(get(small.ping(large.peerId()))).isPositive();
    assertThat(get(large.ping(small.peerId()))).isPositive();
  }

  private static void assertSingleConnectionInitiatedBy(Host x, Host y, PeerId initiator) {
    await().atMost(WAIT).untilAsserted(() -> {
      Connection xy = x.connection(y.peerId()).orElseThrow();
      Connection yx = y.connection(x.peerId()).orElseThrow();
      assertThat(xy.initiatorPeer()).isEqualTo(initiator);
      assertThat(yx.initiatorPeer()).isEqualTo(initiator);
      // Same TCP connection seen from both ends.
      assertThat(xy.localAddress()).isEqualTo(yx.remoteAddress());
      assertThat(x.connections()).hasSize(1);
      assertThat(y.connections()).hasSize(1);
      assertThat(x.metrics().connections()).isEqualTo(1);
      assertThat(y.metrics().connections()).isEqualTo(1);
    });
  }

  @Test
  void simultaneousDialsConvergeOnOneConnection() throws Exception {
    Host a = host(c -> c.withSettledConnectionAge(Duration.ofHours(1)));
    Host b = host(c -> c.withSettledConnectionAge(Duration.ofHours(1)));
    var fa = a.dial(addr(b));
    var fb = b.dial(addr(a));
    get(fa);
    get(fb);
    PeerId smaller = a.peerId().compareTo(b.peerId()) < 0 ? a.peerId() : b.peerId();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(a.connections()).hasSize(1);
      assertThat(b.connections()).hasSize(1);
      Connection ab = a.connection(b.peerId()).orElseThrow();
      Connection ba = b.connection(a.peerId()).orElseThrow();
      assertThat(ab.localAddress()).isEqualTo(ba.remoteAddress());
      // Either only one dial reached the other side, or both did and the rule picked one.
      if (a.metrics().failures(UpgradeException.Reason.DUPLICATE) > 0) {
        assertThat(ab.initiatorPeer()).isEqualTo(smaller);
      }
    });
    assertThat(get(a.ping(b.peerId()))).isPositive();
  }

  @Test
  void connectionsBeyondTheMaximumAreRefusedAndCounted() throws Exception {
    Host a = host(c -> c.withMaxConnections(1));
    Host b = host();
    Host c = host();
    get(b.dial(addr(a)));
    Throwable err = failure(c.dial(addr(a)));
    assertThat(err).isInstanceOf(UpgradeException.class);
    await().atMost(WAIT).until(() -> a.metrics().failures(UpgradeException.Reason.MAX_CONNECTIONS) == 1);
    assertThat(a.connections()).hasSize(1);
    assertThat(get(b.ping(a.peerId()))).isPositive();
    // And the limited host cannot dial out either.
    Throwable out = failure(a.dial(addr(c)));
    assertThat(out).isInstanceOf(UpgradeException.class);
    assertThat(((UpgradeException) out).reason()).isEqualTo(UpgradeException.Reason.MAX_CONNECTIONS);
  }

  @Test
  void dialingAPeerIdThatIsNotTheRemotesIsRejected() throws Exception {
    Host a = host();
    Host b = host();
    PeerId other = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey());
    Throwable err = failure(b.dial(addr(a).withoutPeerId().withPeerId(other)));
    assertThat(err).isInstanceOf(UpgradeException.class);
    assertThat(((UpgradeException) err).reason()).isEqualTo(UpgradeException.Reason.PEER_ID_MISMATCH);
    assertThat(b.metrics().failures(UpgradeException.Reason.PEER_ID_MISMATCH)).isEqualTo(1);
    assertThat(b.connections()).isEmpty();
    await().atMost(WAIT).until(() -> a.connections().isEmpty());
  }

  @Test
  void aPeerThatStallsMidHandshakeIsCutOff() throws Exception {
    Host a = host(c -> c.withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(800), Duration.ofSeconds(10)));
    // Inbound: a client that sends the multistream header and /noise, then nothing.
    try (Socket s = new Socket()) {
      s.connect(addr(a).toTcpSocketAddress().orElseThrow(), 5000);
      s.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(multistream("/multistream/1.0.0"));
      out.write(multistream("/noise"));
      out.flush();
      assertThat(readUntilEof(s.getInputStream())).isTrue();
    }
    await().atMost(WAIT).until(() -> a.metrics().failures(UpgradeException.Reason.TIMEOUT) == 1);

    // Outbound: a server that accepts and never answers.
    try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      var dial = a.dial(Multiaddr.fromTcp(new InetSocketAddress("127.0.0.1", silent.getLocalPort())));
      try (Socket accepted = silent.accept()) {
        Throwable err = failure(dial);
        assertThat(((UpgradeException) err).reason()).isEqualTo(UpgradeException.Reason.TIMEOUT);
      }
    }
  }

  @Test
  void aDialThatGetsNoSynAckFailsAtTheConnectTimeout() throws Exception {
    Host a = host(c -> c.withTimeouts(Duration.ofMillis(500), Duration.ofSeconds(15), Duration.ofSeconds(10)));
    // A listener that never accepts: once its accept queue is full, Linux drops further SYNs, so a
    // connect gets no answer at all, like a black-holed address, on loopback.
    List<Socket> fillers = new ArrayList<>();
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      InetSocketAddress target = new InetSocketAddress(full.getInetAddress(), full.getLocalPort());
      boolean queueFull = false;
      for (int i = 0; i < 16 && !queueFull; i++) {
        Socket s = new Socket();
        fillers.add(s);
        try {
          s.connect(target, 300);
        } catch (java.net.SocketTimeoutException e) {
          queueFull = true;
        }
      }
      assertThat(queueFull).as("the accept queue of a never-accepting listener filled up").isTrue();
      long start = System.nanoTime();
      Throwable err = failure(a.dial(Multiaddr.fromTcp(target)));
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(((UpgradeException) err).reason()).isEqualTo(UpgradeException.Reason.CONNECT);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(400)).isLessThan(Duration.ofSeconds(10));
      assertThat(a.metrics().failures(UpgradeException.Reason.CONNECT)).isEqualTo(1);
    } finally {
      for (Socket s : fillers) {
        s.close();
      }
    }
  }

  @Test
  void garbageBeforeOrAfterMultistreamClosesOnlyThatConnection() throws Exception {
    Host a = host(c -> c.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(2)));
    Host b = host();
    get(b.dial(addr(a)));

    // Garbage instead of multistream.
    try (Socket s = new Socket()) {
      s.connect(addr(a).toTcpSocketAddress().orElseThrow(), 5000);
      s.setSoTimeout((int) WAIT.toMillis());
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntilEof(s.getInputStream())).isTrue();
    }
    // Valid multistream, then garbage where the Noise handshake should be.
    try (Socket s = new Socket()) {
      s.connect(addr(a).toTcpSocketAddress().orElseThrow(), 5000);
      s.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(multistream("/multistream/1.0.0"));
      out.write(multistream("/noise"));
      // A Noise frame of 10 bytes cannot hold the 32-byte ephemeral key of message 1.
      byte[] junk = new byte[12];
      new SecureRandom().nextBytes(junk);
      junk[0] = 0;
      junk[1] = 10;
      out.write(junk);
      out.flush();
      assertThat(readUntilEof(s.getInputStream())).isTrue();
    }
    await().atMost(WAIT).until(() -> a.metrics().failures(UpgradeException.Reason.MULTISTREAM) == 1
        && a.metrics().failures(UpgradeException.Reason.SECURITY) == 1);
    // The good connection is unaffected.
    assertThat(a.connections()).hasSize(1);
    assertThat(get(b.ping(a.peerId()))).isPositive();
    assertThat(get(a.ping(b.peerId()))).isPositive();
  }

  @Test
  void closingAHostDisconnectsItsPeers() throws Exception {
    Host a = host();
    Host b = host();
    get(b.dial(addr(a)));
    await().atMost(WAIT).until(() -> a.connections().size() == 1);
    a.close();
    await().atMost(WAIT).until(() -> b.connections().isEmpty());
    assertThat(failure(b.ping(a.peerId()))).hasMessageContaining("not connected");
  }

  static byte[] multistream(String msg) {
    byte[] body = (msg + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[body.length + 1];
    out[0] = (byte) body.length;
    System.arraycopy(body, 0, out, 1, body.length);
    return out;
  }

  /** Reads until the peer closes; true on EOF or reset (both mean: closed by the host). */
  static boolean readUntilEof(InputStream in) {
    byte[] buf = new byte[4096];
    try {
      while (in.read(buf) >= 0) {
        // drain whatever the host answered before closing
      }
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (java.io.IOException e) {
      return true;
    }
  }

  /**
   * mplex has no ping of its own: the host pings over {@code /ipfs/ping/1.0.0} at the keep-alive
   * interval and closes a connection whose peer stopped answering (a silent partition: no RST, no
   * FIN), while a healthy one stays up.
   */
  @Test
  void mplexConnectionsAreKeptAliveAndASilentPeerIsDropped() throws Exception {
    UnaryOperator<HostConfig> mplexKeepAlive = c -> c.withMuxers(List.of(MplexHandler.PROTOCOL_ID))
        .withMuxConfig(c.muxConfig().withYamuxKeepAlive(Duration.ofMillis(300), Duration.ofSeconds(3)));
    Host a = host(mplexKeepAlive);
    Host b = host(mplexKeepAlive);
    Host c = host(mplexKeepAlive);
    Connection ab = get(a.dial(addr(b)));
    Connection ac = get(a.dial(addr(c)));
    assertThat(ab.muxerProtocol()).isEqualTo(MplexHandler.PROTOCOL_ID);
    // healthy: several keep-alive rounds later both connections are still the hosts' connections
    await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> ab.isOpen() && ac.isOpen());
    // c goes silent: its side of the connection stops reading, so no echo ever comes back
    Connection ca = await().atMost(WAIT).until(() -> c.connection(a.peerId()), java.util.Optional::isPresent).orElseThrow();
    ca.channel().eventLoop().submit(() -> ca.channel().config().setAutoRead(false)).get(5, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> !ac.isOpen());
    assertThat(a.connection(c.peerId())).as("a dropped the silent peer").isEmpty();
    assertThat(ab.isOpen()).as("and kept the healthy one").isTrue();
  }
}
