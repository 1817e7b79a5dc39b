package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.interop.InteropPeer;
import io.topicmesh.node.interop.InteropPeer.Kind;
import io.topicmesh.node.interop.PeerEvent;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.RejectReason;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.testing.NettyLeakCheck;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every older pubsub protocol against each implementation's gossipsub at its defaults (all the
 * versions it speaks offered): ours offers one protocol only, the peer agrees to it, and messages
 * flow both ways over it. For floodsub the peer's gossipsub router serves ours as a floodsub peer
 * (go and js do so by default; rust-libp2p only with {@code support_floodsub}, here
 * {@code --support-floodsub}).
 */
class ProtocolVersionsInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String HEARTBEAT_MS = "200";
  private static final String FLOODSUB = "/floodsub/1.0.0";

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Kind kind : List.of(Kind.GO, Kind.JS, Kind.RUST)) {
      for (String protocol : List.of("/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0", FLOODSUB)) {
        out.add(Arguments.of(kind, protocol));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cases")
  void oursOffersOneProtocolAndThePeerSpeaksIt(Kind kind, String protocol) throws Exception {
    String topic = "versions-" + kind.name().toLowerCase() + protocol.replace('/', '-');
    List<RejectReason> rejected = new CopyOnWriteArrayList<>();
    RouterObserver observer = new RouterObserver() {
      @Override
      public void rejected(String t, MessageId id, PeerId source, RejectReason reason) {
        rejected.add(reason);
      }
    };
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    List<String> flags = new ArrayList<>(List.of("--topic", topic, "--heartbeat-ms", HEARTBEAT_MS));
    if (kind == Kind.RUST) {
      flags.add("--support-floodsub");
    }
    try (LocalPubsubNode n = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
             Multiaddr.parse("/ip4/127.0.0.77/tcp/0"), 1, params,
             PubsubNetwork.Options.defaults().withProtocols(List.of(protocol)), b -> b.observer(observer));
         InteropPeer peer = InteropPeer.start(kind, flags)) {
      Deliveries got = new Deliveries();
      n.router().subscribe(topic, got);
      PeerId them = PeerId.parse(peer.peerId());
      String ourId = n.host().peerId().toBase58();
      n.host().dial(Multiaddr.parse(peer.listenAddr())).get(20, TimeUnit.SECONDS);

      await("ours on " + protocol + " with " + kind).atMost(WAIT)
          .until(() -> n.network().protocolOf(them).filter(protocol::equals).isPresent());
      if (kind != Kind.JS && !protocol.equals(FLOODSUB)) {
        // go and rust report what they negotiated (js has no such event; rust none for floodsub)
        PeerEvent stream = peer.awaitEvent("the peer's protocol with ours", e -> e.is("pubsub-stream", "peer", ourId), WAIT);
        assertThat(stream.string("protocol")).isEqualTo(protocol);
      }
      if (protocol.equals(FLOODSUB)) {
        await("each side knows the other's subscription").atMost(WAIT).until(() ->
            n.router().topicPeers(topic).contains(them) && peer.subscribers(topic).contains(ourId));
        assertThat(n.router().meshPeers(topic)).doesNotContain(them);
      } else {
        await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(them)
            && peer.mesh(topic).contains(ourId));
      }

      String fromOurs = "ours-over-" + protocol;
      n.router().publish(topic, fromOurs.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      peer.awaitEvent("our message at " + kind, e -> e.is("message", "topic", topic)
          && fromOurs.equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      String fromThem = kind.name().toLowerCase() + "-over-" + protocol;
      peer.publish(topic, fromThem.getBytes(StandardCharsets.UTF_8));
      await(kind + "'s message at ours").atMost(WAIT).until(() -> got.messages.values().stream()
          .anyMatch(m -> m.message().data().toStringUtf8().equals(fromThem)));
      assertThat(got.counts.values()).allMatch(c -> c.get() == 1);
      // a js floodsub-fallback peer may echo our own message back (SELF_ORIGIN): no failure
      assertThat(rejected).allMatch(r -> r == RejectReason.SELF_ORIGIN);
    }
  }
}
