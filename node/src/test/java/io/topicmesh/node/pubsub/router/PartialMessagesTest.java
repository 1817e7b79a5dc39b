package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.router.partial.IndexedParts;
import io.topicmesh.node.pubsub.router.partial.PartialEvent;
import io.topicmesh.node.pubsub.router.partial.PartialLimits;
import io.topicmesh.node.pubsub.router.partial.PartialMessages;
import io.topicmesh.node.pubsub.router.partial.PartialMode;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.wire.PartialMessageRpc;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The partial-messages extension on virtual time with scripted v1.3 peers. */
class PartialMessagesTest {
  static final String T = "t";
  static final ByteString G = ByteString.copyFromUtf8("slot-1");

  final List<PartialEvent> events = new CopyOnWriteArrayList<>();

  private static ByteString s(String v) {
    return ByteString.copyFromUtf8(v);
  }

  private RouterHarness harness(PartialMode mode, Consumer<GossipRouter.Builder> more) {
    RouterHarness h = new RouterHarness(b -> {
      b.partialMessages(true);
      more.accept(b);
    });
    h.router.partialMessages().enable(T, mode, events::add);
    h.subscribe(T);
    return h;
  }

  /** A v1.3 peer advertising partial messages, subscribed to T with the given flags, grafted. */
  private static ScriptedPeer partialPeer(RouterHarness h, boolean requests, boolean graft) {
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    p.rpc(new Rpc(List.of(new SubOpts(true, T, requests, true)), List.of(), null)
        .withExtensions(new ControlExtensions(true, false)));
    if (graft) {
      p.graft(T);
    }
    h.time.runPending();
    return p;
  }

  private static List<PartialMessageRpc> partials(ScriptedPeer p) {
    return p.received.stream().map(Rpc::partial).filter(Objects::nonNull).toList();
  }

  private static BitSet bits(int... i) {
    BitSet b = new BitSet();
    for (int x : i) {
      b.set(x);
    }
    return b;
  }

  private static <T> T done(CompletableFuture<T> f, RouterHarness h) throws Exception {
    h.time.runPending();
    return f.get();
  }

  @Test
  void extensionAndSubscriptionFlagsAreAdvertised() {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    h.time.runPending();
    assertThat(p.received.get(0).control().extensions()).isEqualTo(new ControlExtensions(true, false));
    assertThat(p.subscriptions()).containsExactly(new SubOpts(true, T, true, true));

    h.router.partialMessages().enable(T, PartialMode.SUPPORT, events::add);
    h.time.runPending();
    assertThat(p.subscriptions()).last().isEqualTo(new SubOpts(true, T, false, true));
  }

  @Test
  void withoutTheExtensionEnableFailsClearly() {
    RouterHarness h = new RouterHarness();
    assertThatThrownBy(() -> h.router.partialMessages().enable(T, PartialMode.REQUEST, e -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("partialMessages(true)");
  }

  @Test
  void publishedPartsGoToPeersThatRequestedThemAndOnlyMetadataToTheOthers() throws Exception {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer wants = partialPeer(h, true, true);
    ScriptedPeer supportsOnly = partialPeer(h, false, true);
    h.heartbeats(1);
    assertThat(h.router.meshPeers(T)).contains(wants.id, supportsOnly.id);

    var r = done(h.router.partialMessages().publish(T, G, 3, Map.of(0, s("ab"), 2, s("ef"))), h);
    assertThat(r.partsHeld()).isEqualTo(2);
    assertThat(r.peersSent()).isEqualTo(2);

    PartialMessageRpc toWants = partials(wants).get(0);
    assertThat(toWants.groupId()).isEqualTo(G);
    assertThat(IndexedParts.decodeParts(toWants.partialMessage(), 16, 1000).parts())
        .containsOnlyKeys(0, 2).containsEntry(2, s("ef"));
    assertThat(IndexedParts.decodeMetadata(toWants.partsMetadata(), 16).have()).isEqualTo(bits(0, 2));

    PartialMessageRpc toOther = partials(supportsOnly).get(0);
    assertThat(toOther.partialMessage()).as("spec: MUST omit partialMessage for a peer that did not request").isNull();
    assertThat(toOther.partsMetadata()).isEqualTo(toWants.partsMetadata());

    // a later publish sends only the new part
    wants.clear();
    done(h.router.partialMessages().publish(T, G, 3, Map.of(1, s("cd"))), h);
    assertThat(IndexedParts.decodeParts(partials(wants).get(0).partialMessage(), 16, 1000).parts()).containsOnlyKeys(1);

    // full messages skip the peer that gets partials
    wants.clear();
    supportsOnly.clear();
    done(h.router.publish(T, "full".getBytes()), h);
    assertThat(wants.messages()).isEmpty();
    assertThat(supportsOnly.messages()).hasSize(1);
  }

  @Test
  void receivedPartsAreDeliveredAssembledAndPassedOn() throws Exception {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer source = partialPeer(h, true, true);
    ScriptedPeer other = partialPeer(h, true, true);
    h.heartbeats(1);
    BitSet all = bits(0, 1, 2);
    source.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G,
        IndexedParts.encodeParts(3, Map.of(0, s("ab"), 1, s("cd"))), IndexedParts.encodeMetadata(3, all))));
    h.time.runPending();
    assertThat(events).hasSize(1);
    assertThat(events.get(0).newParts()).containsExactly(0, 1);
    assertThat(events.get(0).complete()).isFalse();
    assertThat(h.router.partialMessages().group(T, G).orElseThrow().missing()).containsExactly(2);

