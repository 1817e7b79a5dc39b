package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The score defaults against a turncoat: a peer that has been in the mesh for a long (virtual)
 * time delivering first messages, then misbehaves. With {@link TopicScoreParams#defaults()} its
 * positive topic terms stay small, so it crosses the graylist threshold within a bounded time of
 * starting to misbehave; with rust-libp2p's P1/P2 (1 per ms up to 3600, P2 cap 2000) the same
 * peer is not even near it.
 */
class TurncoatScoreTest {
  private static final String TOPIC = "t";
  private static final PeerScoreThresholds THRESHOLDS = PeerScoreThresholds.defaults();
  private final PeerId peer = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey());
  private long seq;

  /** rust-libp2p's P1 and P2, the defaults before this change. */
  private static TopicScoreParams rustP1P2() {
    TopicScoreParams d = TopicScoreParams.defaults();
    return new TopicScoreParams(d.topicWeight(), 1, Duration.ofMillis(1), 3600, 1, 0.5, 2000,
        d.meshMessageDeliveriesWeight(), d.meshMessageDeliveriesDecay(), d.meshMessageDeliveriesCap(),
        d.meshMessageDeliveriesThreshold(), d.meshMessageDeliveriesWindow(), d.meshMessageDeliveriesActivation(),
        d.meshFailurePenaltyWeight(), d.meshFailurePenaltyDecay(), d.invalidMessageDeliveriesWeight(),
        d.invalidMessageDeliveriesDecay());
  }

  private MessageId nextId() {
    return MessageId.of(ByteBuffer.allocate(8).putLong(++seq).array());
  }

  /** A peer grafted at 0 that delivers {@code perSecond} first messages every second for {@code hours}. */
  private PeerScore loyalFor(TopicScoreParams tp, long hours, int perSecond) {
    PeerScore s = new PeerScore(PeerScoreParams.defaults().withTopic(TOPIC, tp), p -> 0, 120_000);
    s.addPeer(peer, "127.0.0.2", 0);
    s.graft(peer, TOPIC, 0);
    for (long t = 0; t < hours * 3_600_000; t += 1000) {
      s.refresh(t);
      for (int i = 0; i < perSecond; i++) {
        MessageId id = nextId();
        s.validateMessage(peer, id, t);
        s.deliverMessage(peer, id, TOPIC, t);
      }
    }
    return s;
  }

  @Test
  void positiveTermsOfTheDefaultsStaySmallHoweverLongThePeerBehaves() {
    long end = 10 * 3_600_000L;
    PeerScore idle = loyalFor(TopicScoreParams.defaults(), 10, 0);
    double p1 = idle.score(peer, end);
    // P1 after 10 h: 0.0027 x 3600 (cap) x topic weight 0.5
    assertThat(p1).isBetween(4.8, 4.9);
    PeerScore busy = loyalFor(TopicScoreParams.defaults(), 10, 20);
    double p1p2 = busy.score(peer, end);
    assertThat(p1p2).as("P1 + P2 at their caps, after the topic weight").isBetween(9.8, 10.0);
    // one hour at the old defaults: P1 1 per ms capped at 3600, times 0.5, plus P2
    assertThat(loyalFor(rustP1P2(), 1, 20).score(peer, 3_600_000)).isGreaterThan(1_800);
  }

  @Test
  void aLongLoyalPeerSendingInvalidMessagesIsGraylistedWithinTwoSeconds() {
    PeerScore s = loyalFor(TopicScoreParams.defaults(), 10, 20);
    long crossed = misbehaveWithInvalidMessages(s, 10 * 3_600_000L, 20, 10_000);
    assertThat(crossed).as("ms of 20 invalid messages/s until below graylistThreshold").isBetween(0L, 2_000L);
  }

  @Test
  void withRustsP1AndP2TheSameTurncoatIsNotGraylistedAtAll() {
    PeerScore s = loyalFor(rustP1P2(), 1, 20);
    long crossed = misbehaveWithInvalidMessages(s, 3_600_000L, 20, 10_000);
    assertThat(crossed).as("the old defaults let time in mesh outweigh the penalties").isEqualTo(-1);
  }

  @Test
  void aLongLoyalPeerBreakingPromisesIsGraylistedAtOnce() {
    PeerScore s = loyalFor(TopicScoreParams.defaults(), 10, 20);
    long now = 10 * 3_600_000L;
    assertThat(s.score(peer, now)).isPositive();
    // four broken IWANT promises in one heartbeat (P7: -10 x 4²)
    s.addPenalty(peer, 4);
    assertThat(s.score(peer, now)).isLessThan(THRESHOLDS.graylistThreshold());
    PeerScore old = loyalFor(rustP1P2(), 1, 20);
    old.addPenalty(peer, 4);
    assertThat(old.score(peer, 3_600_000L)).isGreaterThan(THRESHOLDS.graylistThreshold());
  }

  /**
   * From {@code start}, the peer sends {@code perSecond} invalid messages a second (virtual time,
   * refreshing the score every 50 ms); returns the ms until its score is below the graylist
   * threshold, or -1 if not within {@code limitMs}.
   */
  private long misbehaveWithInvalidMessages(PeerScore s, long start, int perSecond, long limitMs) {
    long step = 1000 / perSecond;
    for (long t = 0; t <= limitMs; t += step) {
      MessageId id = nextId();
      s.validateMessage(peer, id, start + t);
      s.rejectMessage(peer, id, TOPIC, RejectReason.INVALID_SIGNATURE);
      s.refresh(start + t);
      if (s.score(peer, start + t) < THRESHOLDS.graylistThreshold()) {
        return t;
      }
    }
    return -1;
  }
}
