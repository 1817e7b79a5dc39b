package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FanoutTest {
  private static RouterHarness noFlood() {
    return new RouterHarness(b -> b.params(GossipParams.builder().floodPublish(false).build()));
  }

  @Test
  void publishingToAnUnsubscribedTopicUsesDFanoutPeers() {
    RouterHarness h = noFlood();
    List<ScriptedPeer> ps = h.peers(10, "t");
    h.router.publish("t", new byte[] {1});
    assertThat(h.router.fanoutPeers("t")).hasSize(6);
    long got = ps.stream().filter(p -> !p.messages().isEmpty()).count();
    assertThat(got).isEqualTo(6);
    // the same fanout is reused
    var first = h.router.fanoutPeers("t");
    RouterHarness.clearAll(ps);
    h.router.publish("t", new byte[] {2});
    assertThat(h.router.fanoutPeers("t")).isEqualTo(first);
    assertThat(ps.stream().filter(p -> !p.messages().isEmpty()).map(p -> p.id).toList())
        .containsExactlyInAnyOrderElementsOf(first);
  }

  @Test
  void fanoutExpiresAfterTtl() {
    RouterHarness h = noFlood();
    h.peers(10, "t");
    h.router.publish("t", new byte[] {1});
    h.heartbeats(30);
    assertThat(h.router.fanoutPeers("t")).hasSize(6);
    h.heartbeats(35); // fanoutTtl = 60 s
    assertThat(h.router.fanoutPeers("t")).isEmpty();
  }

  @Test
  void fanoutIsRefilledAndSeedsTheMeshOnJoin() {
    RouterHarness h = noFlood();
    List<ScriptedPeer> ps = h.peers(10, "t");
    h.router.publish("t", new byte[] {1});
    var fan = h.router.fanoutPeers("t");
    ScriptedPeer leaving = ps.stream().filter(p -> fan.contains(p.id)).findFirst().orElseThrow();
    h.router.removePeer(leaving.id);
    h.heartbeats(1);
    assertThat(h.router.fanoutPeers("t")).hasSize(6).doesNotContain(leaving.id);
    var refilled = h.router.fanoutPeers("t");
    h.subscribe("t");
    assertThat(h.router.fanoutPeers("t")).isEmpty();
    assertThat(h.router.meshPeers("t")).containsExactlyInAnyOrderElementsOf(refilled);
  }
}
