package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.PeerId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpportunisticGraftTest {
  @Test
  void lowMedianMeshScoreGraftsBetterPeers() {
    Set<PeerId> good = new HashSet<>();
    RouterHarness h =
        new RouterHarness(
            b -> b.params(GossipParams.builder().opportunisticGraftTicks(3).build())
                .appSpecificScore(id -> good.contains(id) ? 5 : 0));
    List<ScriptedPeer> first = h.peers(6, "t");
    h.subscribe("t");
    assertThat(h.router.meshPeers("t")).hasSize(6);
    List<ScriptedPeer> later = h.peers(4, "t");
    later.forEach(p -> good.add(p.id));
    h.heartbeats(2);
    assertThat(h.router.meshPeers("t")).hasSize(6);
    h.heartbeats(2); // tick 3: median 0 < threshold 20
    Set<PeerId> mesh = h.router.meshPeers("t");
    assertThat(mesh).hasSize(8);
    assertThat(later.stream().filter(p -> mesh.contains(p.id)).count()).isEqualTo(2);
    assertThat(h.events.count("graft t OPPORTUNISTIC")).isEqualTo(2);
    assertThat(first).allSatisfy(p -> assertThat(mesh).contains(p.id));
  }

  @Test
  void noOpportunisticGraftWhenTheMedianIsHighEnough() {
    RouterHarness h =
        new RouterHarness(
            b -> b.params(GossipParams.builder().opportunisticGraftTicks(3).build()).appSpecificScore(id -> 5));
    h.peers(6, "t");
    h.subscribe("t");
    h.peers(4, "t");
    h.heartbeats(7);
    assertThat(h.events.count("graft t OPPORTUNISTIC")).isZero();
  }
}
