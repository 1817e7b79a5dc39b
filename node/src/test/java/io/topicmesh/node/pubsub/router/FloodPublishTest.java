package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FloodPublishTest {
  @Test
  void ownMessagesGoToEveryTopicPeerAboveThePublishThreshold() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(15, "t");
    h.subscribe("t");
    ScriptedPeer bad = ps.get(0);
    // push one peer below the publish threshold (-50) with GRAFT spam during backoff
    bad.prune("t", 60L, List.of());
    for (int i = 0; i < 3; i++) {
      bad.graft("t");
    }
    assertThat(h.router.score(bad.id)).isLessThan(-50);
    RouterHarness.clearAll(ps);
    var result = h.router.publish("t", "x".getBytes());
    h.time.runPending();
    assertThat(result).isCompleted();
    assertThat(result.join().peers()).isEqualTo(14);
    assertThat(bad.messages()).isEmpty();
    assertThat(ps.subList(1, 15)).allSatisfy(p -> assertThat(p.messages()).hasSize(1));
  }

  @Test
  void forwardedMessagesUseOnlyTheMesh() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(15, "t");
    h.subscribe("t");
    ScriptedPeer src = ps.stream().filter(p -> h.router.meshPeers("t").contains(p.id)).findFirst().orElseThrow();
    RouterHarness.clearAll(ps);
    src.publish(src.signed("t", new byte[] {1}));
    h.time.runPending();
    long got = ps.stream().filter(p -> !p.messages().isEmpty()).count();
    assertThat(got).isEqualTo(5); // D - the source
    assertThat(src.messages()).isEmpty();
  }
}
