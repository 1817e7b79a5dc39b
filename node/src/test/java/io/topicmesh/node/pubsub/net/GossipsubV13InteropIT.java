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
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.testing.NettyLeakCheck;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * gossipsub v1.3 with the newest go-libp2p-pubsub ({@code e2e/interop/go-peer}), both dial
 * directions: /meshsub/1.3.0 negotiated on both sides, the Extensions control message in the first
 * RPC each way (with the test extension: its TestExtension message each way), and messages flowing
 * both ways. A go peer without extensions sends no Extensions message and we send it no
 * TestExtension. IDONTWANT on publish and batch publishing, both ways.
 */
class GossipsubV13InteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String HEARTBEAT_MS = "200";
  private static final String V13 = "/meshsub/1.3.0";

  /** The v1.3 events one of our routers reported. */
  static final class V13Events implements RouterObserver {
    final Map<PeerId, ControlExtensions> extensions = new ConcurrentHashMap<>();
    final List<PeerId> testExtension = new CopyOnWriteArrayList<>();
    final List<PeerId> misbehaviour = new CopyOnWriteArrayList<>();

    @Override
    public void extensionsReceived(PeerId peer, ControlExtensions e) {
      extensions.put(peer, e);
    }

    @Override
    public void testExtensionReceived(PeerId peer) {
      testExtension.add(peer);
    }

    @Override
    public void extensionsMisbehaviour(PeerId peer) {
      misbehaviour.add(peer);
    }
  }

  private static LocalPubsubNode ourNode(int hostByte, V13Events events, boolean testExtension) {
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    return LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Multiaddr.parse("/ip4/127.0.0." + hostByte + "/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
        b -> b.observer(events).testExtension(testExtension));
  }

  @Test
  void goDialsOursWithTheTestExtension() throws Exception {
    exchange(61, true);
  }

  @Test
  void oursDialsGoWithTheTestExtension() throws Exception {
    exchange(62, false);
  }

  private void exchange(int hostByte, boolean goDials) throws Exception {
    String topic = "v13-" + (goDials ? "go-dials" : "ours-dials");
    V13Events events = new V13Events();
    try (LocalPubsubNode n = ourNode(hostByte, events, true);
         InteropPeer go = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS,
             "--trace-rpc", "--test-extension")) {
      Deliveries got = new Deliveries();
      n.router().subscribe(topic, got);
      PeerId goId = PeerId.parse(go.peerId());
      String ourId = n.host().peerId().toBase58();
      if (goDials) {
        go.dial(n.address().toString());
      } else {
        n.host().dial(Multiaddr.parse(go.listenAddr())).get(20, TimeUnit.SECONDS);
      }

      // v1.3 negotiated, on our streams and on go's
      await("our pubsub streams with go on " + V13).atMost(WAIT)
          .until(() -> n.network().protocolOf(goId).filter(V13::equals).isPresent());
      go.awaitEvent("go's pubsub stream to ours", e -> e.is("pubsub-stream", "peer", ourId), WAIT);
      assertThat(go.events().stream().filter(e -> e.is("pubsub-stream", "peer", ourId)).map(e -> e.string("protocol")))
          .as("protocols go negotiated with ours").containsOnly(V13);

      // our Extensions message is in the first RPC go got from us, and only there
      PeerEvent first = go.awaitEvent("go's first RPC from ours",
          e -> e.is("rpc", "direction", "in") && e.string("peer").equals(ourId), WAIT);
      assertThat(first.fields().get("extensions")).as("Extensions in %s", first)
          .isEqualTo(Map.of("partialMessages", false, "testExtension", true));
      // go's Extensions reached us in its first RPC
      await("go's Extensions at ours").atMost(WAIT).until(() -> events.extensions.containsKey(goId));
      assertThat(events.extensions.get(goId)).isEqualTo(new ControlExtensions(false, true));
      assertThat(n.router().peerExtensions(goId)).contains(new ControlExtensions(false, true));

      // the test extension: each side sends one TestExtension message to the other
      go.awaitEvent("go receiving our TestExtension", e -> e.is("test-extension", "peer", ourId), WAIT);
      await("ours receiving go's TestExtension").atMost(WAIT).until(() -> events.testExtension.contains(goId));

      // messages flow both ways over v1.3
      await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(goId)
          && go.mesh(topic).contains(ourId));
      go.publish(topic, "from-go".getBytes(StandardCharsets.UTF_8));
      await("go's message at ours").atMost(WAIT).until(() -> got.messages.values().stream()
          .anyMatch(m -> m.message().data().equals(ByteString.copyFromUtf8("from-go"))));
      n.router().publish(topic, "from-ours".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      go.awaitEvent("our message at go", e -> e.is("message", "topic", topic)
          && "from-ours".equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);

      // nothing out of place: one Extensions each way, no misbehaviour reported
      List<PeerEvent> ins = inFrom(go, ourId);
      assertThat(ins.stream().skip(1).filter(e -> e.fields().get("extensions") != null))
          .as("RPCs from ours after the first carrying Extensions").isEmpty();
      assertThat(ins.stream().filter(e -> e.bool("testExtension"))).as("TestExtension messages from ours").hasSize(1);
      assertThat(events.misbehaviour).isEmpty();
      assertThat(go.events().stream().filter(e -> e.is("rejected"))).as("rejections at go").isEmpty();
    }
  }

  @Test
  void goWithoutExtensionsSendsNoneAndGetsNoTestExtension() throws Exception {
    String topic = "v13-plain";
    V13Events events = new V13Events();
    try (LocalPubsubNode n = ourNode(63, events, true);
         InteropPeer go = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS, "--trace-rpc")) {
      Deliveries got = new Deliveries();
      n.router().subscribe(topic, got);
      PeerId goId = PeerId.parse(go.peerId());
      String ourId = n.host().peerId().toBase58();
      go.dial(n.address().toString());
      await("v1.3 with go").atMost(WAIT).until(() -> n.network().protocolOf(goId).filter(V13::equals).isPresent());
      await("go's first RPC at ours").atMost(WAIT).until(() -> events.extensions.containsKey(goId));
      assertThat(events.extensions.get(goId)).as("go advertises nothing").isEqualTo(ControlExtensions.NONE);
      await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(goId)
          && go.mesh(topic).contains(ourId));
      go.publish(topic, "plain".getBytes(StandardCharsets.UTF_8));
      await("go's message at ours").atMost(WAIT).until(() -> !got.messages.isEmpty());
      List<PeerEvent> ins = inFrom(go, ourId);
      assertThat(ins.get(0).fields().get("extensions")).as("our Extensions still go out")
          .isEqualTo(Map.of("partialMessages", false, "testExtension", true));
      assertThat(ins.stream().filter(e -> e.bool("testExtension"))).as("TestExtension messages from ours").isEmpty();
      List<PeerEvent> outs = new ArrayList<>(go.events().stream()
          .filter(e -> e.is("rpc", "direction", "out") && e.string("peer").equals(ourId)).toList());
      assertThat(outs).allSatisfy(e -> assertThat(e.fields().get("extensions")).isNull());
      assertThat(events.misbehaviour).isEmpty();
    }
  }

  @Test
  void idontwantOnPublishBothWays() throws Exception {
    String topic = "v13-idontwant";
    V13Events events = new V13Events();
    java.util.Map<PeerId, java.util.concurrent.atomic.AtomicLong> idontwantIn = new ConcurrentHashMap<>();
    RouterObserver counter = new RouterObserver() {
      @Override
      public void idontwantReceived(PeerId peer, int ids) {
        idontwantIn.computeIfAbsent(peer, k -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(ids);
      }
    };
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    try (LocalPubsubNode n = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
             Multiaddr.parse("/ip4/127.0.0.64/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
             b -> b.observer(events).observer(counter));
         InteropPeer go = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS, "--trace-rpc")) {
      Deliveries got = new Deliveries();
      n.router().subscribe(topic, got);
      PeerId goId = PeerId.parse(go.peerId());
      String ourId = n.host().peerId().toBase58();
      go.dial(n.address().toString());
      await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(goId)
          && go.mesh(topic).contains(ourId));

      // ours publishes 2 KiB: go gets our IDONTWANT for it
      byte[] big = new byte[2048];
      java.util.Arrays.fill(big, (byte) 'o');
      var published = n.router().publish(topic, big).get(10, TimeUnit.SECONDS);
      String ourMsgId = java.util.Base64.getEncoder().encodeToString(published.id().bytes().toByteArray());
      go.awaitEvent("our IDONTWANT for our own message at go", e -> e.is("rpc", "direction", "in")
          && e.string("peer").equals(ourId) && e.strings("idontwant").contains(ourMsgId), WAIT);

      // go publishes 2 KiB: ours gets go's IDONTWANT (go v0.19 sends it on publish too)
      byte[] fromGo = new byte[2048];
      java.util.Arrays.fill(fromGo, (byte) 'g');
      go.publish(topic, fromGo);
      await("go's message at ours").atMost(WAIT).until(() -> !got.messages.isEmpty());
      await("go's IDONTWANT on publish at ours").atMost(WAIT)
          .until(() -> idontwantIn.containsKey(goId) && idontwantIn.get(goId).get() >= 1);
      PeerEvent goOut = go.awaitEvent("go's IDONTWANT to ours", e -> e.is("rpc", "direction", "out")
          && e.string("peer").equals(ourId) && !e.strings("idontwant").isEmpty(), WAIT);
      String goMsgId = java.util.Base64.getEncoder().encodeToString(
          got.messages.keySet().iterator().next().bytes().toByteArray());
      assertThat(goOut.strings("idontwant")).contains(goMsgId);
    }
  }

  /**
   * Batch publishing both ways. Ours publishes a batch of three to three go peers: every go peer
   * gets all three, and the first message of the first RPC each got from ours differs (every
   * message's first copy goes out before any second copy). go publishes a batch through its
   * {@code PublishBatch}: all three reach ours.
   */
  @Test
  void batchPublishingBothWays() throws Exception {
    String topic = "v13-batch";
    V13Events events = new V13Events();
    List<InteropPeer> gos = new ArrayList<>();
    try (LocalPubsubNode n = ourNode(65, events, false)) {
      try {
        for (int i = 0; i < 3; i++) {
          gos.add(InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS, "--trace-rpc"));
        }
        Deliveries got = new Deliveries();
        n.router().subscribe(topic, got);
        String ourId = n.host().peerId().toBase58();
        for (InteropPeer go : gos) {
          go.dial(n.address().toString());
        }
        await("go peers in our mesh, ours in theirs").atMost(WAIT).until(() -> gos.stream().allMatch(go ->
            n.router().meshPeers(topic).contains(PeerId.parse(go.peerId())) && go.mesh(topic).contains(ourId)));

        // ours -> go: one batch of three
        List<byte[]> batch = List.of(utf8("batch-0"), utf8("batch-1"), utf8("batch-2"));
        var results = n.router().publishBatch(topic, batch).get(10, TimeUnit.SECONDS);
        assertThat(results).extracting(r -> r.peers()).containsExactly(3, 3, 3);
        java.util.Set<String> firstSeqnos = new java.util.HashSet<>();
        for (InteropPeer go : gos) {
          for (byte[] b : batch) {
            go.awaitEvent("our batch message " + new String(b, StandardCharsets.UTF_8) + " at go " + go.peerId(),
                e -> e.is("message", "topic", topic) && java.util.Arrays.equals(e.bytes("data"), b), WAIT);
          }
          PeerEvent first = go.awaitEvent("go's first RPC with messages from ours", e -> e.is("rpc", "direction", "in")
              && e.string("peer").equals(ourId) && !e.objects("messages").isEmpty(), WAIT);
          firstSeqnos.add(String.valueOf(first.objects("messages").get(0).get("seqno")));
        }
        assertThat(firstSeqnos).as("the first message each go peer got from ours").hasSize(3);

        // go -> ours: go's PublishBatch
        List<String> fromGo = List.of("go-batch-0", "go-batch-1", "go-batch-2");
        gos.get(0).request("publish-batch " + topic + " " + String.join(" ", fromGo.stream()
            .map(d -> java.util.Base64.getEncoder().encodeToString(utf8(d))).toList()), "published-batch");
        await("go's batch at ours").atMost(WAIT).until(() -> got.messages.values().stream()
            .map(m -> m.message().data().toStringUtf8()).filter(fromGo::contains).distinct().count() == 3);
        assertThat(gos.stream().flatMap(go -> go.events().stream()).filter(e -> e.is("rejected")))
            .as("rejections at go").isEmpty();
      } finally {
        for (InteropPeer go : gos) {
          go.close();
        }
      }
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<PeerEvent> inFrom(InteropPeer go, String ourId) {
    return go.events().stream().filter(e -> e.is("rpc", "direction", "in") && e.string("peer").equals(ourId)).toList();
  }
}
