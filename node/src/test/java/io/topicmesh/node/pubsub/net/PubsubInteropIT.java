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
import io.topicmesh.node.pubsub.router.MessageSigning;
import io.topicmesh.node.pubsub.router.RejectReason;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import io.topicmesh.node.testing.NettyLeakCheck;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A mixed cluster on loopback: 3 of our nodes (in-process hosts, each on its own 127.0.0.x), 2
 * go-libp2p-pubsub and 2 js gossipsub peers ({@code e2e/interop}), all on one topic, every pair
 * connected. Checks delivery exactly once everywhere, meshes across implementations, IDONTWANT
 * both ways with go, StrictSign across implementations (and refusal of a tampered or unsigned
 * message by ours), PRUNE with PX from our node understood by go, PX with signed peer records from
 * go dialed by ours, and go on /meshsub/1.0.0 and go/js floodsub peers served as negotiated.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PubsubInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Duration ROUND_WAIT = Duration.ofSeconds(8);
  private static final String TOPIC = "interop-mixed";
  private static final String HEARTBEAT_MS = "200";

  private static final List<LocalPubsubNode> ours = new ArrayList<>();
  private static final List<Deliveries> oursGot = new ArrayList<>();
  private static final List<Observed> observed = new ArrayList<>();
  private static final List<InteropPeer> theirs = new ArrayList<>();
  private static InteropPeer go1;
  private static InteropPeer go2;
  private static InteropPeer js1;
  private static InteropPeer js2;

  /** What one of our routers reported. */
  static final class Observed implements RouterObserver {
    final Map<PeerId, AtomicLong> idontwantIn = new ConcurrentHashMap<>();
    final Map<PeerId, AtomicLong> idontwantOut = new ConcurrentHashMap<>();
    final List<RejectReason> rejected = new CopyOnWriteArrayList<>();

    @Override
    public void idontwantReceived(PeerId peer, int ids) {
      idontwantIn.computeIfAbsent(peer, k -> new AtomicLong()).addAndGet(ids);
    }

    @Override
    public void idontwantSent(PeerId peer, int ids) {
      idontwantOut.computeIfAbsent(peer, k -> new AtomicLong()).addAndGet(ids);
    }

    @Override
    public void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {
      rejected.add(reason);
    }

    long idontwantFrom(PeerId p) {
      AtomicLong n = idontwantIn.get(p);
      return n == null ? 0 : n.get();
    }
  }

  static GossipParams params() {
    return GossipParams.defaults().toBuilder().heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
  }

  static LocalPubsubNode ourNode(int hostByte, GossipParams params, RouterObserver observer, boolean px) {
    return LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Multiaddr.parse("/ip4/127.0.0." + hostByte + "/tcp/0"), 1, params, PubsubNetwork.Options.defaults(),
        b -> b.observer(observer).peerExchange(px));
  }

  @BeforeAll
  static void cluster() throws Exception {
    List<String> common = List.of("--topic", TOPIC, "--heartbeat-ms", HEARTBEAT_MS, "--trace-rpc");
    go1 = InteropPeer.start(Kind.GO, common);
    theirs.add(go1);
    go2 = InteropPeer.start(Kind.GO, with(common, "--dial", go1.listenAddr()));
    theirs.add(go2);
    js1 = InteropPeer.start(Kind.JS, with(common, "--dial", go1.listenAddr(), "--dial", go2.listenAddr()));
    theirs.add(js1);
    js2 = InteropPeer.start(Kind.JS, with(common, "--dial", go1.listenAddr(), "--dial", go2.listenAddr(),
        "--dial", js1.listenAddr()));
    theirs.add(js2);
    for (int i = 0; i < 3; i++) {
      Observed o = new Observed();
      LocalPubsubNode n = ourNode(21 + i, params(), o, false);
      Deliveries d = new Deliveries();
      n.router().subscribe(TOPIC, d);
      ours.add(n);
      oursGot.add(d);
      observed.add(o);
    }
    for (int i = 0; i < ours.size(); i++) {
      LocalPubsubNode n = ours.get(i);
      for (InteropPeer p : theirs) {
        n.host().dial(Multiaddr.parse(p.listenAddr())).get(20, TimeUnit.SECONDS);
      }
      for (int j = i + 1; j < ours.size(); j++) {
        n.host().dial(ours.get(j).address()).get(20, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }

  @AfterAll
  static void shutdown() {
    theirs.forEach(InteropPeer::close);
    ours.forEach(LocalPubsubNode::close);
  }

  private static PeerId id(InteropPeer p) {
    return PeerId.parse(p.peerId());
  }

  private static List<String> ourIds() {
    return ours.stream().map(n -> n.host().peerId().toBase58()).toList();
  }

  @Test
  @Order(1)
  void meshesFormAcrossImplementations() {
    List<PeerId> gos = List.of(id(go1), id(go2));
    List<PeerId> jss = List.of(id(js1), id(js2));
    await("our meshes holding every go and js peer, each with a go and a js peer").atMost(WAIT).untilAsserted(() -> {
      java.util.Set<PeerId> union = new java.util.HashSet<>();
      for (LocalPubsubNode n : ours) {
        java.util.Set<PeerId> mesh = n.router().meshPeers(TOPIC);
        assertThat(mesh).as("mesh at %s", n.host().peerId()).containsAnyElementsOf(gos).containsAnyElementsOf(jss);
        union.addAll(mesh);
      }
      assertThat(union).as("union of our meshes").containsAll(gos).containsAll(jss);
    });
    for (LocalPubsubNode n : ours) {
      for (InteropPeer p : theirs) {
        // go-libp2p-pubsub v0.19 speaks v1.3; js gossipsub 14 tops out at v1.2
        assertThat(n.network().protocolOf(id(p))).as("protocol with %s", p)
            .contains(p.kind() == Kind.GO ? "/meshsub/1.3.0" : "/meshsub/1.2.0");
      }
    }
    List<String> ourIds = ourIds();
    for (InteropPeer p : theirs) {
      p.awaitEvent("a mesh holding one of our nodes", e -> e.is("mesh", "topic", TOPIC)
          && e.strings("peers").stream().anyMatch(ourIds::contains), WAIT);
      assertThat(p.mesh(TOPIC)).as("mesh of %s", p).containsAnyElementsOf(ourIds);
    }
  }

  @Test
  @Order(2)
  void everyMessageReachesEverySubscriberExactlyOnce() throws Exception {
    List<String> sent = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < ours.size(); i++) {
        String data = "ours" + i + "-" + round;
        ours.get(i).router().publish(TOPIC, data.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        sent.add(data);
      }
      for (int i = 0; i < theirs.size(); i++) {
        String data = theirs.get(i).kind().name().toLowerCase() + i + "-" + round;
        theirs.get(i).publish(TOPIC, data.getBytes(StandardCharsets.UTF_8));
        sent.add(data);
      }
    }
    for (String data : sent) {
      for (int i = 0; i < ours.size(); i++) {
        if (data.startsWith("ours" + i + "-")) {
          continue;
        }
        int k = i;
        await("'" + data + "' at our node " + i).atMost(WAIT).until(() -> countAtOurs(k, data) >= 1);
      }
      for (int i = 0; i < theirs.size(); i++) {
        InteropPeer p = theirs.get(i);
        if (data.startsWith(p.kind().name().toLowerCase() + i + "-")) {
          continue;
        }
        p.awaitEvent("'" + data + "' delivered", e -> e.is("message", "topic", TOPIC)
            && data.equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      }
    }
    // Let a few heartbeats (gossip, IWANT answers) pass, then count every delivery.
    long ticks = ours.get(0).router().heartbeatTicks();
    await().atMost(WAIT).until(() -> ours.get(0).router().heartbeatTicks() >= ticks + 3);
    for (String data : sent) {
      for (int i = 0; i < ours.size(); i++) {
        assertThat(countAtOurs(i, data)).as("deliveries of '%s' at our node %d", data, i)
            .isEqualTo(data.startsWith("ours" + i + "-") ? 0 : 1);
      }
      for (int i = 0; i < theirs.size(); i++) {
        InteropPeer p = theirs.get(i);
        long n = p.events().stream().filter(e -> e.is("message", "topic", TOPIC)
            && data.equals(new String(e.bytes("data"), StandardCharsets.UTF_8))).count();
        assertThat(n).as("deliveries of '%s' at %s", data, p).isEqualTo(
            data.startsWith(p.kind().name().toLowerCase() + i + "-") ? 0 : 1);
      }
    }
    // StrictSign: each implementation's signed messages validated at ours and were not rejected.
    for (Observed o : observed) {
      // our own messages coming back are reported as SELF_ORIGIN, which is no validation failure
      assertThat(o.rejected).as("rejections at our nodes").allMatch(r -> r == RejectReason.SELF_ORIGIN);
    }
    // go rejects nothing we sent; js peers echo a message to its author, which go reports as
    // "self originated" (not ours to fix, and not a signature failure).
    List<String> ourIds = ourIds();
    for (InteropPeer p : List.of(go1, go2)) {
      assertThat(p.events().stream().filter(e -> e.is("rejected")
          && (ourIds.contains(e.string("receivedFrom")) || !e.string("reason").equals("self originated message"))))
          .as("rejections at %s", p).isEmpty();
    }
  }

  private static long countAtOurs(int node, String data) {
    ByteString want = ByteString.copyFromUtf8(data);
    Deliveries d = oursGot.get(node);
    return d.messages.entrySet().stream().filter(e -> e.getValue().message().data().equals(want))
        .mapToLong(e -> d.count(e.getKey())).sum();
  }

  @Test
  @Order(3)
  void idontwantIsExchangedWithGo() {
    long mark1 = go1.mark();
    long mark2 = go2.mark();
    // Whether a given go peer hears IDONTWANT from ours (and ours from it) depends on which of our
    // nodes share a mesh with it and where each message enters: publish rounds from every
    // implementation until both directions have been seen for each go peer.
    for (int round = 1; ; round++) {
      publishLargeMessagesFromEveryImplementation();
      try {
        await("IDONTWANT both ways with each go peer (round " + round + ")")
            .atMost(round < 4 ? ROUND_WAIT : WAIT).untilAsserted(() -> {
              for (InteropPeer g : List.of(go1, go2)) {
                assertThat(observed.stream().mapToLong(o -> o.idontwantFrom(id(g))).sum())
                    .as("IDONTWANT from %s at our nodes", g).isPositive();
                assertThat(observed.stream()
                    .mapToLong(o -> o.idontwantOut.getOrDefault(id(g), new AtomicLong()).get()).sum())
                    .as("IDONTWANT sent by ours to %s", g).isPositive();
              }
            });
        break;
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        if (round >= 4) {
          throw e;
        }
      }
    }
    List<String> ourIds = ourIds();
    for (var pm : List.of(Map.entry(go1, mark1), Map.entry(go2, mark2))) {
      PeerEvent e = pm.getKey().awaitEventAfter(pm.getValue(), "an IDONTWANT from one of our nodes",
          ev -> ev.is("rpc", "direction", "in") && ourIds.contains(ev.string("peer"))
              && !ev.strings("idontwant").isEmpty(), WAIT);
      assertThat(e.strings("idontwant")).isNotEmpty();
    }
  }

  /** One 4 KiB message from a js peer, from each go peer and from each of ours. */
  private void publishLargeMessagesFromEveryImplementation() {
    SecureRandom random = new SecureRandom();
    byte[] big = new byte[4096];
    for (InteropPeer p : List.of(js1, go1, go2)) {
      random.nextBytes(big);
      p.publish(TOPIC, big.clone());
    }
    for (LocalPubsubNode n : ours) {
      random.nextBytes(big);
      n.router().publish(TOPIC, big.clone());
    }
  }

  @Test
  @Order(4)
  void tamperedAndUnsignedMessagesAreRejectedByOurs() throws Exception {
    LocalPubsubNode target = ours.get(0);
    Observed o = observed.get(0);
    try (RawPubsubPeer raw = new RawPubsubPeer("127.0.0.29")) {
      PrivKey key = raw.key;
      PeerId self = raw.id;
      raw.connect(target);
      await().atMost(WAIT).until(() -> target.router().peers().contains(self));

      ByteString seq1 = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(1).array());
      ByteString seq2 = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(2).array());
      ByteString seq3 = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(3).array());
      ByteString from = ByteString.copyFrom(self.bytes());
      PubsubMessage signed = MessageSigning.sign(
          new PubsubMessage(from, ByteString.copyFromUtf8("tamper-me"), seq1, TOPIC, null, null), key, self);
      PubsubMessage tampered = new PubsubMessage(signed.from(), ByteString.copyFromUtf8("tampered!"),
          signed.seqno(), TOPIC, signed.signature(), signed.key());
      PubsubMessage unsigned = new PubsubMessage(from, ByteString.copyFromUtf8("unsigned"), seq2, TOPIC, null, null);
      PubsubMessage valid = MessageSigning.sign(
          new PubsubMessage(from, ByteString.copyFromUtf8("raw-valid"), seq3, TOPIC, null, null), key, self);
      raw.write(new Rpc(List.of(new SubOpts(true, TOPIC)), List.of(), ControlMessage.EMPTY));
      raw.write(new Rpc(List.of(), List.of(tampered), ControlMessage.EMPTY));
      raw.write(new Rpc(List.of(), List.of(unsigned), ControlMessage.EMPTY));
      raw.write(new Rpc(List.of(), List.of(valid), ControlMessage.EMPTY));

      await("the valid message at our node 1").atMost(WAIT).until(() -> countAtOurs(1, "raw-valid") == 1);
      for (InteropPeer p : theirs) {
        p.awaitEvent("the valid message from the raw peer", e -> e.is("message", "topic", TOPIC)
            && "raw-valid".equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      }
      assertThat(o.rejected).contains(RejectReason.INVALID_SIGNATURE, RejectReason.MISSING_SIGNATURE);
      for (int i = 0; i < ours.size(); i++) {
        assertThat(countAtOurs(i, "tampered!") + countAtOurs(i, "unsigned")).as("bad messages at %d", i).isZero();
      }
      // sent on one stream in order: had ours forwarded the bad ones, they would have arrived first
      for (InteropPeer p : theirs) {
        assertThat(p.events().stream().filter(e -> e.is("message", "topic", TOPIC)).map(
            e -> new String(e.bytes("data"), StandardCharsets.UTF_8))).doesNotContain("tampered!", "unsigned");
      }
    }
  }

  @Test
  @Order(5)
  void pruneWithPeerExchangeFromOursIsUnderstoodByGo() throws Exception {
    String topic = "interop-px";
    GossipParams small = params().toBuilder().mesh(2, 1, 2).dout(0).dscore(1).build();
    try (LocalPubsubNode p = ourNode(31, small, new Observed(), true);
         LocalPubsubNode q1 = ourNode(32, params(), new Observed(), false);
         LocalPubsubNode q2 = ourNode(33, params(), new Observed(), false);
         LocalPubsubNode x = ourNode(34, params(), new Observed(), false);
         InteropPeer go = InteropPeer.start(Kind.GO, "--heartbeat-ms", HEARTBEAT_MS, "--trace-rpc")) {
      for (LocalPubsubNode n : List.of(p, q1, q2, x)) {
        n.router().subscribe(topic, new Deliveries());
      }
      q1.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      q2.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      await("p's mesh full with q1 and q2").atMost(WAIT).until(
          () -> p.router().meshPeers(topic).equals(java.util.Set.of(q1.host().peerId(), q2.host().peerId())));
      x.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> p.router().topicPeers(topic).contains(x.host().peerId()));

      // go learns x's addresses (identify), then hangs up: it knows where x is but is not connected.
      String xId = x.host().peerId().toBase58();
      go.dial(x.address().toString());
      go.awaitEvent("identify of x", e -> e.is("identify", "peer", xId), WAIT);
      go.hangup(xId);
      await().atMost(WAIT).until(() -> x.host().connection(id(go)).isEmpty());

      long mark = go.mark();
      go.dial(p.address().toString());
      go.subscribe(topic);
      PeerEvent prune = go.awaitEventAfter(mark, "a PRUNE with PX from our node", e -> e.is("rpc", "direction", "in")
          && e.string("peer").equals(p.host().peerId().toBase58()) && !e.objects("prune").isEmpty(), WAIT);
      assertThat(prune.objects("prune").get(0)).containsEntry("topic", topic);
      assertThat(((Number) prune.objects("prune").get(0).get("peers")).intValue()).as("PX entries").isPositive();
      go.awaitEventAfter(mark, "go connecting to the PX'd peer x", e -> e.is("connected", "peer", xId), WAIT);
      await("x sees go as a pubsub peer").atMost(WAIT).until(() -> x.router().peers().contains(id(go)));
    }
  }

  @Test
  @Order(6)
  void olderProtocolVersionsAndFloodsubPeersAreServedAsNegotiated() throws Exception {
    String topic = "interop-versions";
    LocalPubsubNode n = ours.get(1);
    Deliveries got = new Deliveries();
    n.router().subscribe(topic, got);
    try (InteropPeer goV10 = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS,
             "--protocols", "/meshsub/1.0.0");
         InteropPeer goFlood = InteropPeer.start(Kind.GO, "--topic", topic, "--pubsub", "floodsub");
         InteropPeer jsFlood = InteropPeer.start(Kind.JS, "--topic", topic, "--pubsub", "floodsub")) {
      List<InteropPeer> peers = List.of(goV10, goFlood, jsFlood);
      for (InteropPeer p : peers) {
        n.host().dial(Multiaddr.parse(p.listenAddr())).get(20, TimeUnit.SECONDS);
      }
      await("negotiated protocols").atMost(WAIT).untilAsserted(() -> {
        assertThat(n.network().protocolOf(id(goV10))).contains("/meshsub/1.0.0");
        assertThat(n.network().protocolOf(id(goFlood))).contains("/floodsub/1.0.0");
        assertThat(n.network().protocolOf(id(jsFlood))).contains("/floodsub/1.0.0");
      });
      await("v1.0 go peer in our mesh").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(id(goV10)));
      await("floodsub peers' subscriptions").atMost(WAIT).until(
          () -> n.router().topicPeers(topic).containsAll(List.of(id(goFlood), id(jsFlood))));
      assertThat(n.router().meshPeers(topic)).doesNotContain(id(goFlood), id(jsFlood));

      n.router().publish(topic, "from-ours".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      for (InteropPeer p : peers) {
        p.awaitEvent("our message", e -> e.is("message", "topic", topic)
            && "from-ours".equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      }
      for (InteropPeer p : peers) {
        String data = "from-" + p.kind() + "-" + p.peerId();
        p.publish(topic, data.getBytes(StandardCharsets.UTF_8));
        await("'" + data + "' at ours").atMost(WAIT).until(() -> got.messages.values().stream()
            .anyMatch(m -> m.message().data().toStringUtf8().equals(data)));
      }
      assertThat(got.counts.values()).allMatch(c -> c.get() == 1);
    } finally {
      n.router().unsubscribe(topic);
    }
  }

  @Test
  @Order(7)
  void peerExchangeFromGoWithSignedPeerRecordsIsDialedByOurs() throws Exception {
    String topic = "interop-px-from-go";
    // The pruner keeps a mesh of at most two (the other go peers); a GRAFT from us is refused with
    // PX naming them, with the signed peer records they sent it in identify. We have never heard
    // of them otherwise.
    try (InteropPeer pruner = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS,
             "--d", "2", "--dlo", "1", "--dhi", "2", "--px", "--trace-rpc");
         InteropPeer other = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS,
             "--dial", pruner.listenAddr());
         InteropPeer third = InteropPeer.start(Kind.GO, "--topic", topic, "--heartbeat-ms", HEARTBEAT_MS,
             "--dial", pruner.listenAddr());
         LocalPubsubNode ourNode = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
             Multiaddr.parse("/ip4/127.0.0.35/tcp/0"), 1, params(), PubsubNetwork.Options.defaults(),
             b -> b.peerExchange(true).thresholds(new io.topicmesh.node.pubsub.router.PeerScoreThresholds(
                 -10, -50, -80, 0, 20)))) {
      pruner.awaitEvent("a full mesh of the other go peers", e -> e.is("mesh", "topic", topic)
          && e.strings("peers").containsAll(List.of(other.peerId(), third.peerId())), WAIT);
      assertThat(pruner.identify(other.peerId()).bool("signedPeerRecord")).as("go2 sent a signed peer record").isTrue();
      ourNode.router().subscribe(topic, new Deliveries());
      ourNode.host().dial(Multiaddr.parse(pruner.listenAddr())).get(20, TimeUnit.SECONDS);
      String us = ourNode.host().peerId().toBase58();
      PeerEvent prune = pruner.awaitEvent("a PRUNE with PX to us", e -> e.is("rpc", "direction", "out")
          && us.equals(e.string("peer")) && !e.objects("prune").isEmpty()
          && ((Number) e.objects("prune").get(0).get("peers")).intValue() > 0, WAIT);
      assertThat(prune.objects("prune").get(0)).containsEntry("topic", topic);
      await("ours dialing the PX'd go peers from their signed records").atMost(WAIT)
          .until(() -> ourNode.host().connection(id(other)).isPresent() && ourNode.host().connection(id(third)).isPresent());
      other.awaitEvent("our connection", e -> e.is("connected", "peer", us), WAIT);
      await("the PX'd peers are pubsub peers of ours").atMost(WAIT)
          .until(() -> ourNode.router().peers().containsAll(List.of(id(other), id(third))));
    }
  }
}
