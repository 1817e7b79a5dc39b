package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.Rpc;
import org.junit.jupiter.api.Test;

class OutboundPressureTest {
  @Test
  void slowPeerQueueIsBoundedAndDropsAreCounted() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.setWritable(p.id, false);
    p.clear();
    for (int i = 0; i < 40; i++) {
      h.router.publish("t", new byte[] {(byte) i});
    }
    h.time.runPending();
    assertThat(p.received).isEmpty();
    assertThat(h.router.outboundQueueDepth(p.id)).isEqualTo(32);
    assertThat(h.events.count("drop QUEUE_FULL")).isEqualTo(8);
    h.router.subscribe("u", m -> {});
    h.router.setWritable(p.id, true);
    // control (the subscription) rides in the first RPC, messages follow in order
    Rpc first = p.received.get(0);
    assertThat(first.subscriptions()).hasSize(1);
    assertThat(p.messages()).hasSize(32);
    assertThat(p.messages().get(0).data().byteAt(0)).isEqualTo((byte) 0);
    assertThat(p.messages().get(31).data().byteAt(0)).isEqualTo((byte) 31);
    assertThat(h.router.outboundQueueDepth(p.id)).isZero();
  }

  @Test
  void disconnectPolicyClosesTheSlowPeer() {
    RouterHarness h = new RouterHarness(b -> b.slowPeerPolicy(GossipRouter.SlowPeerPolicy.DISCONNECT)
        .params(GossipParams.builder().maxOutboundQueue(4).build()));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.setWritable(p.id, false);
    for (int i = 0; i < 5; i++) {
      h.router.publish("t", new byte[] {(byte) i});
    }
    assertThat(p.closed).isTrue();
    assertThat(p.closeReason).contains("outbound queue full");
  }

  @Test
  void penalisePolicyLowersTheScore() {
    RouterHarness h = new RouterHarness(b -> b.slowPeerPolicy(GossipRouter.SlowPeerPolicy.PENALISE)
        .params(GossipParams.builder().maxOutboundQueue(4).build()));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.setWritable(p.id, false);
    for (int i = 0; i < 6; i++) {
      h.router.publish("t", new byte[] {(byte) i});
    }
    assertThat(h.router.score(p.id)).isEqualTo(-40.0); // 2 drops, P7 weight -10
  }

  @Test
  void batchesRespectTheMaxRpcSize() {
    RouterHarness h = new RouterHarness(b -> b.limits(io.topicmesh.node.pubsub.wire.RpcLimits.defaults().withMaxRpcSize(4096)));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.setWritable(p.id, false);
    for (int i = 0; i < 10; i++) {
      h.router.publish("t", new byte[1500]);
    }
    p.clear();
    h.router.setWritable(p.id, true);
    assertThat(p.messages()).hasSize(10);
    assertThat(p.received).allSatisfy(r -> assertThat(io.topicmesh.node.pubsub.wire.RpcCodec.encodedSize(r)).isLessThanOrEqualTo(4096));
    assertThat(p.received.size()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void publishingAMessageLargerThanAnRpcFails() {
    RouterHarness h = new RouterHarness(b -> b.limits(io.topicmesh.node.pubsub.wire.RpcLimits.defaults().withMaxRpcSize(4096)));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    var f = h.router.publish("t", new byte[4000]);
    assertThat(f).isCompletedExceptionally();
    assertThat(p.messages()).isEmpty();
  }
}
