package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.topicmesh.node.identity.PeerId;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Each score term P1–P7 in isolation, with weights chosen so the expected values are exact. */
class ScoringTest {
  static TopicScoreParams tp(double w1, double w2, double w3, double w3b, double w4) {
    return new TopicScoreParams(
        1, w1, Duration.ofSeconds(1), 10, w2, 0.5, 5, w3, 0.5, 10, 4, Duration.ofMillis(10),
        Duration.ofSeconds(2), w3b, 0.5, w4, 0.5);
  }

  static PeerScoreParams ps(TopicScoreParams t, double cap) {
    return new PeerScoreParams(
        Map.of("t", t), cap, 2, -1, 1, Set.of(), -1, 1, 0.5, Duration.ofSeconds(1), 0.01,
        Duration.ofSeconds(60));
  }

  static RouterHarness harness(TopicScoreParams t) {
    return new RouterHarness(b -> b.scoreParams(ps(t, 0)));
  }

  @Test
  void p1TimeInMeshGrowsPerQuantumUpToTheCap() {
    RouterHarness h = harness(tp(1, 0, 0, 0, 0));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    h.heartbeats(3); // 0.1 s + 2 s
    assertThat(h.router.score(p.id)).isCloseTo(2.1, within(1e-9));
    h.heartbeats(30);
    assertThat(h.router.score(p.id)).isEqualTo(10.0);
    p.prune("t", 1L, List.of());
    assertThat(h.router.score(p.id)).isZero();
  }

  @Test
  void p2FirstDeliveriesCountCapAndDecay() {
    RouterHarness h = harness(tp(0, 1, 0, 0, 0));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    ScriptedPeer q = h.peer();
    p.subscribe("t");
    q.subscribe("t");
    for (int i = 0; i < 3; i++) {
      var m = p.signed("t", new byte[] {(byte) i});
      p.publish(m);
      q.publish(m); // duplicate: no P2 for q
    }
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(3.0);
    assertThat(h.router.score(q.id)).isZero();
    h.heartbeats(1); // first decay
    assertThat(h.router.score(p.id)).isEqualTo(1.5);
    for (int i = 0; i < 10; i++) {
      p.publish(p.signed("t", new byte[] {(byte) (10 + i)}));
    }
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(5.0); // capped
  }

