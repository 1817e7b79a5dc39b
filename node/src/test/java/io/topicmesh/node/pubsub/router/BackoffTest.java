package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GRAFT/PRUNE handling and backoff: honoured, enforced, clamped, with slack. */
class BackoffTest {
  @Test
  void remotePruneRemovesFromMeshAndHonoursItsBackoff() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    assertThat(h.router.meshPeers("t")).contains(p.id);
    p.prune("t", 30L, List.of());
    assertThat(h.router.meshPeers("t")).doesNotContain(p.id);
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(30_000);
    h.heartbeats(20);
    assertThat(h.router.meshPeers("t")).as("no regraft during backoff").doesNotContain(p.id);
    h.heartbeats(15);
    assertThat(h.router.meshPeers("t")).as("regrafted after backoff").contains(p.id);
  }

  @Test
  void pruneWithoutBackoffUsesTheDefault() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer(PubsubProtocol.MESHSUB_V10, Direction.OUTBOUND);
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", null, List.of());
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(60_000);
  }

  @Test
  void absurdBackoffValuesAreClamped() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.subscribe("t");
    ps.get(0).prune("t", Long.MAX_VALUE, List.of());
    ps.get(1).prune("t", -1L, List.of()); // uint64 max on the wire
    ps.get(2).prune("t", 0L, List.of());
    assertThat(h.router.backoffMillis(ps.get(0).id, "t")).isEqualTo(GossipRouter.MAX_BACKOFF_SECONDS * 1000);
    assertThat(h.router.backoffMillis(ps.get(1).id, "t")).isEqualTo(GossipRouter.MAX_BACKOFF_SECONDS * 1000);
    assertThat(h.router.backoffMillis(ps.get(2).id, "t")).isZero();
    h.heartbeats(3);
    assertThat(h.router.meshPeers("t")).containsExactly(ps.get(2).id);
  }

  @Test
  void graftDuringBackoffIsRefusedAndPenalised() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 60L, List.of());
    p.clear();
    p.graft("t"); // within graftFloodThreshold: double penalty
    assertThat(h.router.meshPeers("t")).doesNotContain(p.id);
    assertThat(p.prunes()).extracting(ControlPrune::topic).containsExactly("t");
    assertThat(p.prunes().get(0).backoffSeconds()).isEqualTo(60L);
    assertThat(h.events.count("graft-during-backoff")).isEqualTo(1);
    // P7: 2 penalties, weight -10, squared: -40
    assertThat(h.router.score(p.id)).isEqualTo(-40.0);
  }

  @Test
  void graftSpamDuringBackoffStaysBoundedAndGraylistsThePeer() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 60L, List.of());
    for (int i = 0; i < 1000; i++) {
      p.graft("t");
    }
    assertThat(h.router.meshPeers("t")).isEmpty();
    assertThat(h.router.score(p.id)).isLessThan(PeerScoreThresholds.defaults().graylistThreshold());
    assertThat(h.events.count("graylisted")).isGreaterThan(0);
    assertThat(h.router.outboundQueueDepth(p.id)).isLessThanOrEqualTo(OutboundQueue.MAX_CONTROL_ENTRIES);
  }

  @Test
  void graftForUnknownTopicIsIgnored() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.clear();
    p.graft("nope");
    assertThat(p.prunes()).isEmpty();
    assertThat(h.router.meshPeers("nope")).isEmpty();
  }

  @Test
  void regraftWaitsOneHeartbeatOfSlackAfterTheBackoff() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    h.heartbeats(1);
    p.prune("t", 5L, List.of());
    long pruneAt = h.time.nowMillis();
    // heartbeats until just past the announced expiry: still no GRAFT (slack)
    while (h.time.nowMillis() < pruneAt + 5_000) {
      h.heartbeats(1);
    }
    assertThat(h.router.meshPeers("t")).doesNotContain(p.id);
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).contains(p.id);
  }
}
