package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class IdontwantTest {
  @Test
  void largeMessagesTriggerIdontwantToV12MeshPeersOnly() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer src = h.peer();
    ScriptedPeer v12 = h.peer();
    ScriptedPeer v11 = h.peer(PubsubProtocol.MESHSUB_V11, Direction.OUTBOUND);
    for (ScriptedPeer p : List.of(src, v12, v11)) {
      p.subscribe("t");
    }
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).hasSize(3);
    PubsubMessage big = src.signed("t", new byte[2048]);
    src.publish(big);
    assertThat(v12.idontwants()).containsExactly(GossipTest.idOf(big));
    assertThat(v11.idontwants()).isEmpty();
    assertThat(src.idontwants()).isEmpty();
    PubsubMessage small = src.signed("t", new byte[10]);
    src.publish(small);
    assertThat(v12.idontwants()).hasSize(1);
  }

  @Test
  void idontwantIsHonouredWhenForwarding() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer src = h.peer();
    ScriptedPeer dst = h.peer();
    src.subscribe("t");
    dst.subscribe("t");
    h.heartbeats(1);
    PubsubMessage m = src.signed("t", new byte[2048]);
    dst.idontwant(List.of(GossipTest.idOf(m)));
    dst.clear();
    src.publish(m);
    h.time.runPending();
    assertThat(dst.messages()).isEmpty();
    assertThat(h.events.count("drop IDONTWANT")).isEqualTo(1);
  }

  @Test
  void idontwantExpiresAfterTtlHeartbeatsAndIsBounded() {
    RouterHarness h =
        new RouterHarness(b -> b.params(GossipParams.builder().maxIDontWantMessages(5).build()));
    h.subscribe("t");
    ScriptedPeer src = h.peer();
    ScriptedPeer dst = h.peer();
    src.subscribe("t");
    dst.subscribe("t");
    h.heartbeats(1);
    PubsubMessage m = src.signed("t", new byte[2048]);
    dst.idontwant(List.of(GossipTest.idOf(m)));
    h.heartbeats(4); // idontwantTtlTicks = 3
    src.publish(m);
    h.time.runPending();
    assertThat(dst.messages()).hasSize(1);

    // bound: only 5 remembered per peer
    List<PubsubMessage> ms = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ms.add(src.signed("t", new byte[] {(byte) i}));
    }
    dst.idontwant(ms.stream().map(GossipTest::idOf).toList());
    dst.clear();
    for (PubsubMessage x : ms) {
      src.publish(x);
    }
    h.time.runPending();
    assertThat(dst.messages()).hasSize(3);
  }
}
