package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.SubOpts;
import io.topicmesh.node.pubsub.wire.pb.RpcProtos;
import com.google.protobuf.UnknownFieldSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** gossipsub v1.3: the Extensions control message, on virtual time with scripted peers. */
class ExtensionsTest {
  static final ControlMessage NO_CONTROL = ControlMessage.EMPTY;

  /** Records the v1.3 observer events. */
  static final class Events implements RouterObserver {
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    public void extensionsReceived(PeerId peer, ControlExtensions e) {
      seen.add("extensions " + e);
    }

    @Override
    public void extensionsMisbehaviour(PeerId peer) {
      seen.add("misbehaviour");
    }

    @Override
    public void testExtensionReceived(PeerId peer) {
      seen.add("test-extension");
    }
  }

  private static Rpc withExtensions(Rpc rpc, ControlExtensions e) {
    return rpc.withExtensions(e);
  }

  private static Rpc hello(ControlExtensions e) {
    return withExtensions(new Rpc(List.of(new SubOpts(true, "t")), List.of(), null), e);
  }

  @Test
  void ourExtensionsGoInTheFirstRpcOfAV13StreamOnly() {
    RouterHarness h = new RouterHarness(b -> b.testExtension(true));
    h.subscribe("t");
    ScriptedPeer v13 = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    ScriptedPeer v12 = h.peer(PubsubProtocol.MESHSUB_V12, Direction.OUTBOUND);
    h.time.runPending();
    assertThat(v13.received).as("RPCs to the v1.3 peer").isNotEmpty();
    Rpc first = v13.received.get(0);
    assertThat(first.control().extensions()).isEqualTo(new ControlExtensions(false, true));
    assertThat(first.subscriptions()).extracting(SubOpts::topic).containsExactly("t");
    assertThat(v12.received).isNotEmpty();
    assertThat(v12.received).allSatisfy(r -> assertThat(r.control().extensions()).isNull());

    // later traffic never repeats it
    v13.subscribe("t");
    h.heartbeats(3);
    assertThat(v13.received.size()).as("RPCs after the heartbeats").isGreaterThan(1);
    assertThat(v13.received.subList(1, v13.received.size()))
        .allSatisfy(r -> assertThat(r.control().extensions()).isNull());
  }

