package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FloodsubPeerTest {
  @Test
  void floodsubPeersGetEveryMessageAndNoGossipsubControl() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer flood = h.peer(PubsubProtocol.FLOODSUB, Direction.INBOUND);
    flood.subscribe("t");
    List<ScriptedPeer> gs = h.peers(10, "t");
    h.heartbeats(3);
    assertThat(h.router.meshPeers("t")).doesNotContain(flood.id);
    ScriptedPeer src = gs.stream().filter(p -> h.router.meshPeers("t").contains(p.id)).findFirst().orElseThrow();
    src.publish(src.signed("t", new byte[] {1}));
    h.time.runPending();
    h.heartbeats(2);
    assertThat(flood.messages()).hasSize(1);
    assertThat(flood.grafts()).isEmpty();
    assertThat(flood.ihaves()).isEmpty();
    // control from a floodsub peer is ignored
    flood.graft("t");
    assertThat(h.router.meshPeers("t")).doesNotContain(flood.id);
    assertThat(flood.prunes()).isEmpty();
    // its messages are delivered and forwarded to the mesh
    flood.publish(flood.signed("t", new byte[] {2}));
    h.time.runPending();
    assertThat(h.delivered).hasSize(2);
  }

  @Test
  void v10PeersAreMeshedButGetNoIdontwant() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer v10 = h.peer(PubsubProtocol.MESHSUB_V10, Direction.OUTBOUND);
    ScriptedPeer src = h.peer();
    v10.subscribe("t");
    src.subscribe("t");
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).contains(v10.id);
    src.publish(src.signed("t", new byte[4096]));
    h.time.runPending();
    assertThat(v10.idontwants()).isEmpty();
    assertThat(v10.messages()).hasSize(1);
  }
}
