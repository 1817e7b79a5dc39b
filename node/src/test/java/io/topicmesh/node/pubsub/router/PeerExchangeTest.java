package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Peer exchange on PRUNE (gossipsub v1.1). */
class PeerExchangeTest {
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
