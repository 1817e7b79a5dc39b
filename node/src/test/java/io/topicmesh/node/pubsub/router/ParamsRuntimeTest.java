package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ParamsRuntimeTest {
  @Test
  void newParametersApplyAtTheNextHeartbeatWithoutDroppingTheMesh() {
    RouterHarness h = new RouterHarness();
    h.peers(20, "t");
    h.subscribe("t");
    h.heartbeats(1);
    Set<?> before = h.router.meshPeers("t");
    assertThat(before).hasSize(6);
    h.router.setParams(GossipParams.builder().mesh(9, 8, 14).dscore(5).dout(3).build());
    assertThat(h.router.params().d()).as("not before the heartbeat").isEqualTo(6);
    h.heartbeats(1);
    assertThat(h.router.params().d()).isEqualTo(9);
    assertThat(h.router.meshPeers("t")).hasSize(9).containsAll((Set) before);
  }

  @Test
  void heartbeatIntervalChangeTakesEffect() {
    RouterHarness h = new RouterHarness();
    h.heartbeats(2);
    long ticks = h.router.heartbeatTicks();
    h.router.setParams(GossipParams.builder().heartbeatInterval(Duration.ofMillis(200)).build());
    h.time.advance(1000); // applied at the next heartbeat, then every 200 ms
    h.time.advance(1000);
    assertThat(h.router.heartbeatTicks() - ticks).isGreaterThanOrEqualTo(6);
  }

  @Test
  void stopCancelsTheHeartbeat() {
    RouterHarness h = new RouterHarness();
    h.heartbeats(3);
    h.router.stop();
    long ticks = h.router.heartbeatTicks();
    h.time.advance(10_000);
    assertThat(h.router.heartbeatTicks()).isEqualTo(ticks);
  }

  @Test
  void scoreThresholdsCanBeReplaced() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 60L, List.of());
    p.graft("t"); // -40: above the default graylist (-80)
    h.router.setThresholds(new PeerScoreThresholds(-1, -1, -1, 0, 0));
    h.heartbeats(1);
    p.subscribe("u");
    assertThat(h.router.topicPeers("u")).as("graylisted under the new thresholds").isEmpty();
  }
}
