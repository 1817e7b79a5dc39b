package io.topicmesh.node.pubsub.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.interop.InteropKeys;
import io.topicmesh.node.interop.InteropPeer;
import io.topicmesh.node.interop.InteropPeer.Kind;
import io.topicmesh.node.interop.PeerEvent;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.RejectReason;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.testing.NettyLeakCheck;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ours against rust-libp2p gossipsub 0.50 ({@code e2e/interop/rust-peer}, libp2p 0.57 from
 * crates.io): both dial directions on /meshsub/1.3.0 with rust's Extensions message, messages both
 * ways with ids and signatures checked on both sides, and IDONTWANT from rust (on forward and, when
 * enabled, on publish) and to rust. Older versions and floodsub: {@link ProtocolVersionsInteropIT}.
 */
class RustInteropIT {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String HEARTBEAT_MS = "200";
  private static final String V13 = "/meshsub/1.3.0";

  /** What one of our routers saw of its peers. */
  static final class Seen implements RouterObserver {
    final Map<PeerId, ControlExtensions> extensions = new ConcurrentHashMap<>();
    final List<PeerId> misbehaviour = new CopyOnWriteArrayList<>();
    final List<RejectReason> rejected = new CopyOnWriteArrayList<>();
    /** Every RPC received, in order, per peer. */
    final Map<PeerId, List<Rpc>> rpcsIn = new ConcurrentHashMap<>();
    /** Every RPC sent, in order, per peer. */
    final Map<PeerId, List<Rpc>> rpcsOut = new ConcurrentHashMap<>();

    @Override
    public void extensionsReceived(PeerId peer, ControlExtensions e) {
      extensions.put(peer, e);
    }

    @Override
    public void extensionsMisbehaviour(PeerId peer) {
      misbehaviour.add(peer);
    }

    @Override
    public void rejected(String topic, MessageId id, PeerId source, RejectReason reason) {
      rejected.add(reason);
    }

    @Override
    public void rpcReceived(PeerId peer, Rpc rpc) {
      rpcsIn.computeIfAbsent(peer, k -> new CopyOnWriteArrayList<>()).add(rpc);
    }

    @Override
    public void rpcSent(PeerId peer, Rpc rpc) {
      rpcsOut.computeIfAbsent(peer, k -> new CopyOnWriteArrayList<>()).add(rpc);
    }

    List<MessageId> idontwantFrom(PeerId peer) {
      return idontwant(rpcsIn.getOrDefault(peer, List.of()));
    }

    List<MessageId> idontwantTo(PeerId peer) {
      return idontwant(rpcsOut.getOrDefault(peer, List.of()));
    }

    private static List<MessageId> idontwant(List<Rpc> rpcs) {
      List<MessageId> ids = new ArrayList<>();
      for (Rpc r : rpcs) {
        if (r.control() != null) {
          for (ControlIDontWant d : r.control().idontwant()) {
            ids.addAll(d.messageIds());
          }
        }
      }
      return ids;
    }
  }