  @Test
  void withoutAnExtensionNoExtensionsMessageIsSentAndV12BytesAreUnchanged() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer v13 = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    ScriptedPeer v12 = h.peer(PubsubProtocol.MESHSUB_V12, Direction.OUTBOUND);
    h.time.runPending();
    assertThat(v13.received).allSatisfy(r -> assertThat(r.control().extensions()).isNull());
    // what a v1.2 peer gets is the pre-v1.3 encoding: one subscription, nothing else
    byte[] expected = RpcProtos.RPC.newBuilder()
        .addSubscriptions(RpcProtos.RPC.SubOpts.newBuilder().setSubscribe(true).setTopicid("t"))
        .build().toByteArray();
    assertThat(RpcCodec.encode(v12.received.get(0))).isEqualTo(expected);
  }

  @Test
  void thePeersFirstRpcFixesItsExtensionsAndTheTestExtensionIsExchangedOnce() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.testExtension(true).observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    h.time.runPending();
    assertThat(h.router.peerExtensions(p.id)).isEmpty();
    p.rpc(hello(new ControlExtensions(false, true)));
    h.time.runPending();
    assertThat(h.router.peerExtensions(p.id)).contains(new ControlExtensions(false, true));
    assertThat(p.received.stream().filter(Rpc::testExtension)).as("TestExtension messages to the peer").hasSize(1);
    p.rpc(Rpc.ofTestExtension());
    p.rpc(new Rpc(List.of(new SubOpts(true, "u")), List.of(), null));
    h.time.runPending();
    assertThat(ev.seen).containsExactly("extensions " + new ControlExtensions(false, true), "test-extension");
    assertThat(p.received.stream().filter(Rpc::testExtension)).hasSize(1);
  }

  @Test
  void noTestExtensionMessageWhenOnlyOneSideAdvertisesIt() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    p.rpc(hello(new ControlExtensions(false, true)));
    p.rpc(Rpc.ofTestExtension());
    h.time.runPending();
    assertThat(p.received).noneMatch(Rpc::testExtension);
    assertThat(ev.seen).containsExactly("extensions " + new ControlExtensions(false, true));
  }

  @Test
  void aSecondExtensionsMessageIsIgnoredAndPenalised() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    ScriptedPeer good = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    p.rpc(hello(new ControlExtensions(false, true)));
    good.rpc(hello(new ControlExtensions(false, true)));
    p.rpc(hello(new ControlExtensions(true, false)));
    h.heartbeats(1);
    assertThat(ev.seen).containsOnlyOnce("misbehaviour");
    assertThat(h.router.peerExtensions(p.id)).as("the first Extensions stand").contains(new ControlExtensions(false, true));
    assertThat(h.router.score(p.id)).as("score of the misbehaving peer").isNegative();
    assertThat(h.router.score(good.id)).as("score of a well-behaved peer").isZero();
  }

  @Test
  void anExtensionsMessageAfterAFirstRpcWithoutOneIsMisbehaviour() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    p.subscribe("t");
    p.rpc(Rpc.ofControl(NO_CONTROL.withExtensions(new ControlExtensions(false, true))));
    h.heartbeats(1);
    assertThat(ev.seen).containsExactly("extensions " + ControlExtensions.NONE, "misbehaviour");
    assertThat(h.router.peerExtensions(p.id)).contains(ControlExtensions.NONE);
    assertThat(h.router.score(p.id)).isNegative();
  }

  @Test
  void anExtensionsMessageOnAnOlderVersionIsIgnoredWithoutPenalty() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.testExtension(true).observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V12, Direction.INBOUND);
    p.rpc(hello(new ControlExtensions(false, true)));
    p.rpc(hello(new ControlExtensions(false, true)));
    h.heartbeats(1);
    assertThat(ev.seen).isEmpty();
    assertThat(h.router.peerExtensions(p.id)).isEmpty();
    assertThat(p.received).noneMatch(Rpc::testExtension);
    assertThat(h.router.score(p.id)).isZero();
  }

  @Test
  void unknownExtensionsAreIgnored() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.testExtension(true).observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    // an Extensions message announcing only extensions we do not know (fields 11 and 0x300000),
    // plus an unknown RPC-level extension message
    UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
        .addField(11, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .addField(0x300000, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
    byte[] payload = RpcProtos.RPC.newBuilder()
        .addSubscriptions(RpcProtos.RPC.SubOpts.newBuilder().setSubscribe(true).setTopicid("t"))
        .setControl(RpcProtos.ControlMessage.newBuilder()
            .setExtensions(RpcProtos.ControlExtensions.newBuilder().setUnknownFields(unknown)))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(0x300001, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(com.google.protobuf.ByteString.copyFromUtf8("x")).build())
            .build())
        .build().toByteArray();
    Rpc decoded = ScriptedPeer.CODEC.decode(payload);
    assertThat(decoded.control().extensions()).isEqualTo(ControlExtensions.NONE);
    h.router.onRpc(p.id, decoded);
    h.heartbeats(1);
    assertThat(ev.seen).containsExactly("extensions " + ControlExtensions.NONE);
    assertThat(h.router.topicPeers("t")).contains(p.id);
    assertThat(p.received).noneMatch(Rpc::testExtension);
    assertThat(h.router.score(p.id)).isZero();
  }

  @Test
  void aNewStreamStartsOver() {
    Events ev = new Events();
    RouterHarness h = new RouterHarness(b -> b.testExtension(true).observer(ev));
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V13, Direction.INBOUND);
    p.rpc(hello(new ControlExtensions(false, true)));
    h.router.removePeer(p.id);
    p.clear();
    h.router.addPeer(p.id, PubsubProtocol.MESHSUB_V13.id(), Direction.INBOUND, null, p);
    h.time.runPending();
    assertThat(p.received.get(0).control().extensions()).isEqualTo(new ControlExtensions(false, true));
    p.rpc(hello(new ControlExtensions(false, true)));
    h.time.runPending();
    assertThat(ev.seen).doesNotContain("misbehaviour");
    assertThat(p.received.stream().filter(Rpc::testExtension)).hasSize(1);
  }
}
