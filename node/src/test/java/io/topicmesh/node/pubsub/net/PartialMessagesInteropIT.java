package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.interop.InteropPeer;
import io.topicmesh.node.interop.InteropPeer.Kind;
import io.topicmesh.node.interop.PeerEvent;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.partial.PartialEvent;
import io.topicmesh.node.pubsub.router.partial.PartialMode;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.testing.NettyLeakCheck;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Partial messages with the newest go-libp2p-pubsub ({@code e2e/interop/go-peer --partial-messages},
 * its {@code partialmessages.PartialMessagesExtension} with the indexed-parts encoding): both sides
 * advertise the extension and request partials on the topic; parts published by ours are assembled
 * by go, parts published by go are assembled by ours, and two halves held one on each side are
 * exchanged until both hold the whole group.
 */
class PartialMessagesInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String HEARTBEAT_MS = "200";

  private static LocalPubsubNode ourNode(int hostByte) {
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    return LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Multiaddr.parse("/ip4/127.0.0." + hostByte + "/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
        b -> b.partialMessages(true));
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Our node and a go peer, meshed on {@code topic}, both requesting partial messages. */
  private record Pair(LocalPubsubNode ours, InteropPeer go, List<PartialEvent> events) implements AutoCloseable {
    static Pair start(int hostByte, String topic) {
      LocalPubsubNode n = ourNode(hostByte);
      InteropPeer go = null;
      try {
        List<PartialEvent> events = new CopyOnWriteArrayList<>();
        n.router().partialMessages().enable(topic, PartialMode.REQUEST, events::add);
        n.router().subscribe(topic, m -> {});
        go = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS, "--partial-messages");
        PeerId goId = PeerId.parse(go.peerId());
        String ourId = n.host().peerId().toBase58();
        go.dial(n.address().toString());
        InteropPeer g = go;
        await("go's Extensions at ours").atMost(WAIT).until(() -> n.router().peerExtensions(goId).isPresent());
        assertThat(n.router().peerExtensions(goId)).as("go advertises partial messages")
            .contains(new ControlExtensions(true, false));
        await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(goId)
            && g.mesh(topic).contains(ourId));
        return new Pair(n, go, events);
      } catch (RuntimeException | Error e) {
        if (go != null) {
          go.close();
        }
        n.close();
        throw e;
      }
    }

    @Override
    public void close() {
      try {
        go.close();
      } finally {
        ours.close();
      }
    }
  }

  @Test
  void partsPublishedByOursAreAssembledByGo() throws Exception {
    String topic = "partial-ours-to-go";
    try (Pair p = Pair.start(71, topic)) {
      String ourId = p.ours().host().peerId().toBase58();
      ByteString group = bs("block-17");
      var first = p.ours().router().partialMessages()
          .publish(topic, group, 4, Map.of(0, bs("The "), 1, bs("quick "))).get(10, TimeUnit.SECONDS);
      assertThat(first.peersSent()).as("peers sent the first parts").isEqualTo(1);
      PeerEvent parts = p.go().awaitEvent("go receiving parts 0 and 1", e -> e.is("partial-parts", "topic", topic)
          && e.string("from").equals(ourId), WAIT);
      assertThat(parts.fields().get("newParts")).isEqualTo(List.of(0L, 1L));
      assertThat(parts.number("held")).isEqualTo(2);
      assertThat(parts.number("total")).isEqualTo(4);

      p.ours().router().partialMessages().publish(topic, group, 4, Map.of(2, bs("brown "), 3, bs("fox")))
          .get(10, TimeUnit.SECONDS);
      PeerEvent done = p.go().awaitEvent("go assembling the group", e -> e.is("partial-assembled", "topic", topic), WAIT);
      assertThat(new String(done.bytes("data"), StandardCharsets.UTF_8)).isEqualTo("The quick brown fox");
      assertThat(done.bytes("group")).isEqualTo(group.toByteArray());
      assertThat(p.go().events().stream().filter(e -> e.is("error"))).as("errors at go").isEmpty();
    }
  }

  @Test
  void partsPublishedByGoAreAssembledByOurs() throws Exception {
    String topic = "partial-go-to-ours";
    try (Pair p = Pair.start(72, topic)) {
      PeerId goId = PeerId.parse(p.go().peerId());
      String group = b64("slot-9");
      p.go().request("partial-publish " + topic + " " + group + " 3 0=" + b64("alpha,") + " 2=" + b64("gamma"),
          "partial-published");
      await("parts 0 and 2 at ours").atMost(WAIT).until(() -> !p.events().isEmpty());
      PartialEvent e0 = p.events().get(0);
      assertThat(e0.from()).isEqualTo(goId);
      assertThat(e0.newParts()).containsExactly(0, 2);
      assertThat(e0.complete()).isFalse();
      assertThat(p.ours().router().partialMessages().group(topic, bs("slot-9")).orElseThrow().missing())
          .containsExactly(1);

      p.go().request("partial-publish " + topic + " " + group + " 3 1=" + b64("beta,"), "partial-published");
      await("the group assembled at ours").atMost(WAIT).until(() -> p.events().stream().anyMatch(PartialEvent::complete));
      PartialEvent last = p.events().stream().filter(PartialEvent::complete).findFirst().orElseThrow();
      assertThat(last.newParts()).containsExactly(1);
      assertThat(last.assembled().toStringUtf8()).isEqualTo("alpha,beta,gamma");
      assertThat(p.ours().router().partialMessages().dropped()).as("partial RPCs dropped at ours").isZero();
    }
  }

  @Test
  void halvesHeldOnEachSideAreExchangedUntilBothAssemble() throws Exception {
    String topic = "partial-halves";
    try (Pair p = Pair.start(73, topic)) {
      ByteString group = bs("column-3");
      String groupB64 = Base64.getEncoder().encodeToString(group.toByteArray());
      p.go().request("partial-publish " + topic + " " + groupB64 + " 4 2=" + b64("cc") + " 3=" + b64("dd"),
          "partial-published");
      // ours holds the other half; it publishes it (and asks for the rest with its metadata)
      p.ours().router().partialMessages().publish(topic, group, 4, Map.of(0, bs("aa"), 1, bs("bb")))
          .get(10, TimeUnit.SECONDS);
      p.ours().router().partialMessages().request(topic, group, 4).get(10, TimeUnit.SECONDS);
      PeerEvent atGo = p.go().awaitEvent("go assembling", e -> e.is("partial-assembled", "topic", topic), WAIT);
      assertThat(new String(atGo.bytes("data"), StandardCharsets.UTF_8)).isEqualTo("aabbccdd");
      await("ours assembling").atMost(WAIT).until(() -> p.ours().router().partialMessages().group(topic, group)
          .map(g -> g.assembled() != null).orElse(false));
      assertThat(p.ours().router().partialMessages().group(topic, group).orElseThrow().assembled().toStringUtf8())
          .isEqualTo("aabbccdd");
      assertThat(p.events().stream().flatMap(e -> e.newParts().stream())).as("parts ours got from go")
          .containsExactlyInAnyOrder(2, 3);
    }
  }
}
