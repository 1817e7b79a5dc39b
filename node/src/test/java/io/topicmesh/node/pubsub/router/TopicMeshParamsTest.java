package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-topic mesh degrees: staged, applied at the next heartbeat, one topic's mesh only. */
class TopicMeshParamsTest {
  static final TopicMeshParams SMALL = new TopicMeshParams(3, 2, 4, 2, 1, 3);

  @Test
  void anOverrideResizesOnlyItsTopicsMeshAtTheNextHeartbeat() {
    RouterHarness h = new RouterHarness();
    h.subscribe("a");
    h.subscribe("b");
    List<ScriptedPeer> ps = h.peers(12, "a", "b");
    h.heartbeats(2);
    assertThat(h.router.meshPeers("a")).hasSize(6);
    assertThat(h.router.meshPeers("b")).hasSize(6);

    h.router.setTopicMeshParams("b", SMALL);
    assertThat(h.router.meshParams("b")).as("staged, not yet applied").isEqualTo(TopicMeshParams.of(h.router.params()));
    assertThat(h.router.topicMeshOverrides()).as("asked for").containsEntry("b", SMALL);
    h.heartbeats(1);
    assertThat(h.router.meshParams("b")).isEqualTo(SMALL);
    assertThat(h.router.meshPeers("b")).as("b trimmed to its D").hasSize(3);
    assertThat(h.router.meshPeers("a")).as("a untouched").hasSize(6);
    assertThat(h.router.topicMeshOverrides()).containsOnlyKeys("b");
    long prunesB = ps.stream().flatMap(p -> p.prunes().stream()).filter(x -> x.topic().equals("b")).count();
    assertThat(prunesB).isEqualTo(3);
    assertThat(ps.stream().flatMap(p -> p.prunes().stream()).filter(x -> x.topic().equals("a"))).isEmpty();

    // b's mesh is now kept within [2, 4]: a GRAFT at Dhi from an inbound peer is refused
    h.router.setTopicMeshParams("b", null);
    h.heartbeats(1);
    assertThat(h.router.meshParams("b")).isEqualTo(TopicMeshParams.of(h.router.params()));
    assertThat(h.router.meshPeers("b")).as("b back below the global Dlo, refilled to D").hasSize(6);
    assertThat(h.router.topicMeshOverrides()).isEmpty();
  }

  @Test
  void aTopicsDhiBoundsGraftsFromInboundPeers() {
    RouterHarness h = new RouterHarness();
    h.router.setTopicMeshParams("b", new TopicMeshParams(2, 1, 2, 1, 0, 2));
    h.subscribe("b");
    List<ScriptedPeer> ps = h.peers(6, "b");
    h.heartbeats(1);
    assertThat(h.router.meshPeers("b")).hasSize(2);
    ScriptedPeer inbound = ps.stream().filter(p -> !h.router.meshPeers("b").contains(p.id)
        && ps.indexOf(p) % 2 == 1).findFirst().orElseThrow();
    inbound.clear();
    inbound.graft("b");
    h.time.runPending();
    assertThat(h.router.meshPeers("b")).hasSize(2).doesNotContain(inbound.id);
    assertThat(inbound.prunes()).extracting(x -> x.topic()).containsExactly("b");
  }

  @Test
  void gossipReachesAtLeastTheTopicsDlazy() throws Exception {
    RouterHarness h = new RouterHarness();
    h.router.setTopicMeshParams("g", new TopicMeshParams(1, 1, 1, 1, 0, 8));
    h.subscribe("g");
    List<ScriptedPeer> ps = h.peers(10, "g");
    h.heartbeats(1);
    h.router.publish("g", new byte[10]).get();
    RouterHarness.clearAll(ps);
    h.heartbeats(1);
    long gossiped = ps.stream().filter(p -> !p.ihaves().isEmpty()).count();
    assertThat(gossiped).as("peers that got an IHAVE").isEqualTo(8);
  }

  @Test
  void invalidDegreesNameTheField() {
    assertThatThrownBy(() -> new TopicMeshParams(3, 4, 5, 2, 1, 3))
        .isInstanceOf(InvalidParamsException.class).hasMessageContaining("dlo");
    assertThatThrownBy(() -> new TopicMeshParams(4, 3, 5, 2, 3, 3))
        .isInstanceOf(InvalidParamsException.class).hasMessageContaining("dout");
    assertThatThrownBy(() -> new TopicMeshParams(4, 3, 5, 6, 1, 3))
        .isInstanceOf(InvalidParamsException.class).hasMessageContaining("dscore");
  }
}
