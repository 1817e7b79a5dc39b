package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.decay;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.finite;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Router-wide score parameters (gossipsub v1.1, "The Score Function"): per-topic parameters (P1–P4),
 * the topic score cap, P5 application weight, P6 IP colocation, P7 behaviour penalty, decay. The
 * application-specific score function itself (P5) is given to the router, not kept here. The spec
 * gives no defaults; {@link #defaults()} follows rust-libp2p's {@code PeerScoreParams::default()}.
 *
 * @param topics per-topic parameters; topics not listed contribute nothing
 * @param topicScoreCap cap on the summed topic contribution (0 = no cap)
 * @param appSpecificWeight P5 weight
 * @param ipColocationFactorWeight P6 weight (<= 0)
 * @param ipColocationFactorThreshold peers per IP tolerated before P6 applies (>= 1)
 * @param ipColocationWhitelist IPs (textual) P6 ignores
 * @param behaviourPenaltyWeight P7 weight (<= 0)
 * @param behaviourPenaltyThreshold penalties tolerated before P7 applies (>= 0)
 * @param behaviourPenaltyDecay P7 decay, in (0, 1)
 * @param decayInterval how often counters decay (>= 1 s in production; tests may go lower)
 * @param decayToZero a decayed counter below this becomes 0, in (0, 1)
 * @param retainScore how long a disconnected peer's score is kept
 */
public record PeerScoreParams(
    Map<String, TopicScoreParams> topics,
    double topicScoreCap,
    double appSpecificWeight,
    double ipColocationFactorWeight,
    int ipColocationFactorThreshold,
    Set<String> ipColocationWhitelist,
    double behaviourPenaltyWeight,
    double behaviourPenaltyThreshold,
    double behaviourPenaltyDecay,
    Duration decayInterval,
    double decayToZero,
    Duration retainScore) {

  public PeerScoreParams {
    topics = Map.copyOf(topics);
    ipColocationWhitelist = Set.copyOf(ipColocationWhitelist);
    finite(topicScoreCap, "topicScoreCap");
    check(topicScoreCap >= 0, "topicScoreCap", topicScoreCap, "must be >= 0 (0 = no cap)");
    finite(appSpecificWeight, "appSpecificWeight");
    finite(ipColocationFactorWeight, "ipColocationFactorWeight");
    check(ipColocationFactorWeight <= 0, "ipColocationFactorWeight", ipColocationFactorWeight, "must be <= 0");
    check(ipColocationFactorThreshold >= 1, "ipColocationFactorThreshold", ipColocationFactorThreshold, "must be >= 1");
    finite(behaviourPenaltyWeight, "behaviourPenaltyWeight");
    check(behaviourPenaltyWeight <= 0, "behaviourPenaltyWeight", behaviourPenaltyWeight, "must be <= 0");
    finite(behaviourPenaltyThreshold, "behaviourPenaltyThreshold");
    check(behaviourPenaltyThreshold >= 0, "behaviourPenaltyThreshold", behaviourPenaltyThreshold, "must be >= 0");
    decay(behaviourPenaltyDecay, "behaviourPenaltyDecay");
    check(
        decayInterval != null && !decayInterval.isNegative() && !decayInterval.isZero(),
        "decayInterval", decayInterval, "must be positive");
    decay(decayToZero, "decayToZero");
    check(retainScore != null && !retainScore.isNegative(), "retainScore", retainScore, "must be >= 0");
  }

  /** rust-libp2p's defaults, with no topics. */
  public static PeerScoreParams defaults() {
    return new PeerScoreParams(
        Map.of(), 3600, 10, -5, 10, Set.of(), -10, 0, 0.2, Duration.ofSeconds(1), 0.1,
        Duration.ofSeconds(3600));
  }

  public PeerScoreParams withTopic(String topic, TopicScoreParams p) {
    var m = new java.util.HashMap<>(topics);
    m.put(topic, p);
    return new PeerScoreParams(
        m, topicScoreCap, appSpecificWeight, ipColocationFactorWeight, ipColocationFactorThreshold,
        ipColocationWhitelist, behaviourPenaltyWeight, behaviourPenaltyThreshold,
        behaviourPenaltyDecay, decayInterval, decayToZero, retainScore);
  }

  /** A copy in which {@code topic} is not scored. */
  public PeerScoreParams withoutTopic(String topic) {
    if (!topics.containsKey(topic)) {
      return this;
    }
    var m = new java.util.HashMap<>(topics);
    m.remove(topic);
    return new PeerScoreParams(
        m, topicScoreCap, appSpecificWeight, ipColocationFactorWeight, ipColocationFactorThreshold,
        ipColocationWhitelist, behaviourPenaltyWeight, behaviourPenaltyThreshold,
        behaviourPenaltyDecay, decayInterval, decayToZero, retainScore);
  }
}
