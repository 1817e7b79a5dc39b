package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.interop.InteropPeer;
import io.topicmesh.node.interop.InteropPeer.Kind;
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
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * All four implementations on one topic: go-libp2p-pubsub, js gossipsub, rust-libp2p gossipsub and
 * ours, connected in a ring so that every message is relayed by other implementations on its way:
 *
 * <pre>
 *   ours0 — go — rust1 — js — ours1 — rust2 — (ours0)
 * </pre>
 *
 * Every node publishes; every other node delivers every message exactly once, and each link runs
 * the newest protocol both ends speak (js tops out at /meshsub/1.2.0, the others at 1.3.0).
 */
class MixedClusterInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String TOPIC = "mixed-go-js-rust-ours";
  private static final String HEARTBEAT_MS = "200";

  /** A node of the ring: one of ours or an interop peer. */
  private record Node(String name, LocalPubsubNode ours, Deliveries got, InteropPeer peer) {
    String id() {
      return ours != null ? ours.host().peerId().toBase58() : peer.peerId();
    }

    List<String> mesh() {
      return ours != null ? ours.router().meshPeers(TOPIC).stream().map(PeerId::toBase58).toList() : peer.mesh(TOPIC);
    }

    void publish(String data) throws Exception {
      if (ours != null) {
        ours.router().publish(TOPIC, data.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      } else {
        peer.publish(TOPIC, data.getBytes(StandardCharsets.UTF_8));
      }
    }

    long deliveries(String data) {
      if (ours != null) {
        ByteString want = ByteString.copyFromUtf8(data);
        return got.messages.entrySet().stream().filter(e -> e.getValue().message().data().equals(want))
            .mapToLong(e -> got.count(e.getKey())).sum();
      }
      return peer.events().stream().filter(e -> e.is("message", "topic", TOPIC)
          && data.equals(new String(e.bytes("data"), StandardCharsets.UTF_8))).count();
    }

    @Override
    public String toString() {
      return name + " " + id();
    }
  }

  private static LocalPubsubNode ourNode(int hostByte, List<RejectReason> rejected) {
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    RouterObserver observer = new RouterObserver() {
      @Override
      public void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {
        rejected.add(reason);
      }
    };
    return LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Multiaddr.parse("/ip4/127.0.0." + hostByte + "/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
        b -> b.observer(observer));
  }

  @Test
  void everyImplementationPublishesAndEveryOtherDeliversEverythingOnce() throws Exception {
    List<RejectReason> rejected = new CopyOnWriteArrayList<>();
    List<String> common = List.of("--topic", TOPIC, "--heartbeat-ms", HEARTBEAT_MS);
    try (LocalPubsubNode ours0 = ourNode(81, rejected);
         LocalPubsubNode ours1 = ourNode(82, rejected);
         InteropPeer go = InteropPeer.start(Kind.GO, common);
         InteropPeer rust1 = InteropPeer.start(Kind.RUST, common);
         InteropPeer js = InteropPeer.start(Kind.JS, common);
         InteropPeer rust2 = InteropPeer.start(Kind.RUST, common)) {
      Deliveries got0 = new Deliveries();
      Deliveries got1 = new Deliveries();
      ours0.router().subscribe(TOPIC, got0);
      ours1.router().subscribe(TOPIC, got1);
      Node n0 = new Node("ours0", ours0, got0, null);
      Node nGo = new Node("go", null, null, go);
      Node nRust1 = new Node("rust1", null, null, rust1);
      Node nJs = new Node("js", null, null, js);
      Node n1 = new Node("ours1", ours1, got1, null);
      Node nRust2 = new Node("rust2", null, null, rust2);
      List<Node> ring = List.of(n0, nGo, nRust1, nJs, n1, nRust2);

      // the ring's links, dialled from both kinds of ends
      ours0.host().dial(Multiaddr.parse(go.listenAddr())).get(20, TimeUnit.SECONDS);
      go.dial(rust1.listenAddr());
      rust1.dial(js.listenAddr());
      js.dial(ours1.address().toString());
      ours1.host().dial(Multiaddr.parse(rust2.listenAddr())).get(20, TimeUnit.SECONDS);
      rust2.dial(ours0.address().toString());

      await("every node's mesh holding both its ring neighbours").atMost(WAIT).untilAsserted(() -> {
        for (int i = 0; i < ring.size(); i++) {
          Node node = ring.get(i);
          Node prev = ring.get((i + ring.size() - 1) % ring.size());
          Node next = ring.get((i + 1) % ring.size());
          assertThat(node.mesh()).as("mesh of %s", node).contains(prev.id(), next.id());
        }
      });

      // each link on the newest version both ends speak
      assertThat(ours0.network().protocolOf(PeerId.parse(go.peerId()))).contains("/meshsub/1.3.0");
      assertThat(ours0.network().protocolOf(PeerId.parse(rust2.peerId()))).contains("/meshsub/1.3.0");
      assertThat(ours1.network().protocolOf(PeerId.parse(rust2.peerId()))).contains("/meshsub/1.3.0");
      assertThat(ours1.network().protocolOf(PeerId.parse(js.peerId()))).contains("/meshsub/1.2.0");
      assertThat(rust1.awaitEvent("rust1's protocol with go", e -> e.is("pubsub-stream", "peer", go.peerId()), WAIT)
          .string("protocol")).isEqualTo("/meshsub/1.3.0");
      assertThat(rust1.awaitEvent("rust1's protocol with js", e -> e.is("pubsub-stream", "peer", js.peerId()), WAIT)
          .string("protocol")).isEqualTo("/meshsub/1.2.0");
      assertThat(go.awaitEvent("go's protocol with rust1", e -> e.is("pubsub-stream", "peer", rust1.peerId()), WAIT)
          .string("protocol")).isEqualTo("/meshsub/1.3.0");

      List<String> sent = new ArrayList<>();
      for (int round = 0; round < 2; round++) {
        for (Node node : ring) {
          String data = node.name + "-" + round;
          node.publish(data);
          sent.add(data);
        }
      }
      for (String data : sent) {
        for (Node node : ring) {
          if (data.startsWith(node.name + "-")) {
            continue;
          }
          await("'" + data + "' at " + node).atMost(WAIT).until(() -> node.deliveries(data) >= 1);
        }
      }
      // A few more heartbeats (gossip, IWANT answers) may not bring a second delivery anywhere.
      long ticks = ours0.router().heartbeatTicks();
      await().atMost(WAIT).until(() -> ours0.router().heartbeatTicks() >= ticks + 5);
      for (String data : sent) {
        for (Node node : ring) {
          assertThat(node.deliveries(data)).as("deliveries of '%s' at %s", data, node)
              .isEqualTo(data.startsWith(node.name + "-") ? 0 : 1);
        }
      }
      // StrictSign across all four: nothing failed validation at ours (own messages coming back
      // round the ring are SELF_ORIGIN, which is no failure) nor at go.
      assertThat(rejected).as("rejections at ours").allMatch(r -> r == RejectReason.SELF_ORIGIN);
      Set<String> ourIds = Set.of(n0.id(), n1.id());
      assertThat(go.events().stream().filter(e -> e.is("rejected")
          && (ourIds.contains(e.string("receivedFrom")) || !e.string("reason").equals("self originated message"))))
          .as("rejections at go").isEmpty();
    }
  }
}
