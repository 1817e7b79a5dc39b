package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MeshTest {
  @Test
  void subscriptionsAreAnnouncedOnConnectAndOnChange() {
    RouterHarness h = new RouterHarness();
    h.subscribe("a");
    ScriptedPeer p = h.peer();
    assertThat(p.subscriptions()).extracting(s -> s.topic() + s.subscribe()).containsExactly("atrue");
    h.subscribe("b");
    h.router.unsubscribe("a");
    assertThat(p.subscriptions())
        .extracting(s -> s.topic() + s.subscribe())
        .containsExactly("atrue", "btrue", "afalse");
  }

  @Test
  void peerTopicMembershipFollowsTheirAnnouncements() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("a", "b");
    assertThat(h.router.topicPeers("a")).containsExactly(p.id);
    p.unsubscribe("a");
    assertThat(h.router.topicPeers("a")).isEmpty();
    assertThat(h.router.topicPeers("b")).containsExactly(p.id);
    h.router.removePeer(p.id);
    assertThat(h.router.topicPeers("b")).isEmpty();
  }

  @Test
  void joinGraftsDPeersAndHeartbeatKeepsMeshBetweenDloAndDhi() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(20, "t");
    h.subscribe("t");
    assertThat(h.router.meshPeers("t")).hasSize(6);
    long grafted = ps.stream().filter(p -> p.grafts().contains("t")).count();
    assertThat(grafted).isEqualTo(6);

    // peers leave until the mesh falls below Dlo: the heartbeat refills to D
    for (var id : List.copyOf(h.router.meshPeers("t")).subList(0, 3)) {
      h.router.removePeer(id);
    }
    assertThat(h.router.meshPeers("t")).hasSize(3);
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).hasSize(6);

    // peers graft us until above Dhi: the heartbeat prunes back to D
    for (ScriptedPeer p : ps) {
      if (h.router.peers().contains(p.id)) {
        p.graft("t");
      }
    }
    // inbound GRAFTs are refused at Dhi, outbound ones are still accepted
    int before = h.router.meshPeers("t").size();
    assertThat(before).isGreaterThan(12);
    RouterHarness.clearAll(ps);
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).hasSize(6);
    long pruned = ps.stream().filter(p -> !p.prunes().isEmpty()).count();
    assertThat(pruned).isEqualTo(before - 6);
    assertThat(h.events.events).contains("prune t OVERSUBSCRIBED");
  }

  @Test
  void oversubscribedPruneKeepsOutboundQuota() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    // 2 outbound then 14 inbound peers all graft us
    List<ScriptedPeer> out = List.of(h.peer(PubsubProtocol.MESHSUB_V11, Direction.OUTBOUND), h.peer(PubsubProtocol.MESHSUB_V11, Direction.OUTBOUND));
    out.forEach(p -> p.subscribe("t"));
    for (int i = 0; i < 14; i++) {
      ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V11, Direction.INBOUND);
      p.subscribe("t");
    }
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t").size()).isBetween(5, 12);
    for (int round = 0; round < 50; round++) {
      // inbound peers fill the mesh up to Dhi with GRAFTs; the prune must keep Dout outbound peers
      h.time.advance(61_000); // past the prune backoff
      h.router.setParams(GossipParams.defaults());
      h.heartbeats(1);
      for (var id : h.router.topicPeers("t")) {
        h.router.onRpc(id, io.topicmesh.node.pubsub.wire.Rpc.ofControl(new io.topicmesh.node.pubsub.wire.ControlMessage(
            List.of(), List.of(), List.of(new io.topicmesh.node.pubsub.wire.ControlGraft("t")), List.of(), List.of())));
      }
      assertThat(h.router.meshPeers("t")).hasSize(12);
      // a tighter Dhi applied at runtime makes the next heartbeat prune 12 -> 6
      h.router.setParams(GossipParams.builder().mesh(6, 5, 8).build());
      h.heartbeats(1);
      assertThat(h.router.meshPeers("t")).hasSize(6);
      assertThat(h.router.meshPeers("t").stream().filter(id -> out.stream().anyMatch(o -> o.id.equals(id))).count())
          .as("outbound peers in mesh at round %d", round)
          .isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void meshPeerThatUnsubscribesLeavesTheMesh() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.subscribe("t");
    assertThat(h.router.meshPeers("t")).hasSize(3);
    ps.get(0).unsubscribe("t");
    assertThat(h.router.meshPeers("t")).hasSize(2).doesNotContain(ps.get(0).id);
    assertThat(h.events.events).contains("prune t PEER_UNSUBSCRIBED");
  }

  @Test
  void unsubscribePrunesMeshWithUnsubscribeBackoff() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.subscribe("t");
    h.router.unsubscribe("t");
    for (ScriptedPeer p : ps) {
      assertThat(p.prunes()).hasSize(1);
      assertThat(p.prunes().get(0).backoffSeconds()).isEqualTo(10L);
    }
    assertThat(h.router.meshPeers("t")).isEmpty();
  }

  @Test
  void closePrunesEveryMeshAndStopsTheHeartbeat() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(4, "t");
    h.subscribe("t");
    h.heartbeats(2);
    RouterHarness.clearAll(ps);
    h.router.close();
    assertThat(ps).allSatisfy(p -> assertThat(p.prunes()).hasSize(1));
    // a short backoff: the same node restarted must not find every GRAFT refused for a minute
    assertThat(ps).allSatisfy(p -> assertThat(p.prunes().get(0).backoffSeconds()).isEqualTo(1L));
    long ticks = h.router.heartbeatTicks();
    h.time.advance(10_000);
    assertThat(h.router.heartbeatTicks()).isEqualTo(ticks);
  }
}