  @Test
  void p3MeshDeliveryDeficitAppliesAfterActivationAndP3bStaysAfterPrune() {
    RouterHarness h = harness(tp(0, 0, -1, -1, 0));
    h.subscribe("t");
    ScriptedPeer idle = h.peer();
    ScriptedPeer busy = h.peer();
    idle.subscribe("t");
    busy.subscribe("t");
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).contains(idle.id, busy.id);
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 10; i++) {
        busy.publish(busy.signed("t", new byte[] {(byte) round, (byte) i}));
      }
      h.heartbeats(1);
      if (round == 0) {
        assertThat(h.router.score(idle.id)).as("before activation").isZero();
      }
    }
    assertThat(h.router.score(busy.id)).isZero();
    // idle delivered nothing: once active its deficit (4² · -1) made it negative, the heartbeat
    // pruned it, and P3b (the deficit² at prune time) remains and decays by half per interval
    assertThat(h.events.events).contains("prune t NEGATIVE_SCORE");
    assertThat(h.router.meshPeers("t")).doesNotContain(idle.id).contains(busy.id);
    double before = h.router.score(idle.id);
    assertThat(before).isLessThan(0);
    h.heartbeats(1);
    assertThat(h.router.score(idle.id)).isEqualTo(before / 2);
  }

  @Test
  void p3DeficitTurnsIntoExactP3bWhenTheHeartbeatPrunes() {
    RouterHarness h = harness(tp(0, 0, -1, -1, 0));
    h.subscribe("t");
    ScriptedPeer idle = h.peer();
    idle.subscribe("t");
    h.heartbeats(3); // grafted at the first heartbeat, 2 s in mesh: not active yet
    assertThat(h.router.score(idle.id)).isZero();
    assertThat(h.router.meshPeers("t")).contains(idle.id);
    h.heartbeats(1); // active: (4 - 0)² · -1 < 0, pruned by the same heartbeat, P3b = 16
    assertThat(h.router.meshPeers("t")).doesNotContain(idle.id);
    assertThat(h.router.score(idle.id)).isEqualTo(-16.0);
  }

  @Test
  void p3CountsNearFirstDeliveriesFromMeshPeers() {
    RouterHarness h = harness(tp(0, 0, -1, 0, 0));
    h.subscribe("t");
    ScriptedPeer first = h.peer();
    ScriptedPeer second = h.peer();
    first.subscribe("t");
    second.subscribe("t");
    h.heartbeats(1);
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < 10; i++) {
        var m = first.signed("t", new byte[] {(byte) round, (byte) i});
        first.publish(m);
        second.publish(m); // same virtual instant: inside the 10 ms window
      }
      h.heartbeats(1);
    }
    assertThat(h.router.score(second.id)).isZero();
  }

  @Test
  void p4InvalidMessagesArePenalisedSquared() {
    RouterHarness h = harness(tp(0, 0, 0, 0, -1));
    h.router.addValidator("t", (s, m) -> CompletableFuture.completedFuture(ValidationResult.REJECT));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(p.signed("t", new byte[] {1}));
    p.publish(p.signed("t", new byte[] {2}));
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(-4.0);
  }

  @Test
  void p5ApplicationScoreIsWeighted() {
    RouterHarness h = new RouterHarness(b -> b.scoreParams(ps(tp(0, 0, 0, 0, 0), 0)).appSpecificScore(id -> 3));
    ScriptedPeer p = h.peer();
    assertThat(h.router.score(p.id)).isEqualTo(6.0);
  }

  @Test
  void p6IpColocationPenalisesTheSurplus() throws Exception {
    RouterHarness h = harness(tp(0, 0, 0, 0, 0));
    // labels only (RFC 5737 documentation addresses; no socket is opened): loopback is not counted
    InetAddress shared = InetAddress.getByName("192.0.2.7");
    PeerId[] ids = new PeerId[3];
    for (int i = 0; i < 3; i++) {
      ScriptedPeer p = new ScriptedPeer(h.keys);
      p.router = h.router;
      h.router.addPeer(p.id, PubsubProtocol.MESHSUB_V11.id(), Direction.INBOUND, shared, p);
      ids[i] = p.id;
    }
    ScriptedPeer alone = new ScriptedPeer(h.keys);
    h.router.addPeer(alone.id, PubsubProtocol.MESHSUB_V11.id(), Direction.INBOUND, InetAddress.getByName("192.0.2.8"), alone);
    // threshold 1, 3 peers: surplus 2, squared, weight -1
    assertThat(h.router.score(ids[0])).isEqualTo(-4.0);
    assertThat(h.router.score(alone.id)).isZero();
    h.router.removePeer(ids[2]);
    assertThat(h.router.score(ids[0])).isEqualTo(-1.0);
  }

  @Test
  void p6IgnoresLoopbackWhereEveryInboundPeerSharesOneSource() throws Exception {
    RouterHarness h = harness(tp(0, 0, 0, 0, 0));
    PeerId[] ids = new PeerId[3];
    for (int i = 0; i < 3; i++) {
      ScriptedPeer p = new ScriptedPeer(h.keys);
      p.router = h.router;
      h.router.addPeer(p.id, PubsubProtocol.MESHSUB_V11.id(), Direction.INBOUND, InetAddress.getByName("127.0.0.1"), p);
      ids[i] = p.id;
    }
    PeerId[] v6 = new PeerId[2];
    for (int i = 0; i < 2; i++) {
      ScriptedPeer p = new ScriptedPeer(h.keys);
      p.router = h.router;
      h.router.addPeer(p.id, PubsubProtocol.MESHSUB_V11.id(), Direction.INBOUND, InetAddress.getByName("::1"), p);
      v6[i] = p.id;
    }
    // threshold 1: counted, the three behind 127.0.0.1 would be -4 each and the two behind ::1 -1
    for (PeerId id : ids) {
      assertThat(h.router.score(id)).isZero();
    }
    for (PeerId id : v6) {
      assertThat(h.router.score(id)).isZero();
    }
  }

  @Test
  void p7BehaviourPenaltyAboveThresholdSquaredAndDecays() {
    RouterHarness h = harness(tp(0, 0, 0, 0, 0));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 60L, List.of());
    p.graft("t"); // 2 penalties (flood threshold): excess over threshold 1 is 1
    assertThat(h.router.score(p.id)).isEqualTo(-1.0);
    p.graft("t"); // 4 penalties: excess 3
    assertThat(h.router.score(p.id)).isEqualTo(-9.0);
    h.heartbeats(1); // decay 0.5: 2, excess 1
    assertThat(h.router.score(p.id)).isEqualTo(-1.0);
  }

  @Test
  void topicScoreCapLimitsPositiveTopicContribution() {
    RouterHarness h = new RouterHarness(b -> b.scoreParams(ps(tp(0, 1, 0, 0, 0), 2)));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    for (int i = 0; i < 5; i++) {
      p.publish(p.signed("t", new byte[] {(byte) i}));
    }
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(2.0);
  }

  @Test
  void negativeScoreIsRetainedAcrossReconnect() {
    RouterHarness h = harness(tp(0, 0, 0, 0, -1));
    h.router.addValidator("t", (s, m) -> CompletableFuture.completedFuture(ValidationResult.REJECT));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(p.signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(-1.0);
    h.router.removePeer(p.id);
    h.router.addPeer(p.id, PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, p);
    assertThat(h.router.score(p.id)).isEqualTo(-1.0);
  }

  @Test
  void graylistedPeersAreIgnoredEntirely() {
    RouterHarness h = harness(tp(0, 0, 0, 0, -100));
    h.router.addValidator("t", (s, m) -> CompletableFuture.completedFuture(
        m.data().byteAt(0) == 0 ? ValidationResult.REJECT : ValidationResult.ACCEPT));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(p.signed("t", new byte[] {0}));
    h.time.runPending();
    assertThat(h.router.score(p.id)).isEqualTo(-100.0); // below graylist (-80)
    p.publish(p.signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.events.count("graylisted")).isEqualTo(1);
  }
}
