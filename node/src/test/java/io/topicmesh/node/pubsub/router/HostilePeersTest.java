package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcDecodeException;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hostile peers (cf. the rust-libp2p gossipsub advisories): the router stays correct and every
 * table stays bounded. GRAFT spam, IHAVE floods, IWANT for unknown ids, invalid signatures and
 * absurd PRUNE backoffs have focused tests in BackoffTest, GossipTest and SigningTest; this
 * class covers the rest and a mixed attack.
 */
class HostilePeersTest {
  @Test
  void oversizedRpcIsRefusedBeforeReachingTheRouter() {
    RpcCodec codec = new RpcCodec(RpcLimits.defaults());
    Rpc huge = Rpc.ofMessages(List.of(PubsubMessage.anonymous("t", ByteString.copyFrom(new byte[2 << 20]))));
    byte[] frame = RpcCodec.encodeFrame(huge);
    assertThatThrownBy(() -> codec.decodeFrame(frame))
        .isInstanceOf(RuntimeException.class);
    byte[] payload = RpcCodec.encode(huge);
    assertThatThrownBy(() -> codec.decode(payload))
        .isInstanceOf(RpcDecodeException.class)
        .extracting(e -> ((RpcDecodeException) e).reason())
        .isEqualTo(RpcDecodeException.Reason.FRAME_TOO_LARGE);
  }

  @Test
  void subscriptionFloodIsCappedPerPeer() {
    RouterHarness h = new RouterHarness(b -> b.maxTopicsPerPeer(100));
    ScriptedPeer p = h.peer();
    for (int batch = 0; batch < 10; batch++) {
      List<SubOpts> subs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        subs.add(new SubOpts(true, "topic-" + batch + "-" + i));
      }
      p.rpc(new Rpc(subs, List.of(), null));
    }
    int known = 0;
    for (int batch = 0; batch < 10; batch++) {
      for (int i = 0; i < 100; i++) {
        known += h.router.topicPeers("topic-" + batch + "-" + i).size();
      }
    }
    assertThat(known).isEqualTo(100);
  }

  @Test
  void subscriptionCapIsLoggedOncePerPeer() {
    RouterHarness h = new RouterHarness(b -> b.maxTopicsPerPeer(10));
    ScriptedPeer p = h.peer();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(GossipRouter.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      for (int batch = 0; batch < 5; batch++) {
        List<SubOpts> subs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          subs.add(new SubOpts(true, "topic-" + batch + "-" + i));
        }
        p.rpc(new Rpc(subs, List.of(), null));
      }
    } finally {
      logger.detachAppender(logs);
    }
    assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("maxTopicsPerPeer"))
        .singleElement()
        .satisfies(e -> {
          assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
          assertThat(e.getFormattedMessage()).contains(p.id.toString()).contains("more than 10 topics");
        });
    assertThat(h.router.topicPeers("topic-0-9")).containsExactly(p.id);
    assertThat(h.router.topicPeers("topic-1-0")).isEmpty();
  }

  @Test
  void rpcFromUnknownPeerIsIgnored() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer ghost = new ScriptedPeer(h.keys);
    ghost.router = h.router;
    ghost.subscribe("t");
    ghost.publish(ghost.signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(h.router.topicPeers("t")).isEmpty();
    assertThat(h.delivered).isEmpty();
  }

  @Test
  void messagesForTopicsWeAreNotInAreDropped() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    for (int i = 0; i < 100; i++) {
      p.publish(p.signed("spam-" + i, new byte[] {1}));
    }
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.router.peers()).contains(p.id);
  }

  @Test
  void pxWithGarbageAndHugeListsIsBounded() {
    RouterHarness h = new RouterHarness(b -> b.peerExchange(true).appSpecificScore(id -> 10));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    List<PeerInfo> px = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      ScriptedPeer stranger = new ScriptedPeer(h.keys);
      px.add(new PeerInfo(i % 2 == 0 ? ByteString.copyFrom(stranger.id.bytes()) : ByteString.copyFromUtf8("junk" + i), null));
    }
    p.prune("t", 60L, px);
    assertThat(h.dialed).hasSize(16); // prunePeers
  }

  @Test
  void mixedAttackLeavesHonestDeliveryWorking() {
    RouterHarness h = new RouterHarness(b -> b.scoreParams(PeerScoreParams.defaults().withTopic("t", TopicScoreParams.defaults().withoutMeshDeliveries())));
    h.subscribe("t");
    List<ScriptedPeer> honest = h.peers(6, "t");
    ScriptedPeer evil = h.peer();
    evil.subscribe("t");
    h.heartbeats(1);
    double worst = 0;
    for (int round = 0; round < 20; round++) {
      evil.prune("t", -1L, List.of());
      evil.graft("t");
      List<MessageId> ids = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        ids.add(MessageId.of(new byte[] {(byte) round, (byte) i, (byte) (i >> 8)}));
      }
      evil.ihave("t", ids);
      evil.iwant(ids);
      evil.idontwant(ids);
      PubsubMessage m = evil.signed("t", new byte[] {(byte) round});
      evil.publish(new PubsubMessage(m.from(), ByteString.copyFromUtf8("x"), m.seqno(), "t", m.signature(), null));
      honest.get(round % 6).publish(honest.get(round % 6).signed("t", new byte[] {(byte) round}));
      worst = Math.min(worst, h.router.score(evil.id));
      h.heartbeats(1);
    }
    assertThat(h.delivered).hasSize(20);
    assertThat(worst).as("evil's score during the attack").isLessThan(PeerScoreThresholds.defaults().publishThreshold());
    assertThat(h.events.count("graft-during-backoff")).isGreaterThan(0);
    assertThat(h.router.meshPeers("t")).doesNotContain(evil.id);
    assertThat(h.router.outboundQueueDepth(evil.id)).isLessThanOrEqualTo(GossipParams.defaults().maxOutboundQueue() + OutboundQueue.MAX_CONTROL_ENTRIES);
  }
}