  static LocalPubsubNode ourNode(int hostByte, Seen seen, PubsubNetwork.Options options) {
    GossipParams params = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).build();
    return LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Multiaddr.parse("/ip4/127.0.0." + hostByte + "/tcp/0"), 1, params, options, b -> b.observer(seen));
  }

  static InteropPeer rust(String... flags) {
    List<String> args = new ArrayList<>(List.of("--heartbeat-ms", HEARTBEAT_MS));
    args.addAll(List.of(flags));
    return InteropPeer.start(Kind.RUST, args);
  }

  @Test
  void keySeedGivesTheSameIdentityAsGoJsAndJava() {
    try (InteropPeer r = InteropPeer.start(Kind.RUST, "--key-seed", "7", "--pubsub", "none")) {
      assertThat(r.publicKey()).isEqualTo(InteropKeys.publicKeyProtobufBase64("7"));
      assertThat(r.peerId()).isEqualTo(
          PeerId.fromPublicKey(PubKey.unmarshal(Base64.getDecoder().decode(r.publicKey()))).toBase58());
    }
  }

  @Test
  void badInputAnswersWithErrorsAndUnsupportedFlagsAreRefused() {
    try (InteropPeer r = InteropPeer.start(Kind.RUST, "--pubsub", "none")) {
      long mark = r.mark();
      r.send("frobnicate");
      assertThat(r.awaitEventAfter(mark, "an error for the unknown command", e -> e.is("error", "command", "frobnicate"), WAIT)
          .string("message")).contains("unknown command");
      mark = r.mark();
      r.send("ping not-a-peer-id");
      assertThat(r.awaitEventAfter(mark, "an error for the bad peer id", e -> e.is("error", "command", "ping not-a-peer-id"), WAIT)
          .string("message")).contains("bad peer id");
      mark = r.mark();
      r.send("publish t AAAA");
      assertThat(r.awaitEventAfter(mark, "an error for publishing without pubsub", e -> e.is("error"), WAIT)
          .string("message")).contains("pubsub is disabled");
      r.peers();
    }
    // a flag the rust peer cannot honour fails its start with the reason, not silently
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> InteropPeer.start(Kind.RUST, "--trace-rpc"))
        .isInstanceOf(InteropPeer.InteropPeerException.class)
        .hasMessageContaining("--trace-rpc is not supported by the rust peer");
  }

  @Test
  void rustDialsOurs() throws Exception {
    exchangeOnV13(71, true);
  }

  @Test
  void oursDialsRust() throws Exception {
    exchangeOnV13(72, false);
  }

  /**
   * /meshsub/1.3.0 on both sides; rust's Extensions message (no extension: rust-libp2p advertises
   * partial messages only when built with its partial-messages feature) in its first RPC; ours
   * publishes and rust receives with the id, author and seqno ours gave it; rust publishes and ours
   * receives with a valid signature and the id from its author and seqno.
   */
  private void exchangeOnV13(int hostByte, boolean rustDials) throws Exception {
    String topic = "rust-v13-" + (rustDials ? "rust-dials" : "ours-dials");
    Seen seen = new Seen();
    try (LocalPubsubNode n = ourNode(hostByte, seen, PubsubNetwork.Options.defaults());
         InteropPeer r = rust("--topic", topic)) {
      Deliveries got = new Deliveries();
      n.router().subscribe(topic, got);
      PeerId rustId = PeerId.parse(r.peerId());
      String ourId = n.host().peerId().toBase58();
      if (rustDials) {
        PeerEvent dialed = r.dial(n.address().toString());
        assertThat(dialed.string("peer")).isEqualTo(ourId);
      } else {
        n.host().dial(Multiaddr.parse(r.listenAddr())).get(20, TimeUnit.SECONDS);
      }

      await("our pubsub stream with rust on " + V13).atMost(WAIT)
          .until(() -> n.network().protocolOf(rustId).filter(V13::equals).isPresent());
      PeerEvent stream = r.awaitEvent("rust's negotiated protocol with ours", e -> e.is("pubsub-stream", "peer", ourId), WAIT);
      assertThat(stream.string("protocol")).isEqualTo(V13);

      await("rust's Extensions at ours").atMost(WAIT).until(() -> seen.extensions.containsKey(rustId));
      assertThat(seen.extensions.get(rustId)).isEqualTo(ControlExtensions.NONE);
      Rpc firstFromRust = seen.rpcsIn.get(rustId).get(0);
      assertThat(firstFromRust.control()).as("rust's first RPC").isNotNull();
      assertThat(firstFromRust.control().extensions()).as("Extensions in rust's first RPC").isEqualTo(ControlExtensions.NONE);

      await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(rustId)
          && r.mesh(topic).contains(ourId));

      // ours -> rust
      var published = n.router().publish(topic, utf8("from-ours")).get(10, TimeUnit.SECONDS);
      PeerEvent atRust = r.awaitEvent("our message at rust", e -> e.is("message", "topic", topic)
          && "from-ours".equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      assertThat(atRust.string("from")).isEqualTo(ourId);
      assertThat(atRust.string("receivedFrom")).isEqualTo(ourId);
      assertThat(atRust.bytes("id")).as("rust's id for our message").isEqualTo(published.id().bytes().toByteArray());

      // rust -> ours
      r.publish(topic, utf8("from-rust"));
      await("rust's message at ours").atMost(WAIT).until(() -> got.messages.values().stream()
          .anyMatch(m -> m.message().data().equals(ByteString.copyFromUtf8("from-rust"))));
      var fromRust = got.messages.values().stream()
          .filter(m -> m.message().data().equals(ByteString.copyFromUtf8("from-rust"))).findFirst().orElseThrow();
      assertThat(fromRust.message().signature()).as("rust signs (StrictSign)").isNotNull();
      assertThat(fromRust.message().from()).isEqualTo(ByteString.copyFrom(rustId.bytes()));
      assertThat(fromRust.id().bytes()).as("ours' id for rust's message: author bytes + seqno")
          .isEqualTo(fromRust.message().from().concat(fromRust.message().seqno()));

      assertThat(seen.misbehaviour).isEmpty();
      assertThat(seen.rejected).as("rejections at ours").isEmpty();
      assertThat(got.counts.values()).allMatch(c -> c.get() == 1);
    }
  }

  /**
   * rust-libp2p's own default message id (base58 author + decimal seqno, as UTF-8) is not the
   * author-bytes + seqno id go, js and ours use: a rust node left at its default names every message
   * differently in IHAVE/IWANT/IDONTWANT (delivery itself still works).
   */
  @Test
  void rustsOwnDefaultMessageIdDiffersFromTheOthers() throws Exception {
    String topic = "rust-default-id";
    Seen seen = new Seen();
    try (LocalPubsubNode n = ourNode(84, seen, PubsubNetwork.Options.defaults());
         InteropPeer r = rust("--topic", topic, "--message-id", "rust-default")) {
      n.router().subscribe(topic, new Deliveries());
      PeerId rustId = PeerId.parse(r.peerId());
      String ourId = n.host().peerId().toBase58();
      r.dial(n.address().toString());
      await("meshes on both sides").atMost(WAIT).until(() -> n.router().meshPeers(topic).contains(rustId)
          && r.mesh(topic).contains(ourId));
      var published = n.router().publish(topic, utf8("which-id")).get(10, TimeUnit.SECONDS);
      PeerEvent atRust = r.awaitEvent("our message at rust", e -> e.is("message", "topic", topic)
          && "which-id".equals(new String(e.bytes("data"), StandardCharsets.UTF_8)), WAIT);
      long seqno = Long.parseUnsignedLong(atRust.string("seqno"), 16);
      assertThat(new String(atRust.bytes("id"), StandardCharsets.UTF_8)).isEqualTo(ourId + Long.toUnsignedString(seqno));
      assertThat(atRust.bytes("id")).isNotEqualTo(published.id().bytes().toByteArray());
    }
  }

  /**
   * IDONTWANT with rust on /meshsub/1.3.0, in a line ours A - rust - ours B. A publishes 2 KiB:
   * rust, forwarding it, sends B an IDONTWANT naming it. rust (with idontwant_on_publish, which
   * rust-libp2p leaves off by default) publishes 2 KiB: A and B get its IDONTWANT naming the id
   * they then deliver. Ours publishing 2 KiB sends rust an IDONTWANT for its own message.
   */
  @Test
  void idontwantBothWays() throws Exception {
    String topic = "rust-idontwant";
    Seen seenA = new Seen();
    Seen seenB = new Seen();
    try (LocalPubsubNode a = ourNode(75, seenA, PubsubNetwork.Options.defaults());
         LocalPubsubNode b = ourNode(76, seenB, PubsubNetwork.Options.defaults());
         InteropPeer r = rust("--topic", topic, "--idontwant-on-publish", "true")) {
      Deliveries gotA = new Deliveries();
      Deliveries gotB = new Deliveries();
      a.router().subscribe(topic, gotA);
      b.router().subscribe(topic, gotB);
      PeerId rustId = PeerId.parse(r.peerId());
      a.host().dial(Multiaddr.parse(r.listenAddr())).get(20, TimeUnit.SECONDS);
      b.host().dial(Multiaddr.parse(r.listenAddr())).get(20, TimeUnit.SECONDS);
      List<String> ours = List.of(a.host().peerId().toBase58(), b.host().peerId().toBase58());
      await("rust in both our meshes, both of ours in rust's").atMost(WAIT).until(() ->
          a.router().meshPeers(topic).contains(rustId) && b.router().meshPeers(topic).contains(rustId)
              && r.mesh(topic).containsAll(ours));

      // A publishes: rust forwards it to B and tells B it has it (IDONTWANT before or with the message).
      byte[] big = new byte[2048];
      Arrays.fill(big, (byte) 'a');
      var fromA = a.router().publish(topic, big).get(10, TimeUnit.SECONDS);
      await("A's message at B").atMost(WAIT).until(() -> gotB.count(fromA.id()) == 1);
      await("rust's IDONTWANT for A's message at B").atMost(WAIT)
          .until(() -> seenB.idontwantFrom(rustId).contains(fromA.id()));
      assertThat(seenA.idontwantTo(rustId)).as("A's IDONTWANT to rust for its own message").contains(fromA.id());

      // rust publishes with idontwant_on_publish: both of ours hear IDONTWANT for that message.
      byte[] fromRust = new byte[2048];
      Arrays.fill(fromRust, (byte) 'r');
      r.publish(topic, fromRust);
      await("rust's message at A and B").atMost(WAIT).until(() -> idOf(gotA, fromRust) != null && idOf(gotB, fromRust) != null);
      MessageId rustMsg = idOf(gotA, fromRust);
      await("rust's IDONTWANT on publish at A and B").atMost(WAIT).until(() ->
          seenA.idontwantFrom(rustId).contains(rustMsg) && seenB.idontwantFrom(rustId).contains(rustMsg));
      assertThat(seenA.misbehaviour).isEmpty();
      assertThat(seenB.misbehaviour).isEmpty();
      assertThat(gotA.counts.values()).allMatch(c -> c.get() == 1);
      assertThat(gotB.counts.values()).allMatch(c -> c.get() == 1);
    }
  }

  /**
   * PX from ours, acted on by rust: our node p keeps a mesh of at most two (q1, q2), so rust's
   * GRAFT gets a PRUNE with PX naming p's other peers, x among them. rust-libp2p ignores signed
   * peer records and dials PX'd peer ids only when it already knows an address (with
   * {@code prune_peers} above 0, here {@code --px}): rust learned x's address from an earlier
   * connection, and connects to x again after the PRUNE.
   */
  @Test
  void pruneWithPeerExchangeFromOursIsDialedByRust() throws Exception {
    String topic = "rust-px";
    GossipParams small = GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(Long.parseLong(HEARTBEAT_MS)))
        .heartbeatInitialDelay(Duration.ofMillis(50)).mesh(2, 1, 2).dout(0).dscore(1).build();
    Seen seenP = new Seen();
    try (LocalPubsubNode p = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
             Multiaddr.parse("/ip4/127.0.0.78/tcp/0"), 1, small, PubsubNetwork.Options.defaults(),
             b -> b.observer(seenP).peerExchange(true));
         LocalPubsubNode q1 = ourNode(79, new Seen(), PubsubNetwork.Options.defaults());
         LocalPubsubNode q2 = ourNode(80, new Seen(), PubsubNetwork.Options.defaults());
         LocalPubsubNode x = ourNode(83, new Seen(), PubsubNetwork.Options.defaults());
         InteropPeer r = rust("--px")) {
      for (LocalPubsubNode n : List.of(p, q1, q2, x)) {
        n.router().subscribe(topic, new Deliveries());
      }
      q1.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      q2.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      await("p's mesh full with q1 and q2").atMost(WAIT).until(
          () -> p.router().meshPeers(topic).equals(java.util.Set.of(q1.host().peerId(), q2.host().peerId())));
      x.host().dial(p.address()).get(10, TimeUnit.SECONDS);
      await().atMost(WAIT).until(() -> p.router().topicPeers(topic).contains(x.host().peerId()));

      // rust learns x's address (dial + identify), then hangs up
      String xId = x.host().peerId().toBase58();
      PeerId rustId = PeerId.parse(r.peerId());
      r.dial(x.address().toString());
      r.identify(xId);
      r.hangup(xId);
      await("x without rust").atMost(WAIT).until(() -> x.host().connection(rustId).isEmpty());

      long mark = r.mark();
      r.dial(p.address().toString());
      r.subscribe(topic);
      await("a PRUNE with PX from p to rust").atMost(WAIT).until(() -> seenP.rpcsOut.getOrDefault(rustId, List.of())
          .stream().anyMatch(rpc -> rpc.control() != null && rpc.control().prune().stream()
              .anyMatch(pr -> pr.topic().equals(topic) && !pr.peers().isEmpty())));
      r.awaitEventAfter(mark, "rust connecting to the PX'd peer x", e -> e.is("connected", "peer", xId), WAIT);
      await("x sees rust as a pubsub peer").atMost(WAIT).until(() -> x.router().peers().contains(rustId));
    }
  }

  /**
   * rust-libp2p's per-topic mesh degrees (0.49+, fixed at start) with four of ours on two topics:
   * rust keeps "narrow" (D=2, Dlo=1, Dhi=2) at one or two of them, through our GRAFTs and several
   * heartbeats, while its mesh of "wide" (rust's defaults, D=6) takes all four.
   */
  @Test
  void perTopicMeshDegreesAtRustHoldWithOurPeers() throws Exception {
    List<LocalPubsubNode> ours = new ArrayList<>();
    try (InteropPeer r = rust("--topic", "narrow", "--topic", "wide", "--topic-mesh", "narrow:2:1:2")) {
      for (int i = 0; i < 4; i++) {
        LocalPubsubNode n = ourNode(85 + i, new Seen(), PubsubNetwork.Options.defaults());
        ours.add(n);
        n.router().subscribe("narrow", new Deliveries());
        n.router().subscribe("wide", new Deliveries());
        n.host().dial(Multiaddr.parse(r.listenAddr())).get(20, TimeUnit.SECONDS);
      }
      List<String> ourIds = ours.stream().map(n -> n.host().peerId().toBase58()).toList();
      await("rust's wide mesh holding all four of ours").atMost(WAIT).until(() -> r.mesh("wide").containsAll(ourIds));
      long ticks = ours.get(0).router().heartbeatTicks();
      await().atMost(WAIT).until(() -> ours.get(0).router().heartbeatTicks() >= ticks + 5);
      assertThat(r.mesh("narrow")).as("rust's narrow mesh").hasSizeBetween(1, 2);
      assertThat(r.mesh("wide")).as("rust's wide mesh").hasSize(4);
      assertThat(r.events().stream().filter(e -> e.is("mesh", "topic", "narrow")))
          .as("every narrow mesh rust reported").allMatch(e -> e.strings("peers").size() <= 2);
    } finally {
      ours.forEach(LocalPubsubNode::close);
    }
  }

  private static MessageId idOf(Deliveries d, byte[] data) {
    ByteString want = ByteString.copyFrom(data);
    return d.messages.entrySet().stream().filter(e -> e.getValue().message().data().equals(want))
        .map(Map.Entry::getKey).findFirst().orElse(null);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
