package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GossipTest {
  static MessageId idOf(PubsubMessage m) {
    return MessageIdFunction.FROM_AND_SEQNO.apply(m);
  }

  @Test
  void heartbeatGossipsIHaveToDlazyNonMeshPeers() {
    RouterHarness h = new RouterHarness();
    List<ScriptedPeer> ps = h.peers(20, "t");
    h.subscribe("t");
    ScriptedPeer source = ps.stream().filter(p -> h.router.meshPeers("t").contains(p.id)).findFirst().orElseThrow();
    PubsubMessage m = source.signed("t", new byte[] {1});
    source.publish(m);
    h.time.runPending();
    RouterHarness.clearAll(ps);
    h.heartbeats(1);
    List<ScriptedPeer> gossiped = ps.stream().filter(p -> !p.ihaves().isEmpty()).toList();
    // 14 non-mesh peers: max(Dlazy=6, 0.25 * 14) = 6
    assertThat(gossiped).hasSize(6);
    for (ScriptedPeer p : gossiped) {
      assertThat(h.router.meshPeers("t")).doesNotContain(p.id);
      assertThat(p.ihaves().get(0).messageIds()).containsExactly(idOf(m));
    }
  }

  @Test
  void gossipFactorWidensGossipInLargeTopics() {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().gossipFactor(0.5).build()));
    List<ScriptedPeer> ps = h.peers(46, "t");
    h.subscribe("t");
    ScriptedPeer source = ps.stream().filter(p -> h.router.meshPeers("t").contains(p.id)).findFirst().orElseThrow();
    source.publish(source.signed("t", new byte[] {1}));
    h.time.runPending();
    RouterHarness.clearAll(ps);
    h.heartbeats(1);
    // 40 non-mesh peers * 0.5 = 20 > Dlazy
    assertThat(ps.stream().filter(p -> !p.ihaves().isEmpty()).count()).isEqualTo(20);
  }

  @Test
  void ihaveForAnUnseenMessageTriggersIWantAndTheMessageIsRecovered() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    PubsubMessage m = p.signed("t", "hello".getBytes());
    p.ihave("t", List.of(idOf(m)));
    assertThat(p.iwants()).containsExactly(idOf(m));
    p.publish(m);
    h.time.runPending();
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("hello");
    // a second IHAVE for the same id asks nothing: it is seen
    p.clear();
    p.ihave("t", List.of(idOf(m)));
    assertThat(p.iwants()).isEmpty();
  }

  @Test
  void iwantIsServedFromTheCacheWithARetransmissionLimit() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(2, "t");
    PubsubMessage m = ps.get(0).signed("t", new byte[] {9});
    ps.get(0).publish(m);
    h.time.runPending();
    ScriptedPeer asker = ps.get(1);
    asker.clear();
    for (int i = 0; i < 5; i++) {
      asker.iwant(List.of(idOf(m)));
    }
    assertThat(asker.messages()).hasSize(3); // gossipRetransmission = 3
  }

  @Test
  void iwantForUnknownIdsSendsNothing() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.clear();
    List<MessageId> ids = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      ids.add(MessageId.of(new byte[] {(byte) i, (byte) (i >> 8), 1}));
    }
    p.iwant(ids);
    assertThat(p.messages()).isEmpty();
    assertThat(h.router.peers()).contains(p.id);
  }

  @Test
  void ihaveFloodIsCappedPerHeartbeat() {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().maxIHaveLength(50).build()));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.clear();
    for (int n = 0; n < 20; n++) {
      List<MessageId> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(MessageId.of(new byte[] {(byte) n, (byte) i}));
      }
      p.ihave("t", ids);
    }
    assertThat(p.iwants()).hasSize(50); // maxIHaveLength ids per heartbeat
    assertThat(h.events.count("ihave-flood")).isGreaterThanOrEqualTo(10);
    h.heartbeats(1);
    p.clear();
    p.ihave("t", List.of(MessageId.of(new byte[] {99})));
    assertThat(p.iwants()).hasSize(1); // counters reset at the heartbeat
  }

  @Test
  void brokenIWantPromiseIsPenalised() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.heartbeats(1);
    assertThat(h.router.score(p.id)).isZero();
    p.ihave("t", List.of(MessageId.of(new byte[] {1, 2, 3})));
    assertThat(p.iwants()).hasSize(1);
    h.heartbeats(2);
    assertThat(h.router.score(p.id)).as("before iwantFollowupTime (3 s)").isZero();
    h.heartbeats(1);
    assertThat(h.router.score(p.id)).as("P7 after the broken promise").isEqualTo(-10.0);
  }

  @Test
  void keptIWantPromiseIsNotPenalised() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.heartbeats(1);
    PubsubMessage m = p.signed("t", new byte[] {5});
    p.ihave("t", List.of(idOf(m)));
    p.publish(m);
    h.heartbeats(5);
    assertThat(h.router.score(p.id)).isGreaterThanOrEqualTo(0);
  }
}
