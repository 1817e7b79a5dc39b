package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraftPruneTest {
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
  void pruneCarriesPxAndV10PeersGetNoBackoffField() {
    RouterHarness h = new RouterHarness(b -> b.peerExchange(true).params(GossipParams.builder().mesh(2, 1, 3).dout(0).dscore(1).build()));
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(5, "t");
    ScriptedPeer v10 = h.peer(PubsubProtocol.MESHSUB_V10, Direction.INBOUND);
    v10.subscribe("t");
    h.heartbeats(1);
    // everyone grafts; the mesh goes above Dhi and inbound GRAFTs are refused with PX
    for (ScriptedPeer p : ps) {
      p.graft("t");
    }
    v10.graft("t");
    List<ControlPrune> prunes = new ArrayList<>();
    ps.forEach(p -> prunes.addAll(p.prunes()));
    assertThat(prunes).isNotEmpty();
    assertThat(prunes).allSatisfy(pr -> assertThat(pr.backoffSeconds()).isEqualTo(60L));
    assertThat(prunes.stream().mapToInt(pr -> pr.peers().size()).sum()).isGreaterThan(0);
    assertThat(v10.prunes()).allSatisfy(pr -> {
      assertThat(pr.backoffSeconds()).isNull();
      assertThat(pr.peers()).isEmpty();
    });
  }

  @Test
  void pxIsDialedOnlyFromPeersAboveTheAcceptPxThreshold() {
    // P5 app score decides who is trusted: 1 for the good peer (weight 10 -> 10 >= acceptPX 10)
    List<io.topicmesh.node.identity.PeerId> trusted = new ArrayList<>();
    RouterHarness h =
        new RouterHarness(b -> b.peerExchange(true).appSpecificScore(id -> trusted.contains(id) ? 1 : 0));
    h.subscribe("t");
    ScriptedPeer good = h.peer();
    ScriptedPeer meh = h.peer();
    good.subscribe("t");
    meh.subscribe("t");
    trusted.add(good.id);
    ScriptedPeer stranger1 = new ScriptedPeer(h.keys);
    ScriptedPeer stranger2 = new ScriptedPeer(h.keys);
    meh.prune("t", 60L, List.of(new PeerInfo(ByteString.copyFrom(stranger1.id.bytes()), null)));
    h.time.runPending();
    assertThat(h.dialed).isEmpty();
    good.prune(
        "t",
        60L,
        List.of(
            new PeerInfo(ByteString.copyFrom(stranger2.id.bytes()), null),
            new PeerInfo(ByteString.copyFromUtf8("garbage"), null),
            new PeerInfo(ByteString.copyFrom(meh.id.bytes()), null)));
    assertThat(h.dialed).containsExactly(stranger2.id);
  }
}