    // we told the source what we have (so it knows we want part 2) and sent it nothing it has
    List<PartialMessageRpc> toSource = partials(source);
    assertThat(toSource).hasSize(1);
    assertThat(toSource.get(0).partialMessage()).isNull();
    assertThat(IndexedParts.decodeMetadata(toSource.get(0).partsMetadata(), 16).have()).isEqualTo(bits(0, 1));
    // the other mesh peer got the new parts (eager push: we have not seen its metadata)
    assertThat(IndexedParts.decodeParts(partials(other).get(0).partialMessage(), 16, 1000).parts()).containsOnlyKeys(0, 1);

    source.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, IndexedParts.encodeParts(3, Map.of(2, s("ef"))), null)));
    h.time.runPending();
    assertThat(events).hasSize(2);
    assertThat(events.get(1).newParts()).containsExactly(2);
    assertThat(events.get(1).assembled()).isEqualTo(s("abcdef"));
    // the same parts again: nothing new, no event
    source.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, IndexedParts.encodeParts(3, Map.of(2, s("ef"))), null)));
    h.time.runPending();
    assertThat(events).hasSize(2);
  }

  @Test
  void missingPartsAreRequestedAndAnsweredFromMetadata() throws Exception {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer p = partialPeer(h, true, true);
    h.heartbeats(1);
    done(h.router.partialMessages().publish(T, G, 4, Map.of(0, s("a"), 1, s("b"))), h);
    p.clear();
    // the peer says it has 1 and 3: we send it 0 (it lacks it, we have it)
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, null, IndexedParts.encodeMetadata(4, bits(1, 3)))));
    h.time.runPending();
    PartialMessageRpc answer = partials(p).get(0);
    assertThat(IndexedParts.decodeParts(answer.partialMessage(), 16, 100).parts()).containsOnlyKeys(0);
    // an explicit request re-sends our metadata: have {0,1}, so we want 2 and 3
    p.clear();
    var r = done(h.router.partialMessages().request(T, G, 4), h);
    assertThat(r.peersSent()).isEqualTo(1);
    PartialMessageRpc req = partials(p).get(0);
    assertThat(req.partialMessage()).isNull();
    assertThat(IndexedParts.decodeMetadata(req.partsMetadata(), 16).have()).isEqualTo(bits(0, 1));
    assertThat(h.router.partialMessages().group(T, G).orElseThrow().missing()).containsExactly(2, 3);
  }

  @Test
  void aGroupAPeerNamesThatWeHoldNothingOfIsAnsweredToThatPeerOnly() {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer names = partialPeer(h, true, true);
    ScriptedPeer bystander = partialPeer(h, true, true);
    h.heartbeats(1);
    names.clear();
    bystander.clear();
    names.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, null, IndexedParts.encodeMetadata(2, bits(0, 1)))));
    h.time.runPending();
    assertThat(partials(names)).hasSize(1);
    assertThat(IndexedParts.decodeMetadata(partials(names).get(0).partsMetadata(), 16).have()).isEqualTo(new BitSet());
    assertThat(partials(bystander)).as("no empty metadata fanned out to the mesh").isEmpty();
  }

  @Test
  void noIdontwantToAPeerWeTakePartialsFrom() throws Exception {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer partial = partialPeer(h, false, true);
    ScriptedPeer plain = h.peer(PubsubProtocol.MESHSUB_V12, Direction.OUTBOUND);
    plain.subscribe(T);
    plain.graft(T);
    h.heartbeats(1);
    assertThat(h.router.meshPeers(T)).contains(partial.id, plain.id);
    done(h.router.publish(T, new byte[64 << 10]), h);
    assertThat(plain.controls().flatMap(c -> c.idontwant().stream())).as("IDONTWANT to the plain peer").isNotEmpty();
    assertThat(partial.controls().flatMap(c -> c.idontwant().stream())).as("IDONTWANT to the partial peer").isEmpty();
    assertThat(partial.messages()).as("it did not request partials: full message").hasSize(1);
  }

  @Test
  void peerInitiatedGroupsAreBoundedPerPeerWithoutHarmingTheConnection() {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer p = partialPeer(h, true, true);
    int perPeer = PartialLimits.defaults().maxPeerInitiatedGroupsPerPeer();
    for (int i = 0; i <= perPeer; i++) {
      p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("g" + i), null, IndexedParts.encodeMetadata(2, bits(0)))));
    }
    h.time.runPending();
    PartialMessages pm = h.router.partialMessages();
    assertThat(pm.groups(T)).hasSize(perPeer);
    assertThat(pm.dropped()).isEqualTo(1);
    assertThat(p.closed).isFalse();
    // publishing on a peer's group makes it ours: the peer may start another
    pm.publish(T, s("g0"), 2, Map.of(1, s("x")));
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("g-new"), null, IndexedParts.encodeMetadata(2, bits(0)))));
    h.time.runPending();
    assertThat(pm.groups(T)).hasSize(perPeer + 1);
  }

  @Test
  void byteAndPartBoundsAndBadInputDropTheRpcOnly() throws Exception {
    PartialLimits small = new PartialLimits(4, 255, 8, 8, 10, 16, 8, 3, 6);
    RouterHarness h = harness(PartialMode.REQUEST, b -> b.partialLimits(small));
    ScriptedPeer p = partialPeer(h, true, true);
    PartialMessages pm = h.router.partialMessages();
    // a part that would push the group past 10 bytes is dropped, the earlier ones kept
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, IndexedParts.encodeParts(3, Map.of(0, s("12345678"))), null)));
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, IndexedParts.encodeParts(3, Map.of(1, s("abcdef"))), null)));
    // too many parts, bad bitmap, too long group id, a topic not enabled
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("x"), null, IndexedParts.encodeMetadata(9, bits(0)))));
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("y"), null, ByteString.copyFrom(new byte[] {2, 0, 0}))));
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("123456789"), null, IndexedParts.encodeMetadata(2, bits(0)))));
    p.rpc(Rpc.ofPartial(new PartialMessageRpc("other", G, null, IndexedParts.encodeMetadata(2, bits(0)))));
    // a count that contradicts the group's
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, null, IndexedParts.encodeMetadata(5, bits(0)))));
    h.time.runPending();
    assertThat(pm.group(T, G).orElseThrow().held()).containsExactly(0);
    assertThat(pm.groups(T)).hasSize(1);
    assertThat(pm.dropped()).isEqualTo(6);
    assertThat(p.closed).isFalse();
    assertThat(h.router.peers()).contains(p.id);

    CompletableFuture<?> tooBig = pm.publish(T, s("big"), 2, Map.of(0, s("01234567890")));
    h.time.runPending();
    assertThatThrownBy(tooBig::get).isInstanceOf(ExecutionException.class).hasMessageContaining("maxGroupBytes");
    CompletableFuture<?> badIndex = pm.publish(T, s("bad"), 2, Map.of(2, s("x")));
    h.time.runPending();
    assertThatThrownBy(badIndex::get).hasMessageContaining("outside 0..1");
    CompletableFuture<?> notEnabled = pm.publish("other", s("bad"), 2, Map.of());
    h.time.runPending();
    assertThatThrownBy(notEnabled::get).hasMessageContaining("not enabled on topic other");
    // the group count bound evicts the oldest group for our own publishes
    for (int i = 0; i < 4; i++) {
      done(pm.publish(T, s("own" + i), 1, Map.of(0, s("z"))), h);
    }
    assertThat(pm.groups(T)).extracting(g -> g.groupId().toStringUtf8()).containsExactly("own0", "own1", "own2", "own3");
  }

  @Test
  void groupsExpireAfterTheirTtlAndDataFromPeersWeDidNotAskIsIgnored() throws Exception {
    RouterHarness h = harness(PartialMode.SUPPORT, b -> {});
    ScriptedPeer p = partialPeer(h, true, true);
    PartialMessages pm = h.router.partialMessages();
    p.rpc(Rpc.ofPartial(new PartialMessageRpc(T, G, IndexedParts.encodeParts(2, Map.of(0, s("a"))),
        IndexedParts.encodeMetadata(2, bits(0)))));
    h.time.runPending();
    assertThat(events).as("we only support, so partial data is ignored").isEmpty();
    assertThat(pm.group(T, G).orElseThrow().held()).isEmpty();
    h.heartbeats(PartialLimits.defaults().groupTtlHeartbeats() + 1);
    assertThat(pm.group(T, G)).isEmpty();
  }

  @Test
  void peersWithoutTheExtensionGetFullMessagesAndTheirPartialRpcsAreDropped() throws Exception {
    RouterHarness h = harness(PartialMode.REQUEST, b -> {});
    ScriptedPeer plain = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    // requests partials in SubOpts but never advertised the extension
    plain.rpc(new Rpc(List.of(new SubOpts(true, T, true, true)), List.of(), null));
    plain.graft(T);
    h.heartbeats(1);
    done(h.router.partialMessages().publish(T, G, 1, Map.of(0, s("a"))), h);
    done(h.router.publish(T, "full".getBytes()), h);
    assertThat(partials(plain)).isEmpty();
    assertThat(plain.messages()).hasSize(1);
    plain.rpc(Rpc.ofPartial(new PartialMessageRpc(T, s("q"), null, IndexedParts.encodeMetadata(1, bits(0)))));
    h.time.runPending();
    assertThat(h.router.partialMessages().group(T, s("q"))).isEmpty();
    assertThat(h.router.partialMessages().dropped()).isEqualTo(1);
  }
}
