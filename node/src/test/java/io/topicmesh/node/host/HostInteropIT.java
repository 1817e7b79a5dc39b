package io.topicmesh.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.interop.InteropPeer;
import io.topicmesh.node.interop.InteropPeer.Kind;
import io.topicmesh.node.interop.PeerEvent;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.Direction;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import io.topicmesh.node.testing.NettyLeakCheck;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our host against go-libp2p, js-libp2p and rust-libp2p peers (built by {@code e2e/interop/build.sh}): both
 * dial directions, yamux and mplex, ping both ways, and identify as each side learned it.
 */
class HostInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);

  private Host host;
  private InteropPeer peer;

  @AfterEach
  void close() {
    if (peer != null) {
      peer.close();
    }
    if (host != null) {
      host.close();
    }
  }

  static Stream<Arguments> peers() {
    return Stream.of(
        Arguments.of(Kind.GO, "yamux"), Arguments.of(Kind.GO, "mplex"),
        Arguments.of(Kind.JS, "yamux"), Arguments.of(Kind.JS, "mplex"),
        Arguments.of(Kind.RUST, "yamux"), Arguments.of(Kind.RUST, "mplex"));
  }

  /**
   * Peers running gossipsub open /meshsub streams to us, which this host (no router registered)
   * refuses in multistream; the connection must stay up and keep working.
   */
  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(Kind.class)
  void refusedProtocolsLeaveTheConnectionUp(Kind kind) throws Exception {
    host = Host.create(HostConfig.defaults(PrivKey.generate(KeyType.ED25519, new SecureRandom()))
        .withListen(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))).withIoThreads(2));
    host.start();
    peer = InteropPeer.start(kind, "--pubsub", "gossipsub", "--topic", "t");
    PeerId them = PeerId.parse(peer.peerId());
    peer.dial(host.listenAddresses().get(0).toString());
    await().atMost(WAIT).until(() -> host.peerStore().get(them).isPresent());
    if (kind == Kind.RUST) {
      // rust-libp2p's gossipsub handler disables itself on a connection whose peer refused
      // /meshsub (and identify then stops listing it there): rust reports the refusal instead.
      PeerEvent refused = peer.awaitEvent("rust giving up on gossipsub with us",
          e -> e.is("pubsub-stream", "peer", host.peerId().toString()), WAIT);
      assertThat(refused.fields().get("protocol")).isNull();
    } else {
      assertThat(host.peerStore().get(them).orElseThrow().protocols()).contains("/meshsub/1.1.0");
    }
    // They learned we speak no pubsub, and ping still works both ways on the same connection.
    assertThat(peer.identify(host.peerId().toString()).strings("protocols")).noneMatch(p -> p.startsWith("/meshsub"));
    Connection conn = host.connection(them).orElseThrow();
    pingBothWays();
    assertThat(host.connection(them)).containsSame(conn);
    assertThat(conn.isOpen()).isTrue();
  }

  private void start(Kind kind, String muxer) {
    String muxerId = muxer.equals("yamux") ? YamuxHandler.PROTOCOL_ID : MplexHandler.PROTOCOL_ID;
    host = Host.create(HostConfig.defaults(PrivKey.generate(KeyType.ED25519, new SecureRandom()))
        .withListen(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0"))).withMuxers(List.of(muxerId)).withIoThreads(2));
    host.start();
    peer = InteropPeer.start(kind, "--muxer", muxer, "--pubsub", "none");
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("peers")
  void weDialThem(Kind kind, String muxer) throws Exception {
    start(kind, muxer);
    Connection conn = host.dial(Multiaddr.parse(peer.listenAddr())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(conn.remotePeer()).isEqualTo(PeerId.parse(peer.peerId()));
    assertThat(conn.direction()).isEqualTo(Direction.OUTBOUND);
    assertThat(conn.muxerProtocol()).isEqualTo("/" + muxer + (muxer.equals("yamux") ? "/1.0.0" : "/6.7.0"));
    PeerEvent theirs = peer.awaitEvent("connection from us", e -> e.is("connected", "peer", host.peerId().toString()), WAIT);
    assertThat(theirs.string("direction")).isEqualTo("inbound");
    assertThat(theirs.string("muxer")).isEqualTo(conn.muxerProtocol());
    assertThat(theirs.string("security")).isEqualTo("/noise");

    pingBothWays();
    identifyBothWays(conn);
  }

  @ParameterizedTest(name = "{0} over {1}")
  @MethodSource("peers")
  void theyDialUs(Kind kind, String muxer) throws Exception {
    start(kind, muxer);
    PeerEvent dialed = peer.dial(host.listenAddresses().get(0).toString());
    assertThat(dialed.string("peer")).isEqualTo(host.peerId().toString());
    PeerId them = PeerId.parse(peer.peerId());
    await().atMost(WAIT).until(() -> host.connection(them).isPresent());
    Connection conn = host.connection(them).orElseThrow();
    assertThat(conn.direction()).isEqualTo(Direction.INBOUND);
    assertThat(dialed.string("muxer")).isEqualTo(conn.muxerProtocol());
    assertThat(conn.muxerProtocol()).startsWith("/" + muxer + "/");

    pingBothWays();
    identifyBothWays(conn);
  }

  private void pingBothWays() throws Exception {
    PeerId them = PeerId.parse(peer.peerId());
    Duration rtt = host.ping(them).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(rtt).isPositive().isLessThan(WAIT);
    assertThat(peer.ping(host.peerId().toString())).isBetween(0.0, 10_000.0);
    // A second ping on a fresh stream works too (the responder keeps no stale state).
    assertThat(host.ping(them).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isPositive();
  }

  private void identifyBothWays(Connection conn) {
    PeerId them = PeerId.parse(peer.peerId());
    // What we learned from them.
    await().atMost(WAIT).until(() -> host.peerStore().get(them).isPresent());
    PeerInfo info = host.peerStore().get(them).orElseThrow();
    assertThat(info.publicKey()).isEqualTo(PubKey.unmarshal(Base64.getDecoder().decode(peer.publicKey())));
    assertThat(info.protocols()).contains("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0");
    assertThat(info.listenAddrs()).contains(Multiaddr.parse(peer.listenAddr()).withoutPeerId());
    assertThat(info.agentVersion()).startsWith("topicmesh-interop-" + peer.kind().name().toLowerCase() + "/");
    // go-libp2p leaves protocolVersion empty nowadays; js-libp2p appends our /p2p id to observedAddr.
    assertThat(info.observedAddr().withoutPeerId()).isEqualTo(conn.localAddress());

    // What they learned from us.
    PeerEvent seen = peer.identify(host.peerId().toString());
    assertThat(seen.strings("protocols")).contains("/ipfs/id/1.0.0", "/ipfs/id/push/1.0.0", "/ipfs/ping/1.0.0");
    assertThat(seen.strings("listenAddrs")).contains(host.listenAddresses().get(0).withoutPeerId().toString());
    assertThat(seen.string("agentVersion")).startsWith("topicmesh/");
    assertThat(seen.string("protocolVersion")).isEqualTo("ipfs/0.1.0");
    assertThat(seen.string("publicKey"))
        .isEqualTo(Base64.getEncoder().encodeToString(host.config().key().publicKey().bytes()));
    assertThat(Multiaddr.parse(seen.string("observedAddr")).withoutPeerId()).isEqualTo(conn.remoteAddress());
  }
}
