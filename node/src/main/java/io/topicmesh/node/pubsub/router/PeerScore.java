package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Peer scoring, gossipsub v1.1 "The Score Function"
 * (https://github.com/libp2p/specs/blob/master/pubsub/gossipsub/gossipsub-v1.1.md#the-score-function):
 *
 * <pre>
 * score = Σ_topics topicWeight · (P1 w1 + P2 w2 + P3 w3 + P3b w3b + P4 w4)   (capped)
 *         + P5 w5 + P6 w6 + P7 w7
 * </pre>
 *
 * P1 time in mesh, P2 first message deliveries, P3 mesh message delivery deficit², P3b mesh
 * failure penalty, P4 invalid messages², P5 application score, P6 IP colocation surplus², P7
 * behaviour penalty excess². Counters decay every {@code decayInterval}. Stats of a disconnected
 * peer are kept for {@code retainScore} so reconnecting does not wash a bad score. Not
 * thread-safe: used under the router mutex.
 */
final class PeerScore {
  private static final class TopicStats {
    boolean inMesh;
    long graftTime;
    long meshTime;
    double firstMessageDeliveries;
    double meshMessageDeliveries;
    boolean meshMessageDeliveriesActive;
    double meshFailurePenalty;
    double invalidMessageDeliveries;
  }

  /** A peer's score record, as handed out by {@link #addPeer}: the router keeps it to skip a look-up. */
  interface Stats {}

  private static final class PeerStats implements Stats {
    boolean connected = true;
    long expireAt;
    String ip;
    final Map<String, TopicStats> topics = new HashMap<>();
    double behaviourPenalty;
  }

  private enum Status {
    VALIDATING,
    VALID,
    INVALID,
    IGNORED
  }

  private static final class DeliveryRecord {
    Status status = Status.VALIDATING;
    final long firstSeen;
    long validated;
    final Set<PeerId> peers = new HashSet<>();
    final long expireAt;

    DeliveryRecord(long now, long expireAt) {
      this.firstSeen = now;
      this.expireAt = expireAt;
    }
  }

  /** Bound on tracked deliveries; oldest forgotten first. */
  static final int MAX_DELIVERY_RECORDS = 100_000;

  private PeerScoreParams params;
  private final ToDoubleFunction<PeerId> appSpecific;
  private final Map<PeerId, PeerStats> peers = new HashMap<>();
  private final Map<String, Set<PeerId>> peersByIp = new HashMap<>();
  private final LinkedHashMap<MessageId, DeliveryRecord> deliveries = new LinkedHashMap<>();
  private long nextDecay;
  private long deliveryTtl;

  PeerScore(PeerScoreParams params, ToDoubleFunction<PeerId> appSpecific, long deliveryTtl) {
    this.params = params;
    this.appSpecific = appSpecific;
    this.deliveryTtl = deliveryTtl;
  }

  void setParams(PeerScoreParams params) {
    this.params = params;
  }

  PeerScoreParams params() {
    return params;
  }

  /**
   * A peer connected. Returns its record, which stays this peer's (the one {@link #score(Stats,
   * PeerId, long)} reads) until {@link #removePeer}.
   */
  Stats addPeer(PeerId p, String ip, long now) {
    PeerStats s = peers.computeIfAbsent(p, k -> new PeerStats());
    s.connected = true;
    if (s.ip != null) {
      removeIp(p, s.ip);
    }
    s.ip = ip;
    if (ip != null && !params.ipColocationWhitelist().contains(ip)) {
      peersByIp.computeIfAbsent(ip, k -> new HashSet<>()).add(p);
    }
    return s;
  }

  void removePeer(PeerId p, long now) {
    PeerStats s = peers.get(p);
    if (s == null) {
      return;
    }
    if (s.ip != null) {
      removeIp(p, s.ip);
    }
    // No free credit for reconnecting: positive P2 is dropped, penalties are kept.
    for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
      TopicStats t = e.getValue();
      t.firstMessageDeliveries = 0;
      if (t.inMesh) {
        applyMeshFailure(e.getKey(), t);
        t.inMesh = false;
      }
      t.meshMessageDeliveriesActive = false;
    }
    if (score(p, now) > 0) {
      peers.remove(p);
      return;
    }
    s.connected = false;
    s.expireAt = now + params.retainScore().toMillis();
  }

  private void removeIp(PeerId p, String ip) {
    Set<PeerId> set = peersByIp.get(ip);
    if (set != null) {
      set.remove(p);
      if (set.isEmpty()) {
        peersByIp.remove(ip);
      }
    }
  }

  void graft(PeerId p, String topic, long now) {
    TopicStats t = topicStats(p, topic);
    if (t == null) {
      return;
    }
    t.inMesh = true;
    t.graftTime = now;
    t.meshTime = 0;
    t.meshMessageDeliveriesActive = false;
  }

  void prune(PeerId p, String topic) {
    TopicStats t = topicStats(p, topic);
    if (t == null) {
      return;
    }
    applyMeshFailure(topic, t);
    t.inMesh = false;
    t.meshMessageDeliveriesActive = false;
  }

  private void applyMeshFailure(String topic, TopicStats t) {
    TopicScoreParams tp = params.topics().get(topic);
    if (tp != null
        && t.inMesh
        && t.meshMessageDeliveriesActive
        && t.meshMessageDeliveries < tp.meshMessageDeliveriesThreshold()) {
      double deficit = tp.meshMessageDeliveriesThreshold() - t.meshMessageDeliveries;
      t.meshFailurePenalty += deficit * deficit;
    }
  }

  /** P7: a protocol misbehaviour (broken IWANT promise, GRAFT during backoff…). */
  void addPenalty(PeerId p, int count) {
    PeerStats s = peers.get(p);
    if (s != null) {
      s.behaviourPenalty += count;
    }
  }

  /** First receipt of a message, before validation. */
  void validateMessage(PeerId from, MessageId id, long now) {
    while (deliveries.size() >= MAX_DELIVERY_RECORDS) {
      Iterator<MessageId> it = deliveries.keySet().iterator();
      it.next();
      it.remove();
    }
    deliveries.putIfAbsent(id, new DeliveryRecord(now, now + deliveryTtl));
  }

  /** The message was accepted: P2 for the first deliverer, P3 for mesh deliverers. */
  void deliverMessage(PeerId from, MessageId id, String topic, long now) {
    DeliveryRecord r = deliveries.get(id);
    if (r == null || r.status != Status.VALIDATING) {
      return;
    }
    r.status = Status.VALID;
    r.validated = now;
    markFirstDelivery(from, topic);
    for (PeerId p : r.peers) {
      if (!p.equals(from)) {
        markDuplicateDelivery(p, topic, r.validated, now);
      }
    }
  }

  /** The message failed: P4 for the deliverer and every peer that sent it while we validated. */
  void rejectMessage(PeerId from, MessageId id, String topic, RejectReason reason) {
    if (reason == RejectReason.VALIDATION_THROTTLED
        || reason == RejectReason.SELF_ORIGIN
        || reason == RejectReason.NOT_SUBSCRIBED) {
      return;
    }
    DeliveryRecord r = id == null ? null : deliveries.get(id);
    if (reason == RejectReason.VALIDATION_IGNORED || reason == RejectReason.VALIDATION_TIMEOUT) {
      if (r != null) {
        r.status = Status.IGNORED;
        r.peers.clear();
      }
      return;
    }
    markInvalidDelivery(from, topic);
    if (r != null && r.status == Status.VALIDATING) {
      r.status = Status.INVALID;
      for (PeerId p : r.peers) {
        markInvalidDelivery(p, topic);
      }
      r.peers.clear();
    }
  }

  void duplicateMessage(PeerId from, MessageId id, String topic, long now) {
    DeliveryRecord r = deliveries.get(id);
    if (r == null || (r.status == Status.VALID && !params.topics().containsKey(topic))) {
      // A valid message on a topic without score parameters: a duplicate counts for nothing, and
      // the record's peer set is only read for VALIDATING records (P3 on acceptance, P4 on
      // rejection), so the common duplicate costs no set insert.
      return;
    }
    if (r.peers.contains(from)) {
      return;
    }
    switch (r.status) {
      case VALIDATING -> r.peers.add(from);
      case VALID -> {
        r.peers.add(from);
        markDuplicateDelivery(from, topic, r.validated, now);
      }
      case INVALID -> markInvalidDelivery(from, topic);
      case IGNORED -> {}
    }
  }

  private void markFirstDelivery(PeerId p, String topic) {
    TopicStats t = topicStats(p, topic);
    TopicScoreParams tp = params.topics().get(topic);
    if (t == null || tp == null) {
      return;
    }
    t.firstMessageDeliveries =
        Math.min(t.firstMessageDeliveries + 1, tp.firstMessageDeliveriesCap());
    if (t.inMesh) {
      t.meshMessageDeliveries =
          Math.min(t.meshMessageDeliveries + 1, tp.meshMessageDeliveriesCap());
    }
  }

  private void markDuplicateDelivery(PeerId p, String topic, long validated, long now) {
    TopicStats t = topicStats(p, topic);
    TopicScoreParams tp = params.topics().get(topic);
    if (t == null || tp == null || !t.inMesh) {
      return;
    }
    if (validated != 0 && now - validated > tp.meshMessageDeliveriesWindow().toMillis()) {
      return;
    }
    t.meshMessageDeliveries = Math.min(t.meshMessageDeliveries + 1, tp.meshMessageDeliveriesCap());
  }

  private void markInvalidDelivery(PeerId p, String topic) {
    TopicStats t = topicStats(p, topic);
    if (t != null) {
      t.invalidMessageDeliveries += 1;
    }
  }

  private TopicStats topicStats(PeerId p, String topic) {
    if (!params.topics().containsKey(topic)) {
      return null; // checked first: no peer look-up for a topic without score parameters
    }
    PeerStats s = peers.get(p);
    if (s == null) {
      return null;
    }
    return s.topics.computeIfAbsent(topic, k -> new TopicStats());
  }

  /** Decays counters when the decay interval has passed, updates P1 time and P3 activation. */
  void refresh(long now) {
    for (PeerStats s : peers.values()) {
      for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
        TopicStats t = e.getValue();
        TopicScoreParams tp = params.topics().get(e.getKey());
        if (tp == null || !t.inMesh) {
          continue;
        }
        t.meshTime = now - t.graftTime;
        if (t.meshTime > tp.meshMessageDeliveriesActivation().toMillis()) {
          t.meshMessageDeliveriesActive = true;
        }
      }
    }
    if (now < nextDecay) {
      return;
    }
    nextDecay = now + params.decayInterval().toMillis();
    double zero = params.decayToZero();
    for (Iterator<Map.Entry<PeerId, PeerStats>> it = peers.entrySet().iterator(); it.hasNext(); ) {
      PeerStats s = it.next().getValue();
      if (!s.connected && now >= s.expireAt) {
        it.remove();
        continue;
      }
      for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
        TopicStats t = e.getValue();
        TopicScoreParams tp = params.topics().get(e.getKey());
        if (tp == null) {
          continue;
        }
        t.firstMessageDeliveries = decay(t.firstMessageDeliveries, tp.firstMessageDeliveriesDecay(), zero);
        t.meshMessageDeliveries = decay(t.meshMessageDeliveries, tp.meshMessageDeliveriesDecay(), zero);
        t.meshFailurePenalty = decay(t.meshFailurePenalty, tp.meshFailurePenaltyDecay(), zero);
        t.invalidMessageDeliveries =
            decay(t.invalidMessageDeliveries, tp.invalidMessageDeliveriesDecay(), zero);
      }
      s.behaviourPenalty = decay(s.behaviourPenalty, params.behaviourPenaltyDecay(), zero);
    }
    for (Iterator<DeliveryRecord> it = deliveries.values().iterator(); it.hasNext(); ) {
      if (it.next().expireAt > now) {
        break;
      }
      it.remove();
    }
  }

  private static double decay(double v, double factor, double zero) {
    double d = v * factor;
    return d < zero ? 0 : d;
  }

  double score(PeerId p, long now) {
    PeerStats s = peers.get(p);
    if (s == null) {
      return 0;
    }
    return score(s, p, now);
  }

  /** The score of connected peer {@code p} whose record {@link #addPeer} returned. */
  double score(Stats stats, PeerId p, long now) {
    PeerStats s = (PeerStats) stats;
    double topicScore = 0;
    if (!s.topics.isEmpty()) {
      for (Map.Entry<String, TopicStats> e : s.topics.entrySet()) {
        TopicScoreParams tp = params.topics().get(e.getKey());
        if (tp == null) {
          continue;
        }
        topicScore += tp.topicWeight() * topicTerms(e.getValue(), tp, now);
      }
    }
    if (params.topicScoreCap() > 0 && topicScore > params.topicScoreCap()) {
      topicScore = params.topicScoreCap();
    }
    double score = topicScore;
    score += params.appSpecificWeight() * appSpecific.applyAsDouble(p); // P5
    score += params.ipColocationFactorWeight() * ipColocation(s); // P6
    double excess = s.behaviourPenalty - params.behaviourPenaltyThreshold();
    if (excess > 0) {
      score += params.behaviourPenaltyWeight() * excess * excess; // P7
    }
    return score;
  }

  /** One topic's weighted P1–P4, before the topic weight. */
  private static double topicTerms(TopicStats t, TopicScoreParams tp, long now) {
    double s = 0;
    if (t.inMesh) {
      double quanta = (double) Math.max(t.meshTime, now - t.graftTime) / tp.timeInMeshQuantum().toMillis();
      s += tp.timeInMeshWeight() * Math.min(quanta, tp.timeInMeshCap()); // P1
    }
    s += tp.firstMessageDeliveriesWeight() * t.firstMessageDeliveries; // P2
    if (t.inMesh
        && t.meshMessageDeliveriesActive
        && t.meshMessageDeliveries < tp.meshMessageDeliveriesThreshold()) {
      double deficit = tp.meshMessageDeliveriesThreshold() - t.meshMessageDeliveries;
      s += tp.meshMessageDeliveriesWeight() * deficit * deficit; // P3
    }
    s += tp.meshFailurePenaltyWeight() * t.meshFailurePenalty; // P3b
    s += tp.invalidMessageDeliveriesWeight() * t.invalidMessageDeliveries * t.invalidMessageDeliveries; // P4
    return s;
  }

  private double ipColocation(PeerStats s) {
    if (s.ip == null || params.ipColocationWhitelist().contains(s.ip)) {
      return 0;
    }
    Set<PeerId> same = peersByIp.get(s.ip);
    int n = same == null ? 0 : same.size();
    int surplus = n - params.ipColocationFactorThreshold();
    return surplus > 0 ? (double) surplus * surplus : 0;
  }

  int trackedPeers() {
    return peers.size();
  }
}
