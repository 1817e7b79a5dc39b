package io.topicmesh.operator.model;

import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keeps P3 (mesh message deliveries, gossipsub v1.1 score) from penalising peers of topics whose
 * traffic cannot meet the threshold. Pure: rates are inputs.
 *
 * <p>A mesh peer is credited with the messages it delivers first; with a topic rate of {@code r}
 * messages per second spread over at most {@code M = max(1, min(Dhi, replicas − 1))} mesh peers, and
 * the counter decaying by {@code δ} every second (the node's decay interval), the counter a peer
 * can be expected to hold when P3 activates, {@code A} seconds after GRAFT, is
 *
 * <pre>  c(A) = (r / M) · (1 − δ^A) / (1 − δ)        (= (r / M) · A when δ = 1)</pre>
 *
 * P3 is pushed as the spec gives it only when {@code c(A) ≥ 2 · threshold} (kept while
 * {@code c(A) ≥ threshold}: hysteresis against flapping); otherwise the operator pushes the topic
 * with P3 and P3b weights 0 and reports it ({@code ScoreGuard} condition, {@code P3Disabled} Event).
 * A topic whose rate is unknown keeps its previous state; a new topic starts with P3 off. Topics
 * that set no P3 weight get weights 0 written explicitly, so that no node default penalises an idle
 * topic; P3b (which accrues the P3 deficit at PRUNE) is written with weight 0 whenever P3 is off.
 */
public final class ScoreGuard {
  /** Seconds per score decay interval of the node (PeerScoreParams.decayInterval). */
  static final double DECAY_INTERVAL_SECONDS = 1.0;
  /** c(A) must reach this multiple of the threshold to turn P3 on, and fall below 1× to turn it off. */
  static final double ENABLE_MARGIN = 2.0;

  private ScoreGuard() {
  }

  /** A topic whose P3 the operator keeps off, and why. */
  public record Guarded(String topic, String message) {
  }

  /**
   * The decision: the score block to push per topic (null when the topic has none) and the topics
   * whose P3 is held off although the spec asks for it.
   */
  public record Decision(Map<String, Map<String, Object>> scores, List<Guarded> guarded) {
    public Set<String> guardedTopics() {
      Set<String> names = new LinkedHashSet<>();
      guarded.forEach(g -> names.add(g.topic()));
      return names;
    }
  }

  /**
   * @param topics spec.topics
   * @param topicRates observed distinct messages per second per topic; a missing entry means unknown
   * @param meshPeers M above
   * @param previouslyGuarded topics whose P3 was held off at the last decision (null: none decided yet)
   */
  public static Decision decide(List<TopicClusterSpec.Topic> topics, Map<String, Double> topicRates, int meshPeers,
      Set<String> previouslyGuarded) {
    Map<String, Map<String, Object>> scores = new LinkedHashMap<>();
    List<Guarded> guarded = new java.util.ArrayList<>();
    int m = Math.max(1, meshPeers);
    for (TopicClusterSpec.Topic t : topics) {
      if (t.score == null) {
        scores.put(t.name, null);
        continue;
      }
      Map<String, Object> score = scoreMap(t.score);
      boolean p3Wanted = t.score.meshMessageDeliveriesWeight != null && t.score.meshMessageDeliveriesWeight < 0;
      if (!p3Wanted) {
        // P3b counts the P3 deficit at PRUNE: without P3 it would only penalise idle topics.
        score.put("meshMessageDeliveriesWeight", 0.0);
        score.put("meshFailurePenaltyWeight", 0.0);
        scores.put(t.name, score);
        continue;
      }
      double threshold = t.score.meshMessageDeliveriesThreshold;
      double activation = t.score.meshMessageDeliveriesActivationMs / 1000.0;
      double decay = t.score.meshMessageDeliveriesDecay;
      Double rate = topicRates.get(t.name);
      boolean wasGuarded = previouslyGuarded == null || previouslyGuarded.contains(t.name);
      boolean on;
      String why;
      if (rate == null) {
        on = !wasGuarded;
        why = "no message rate observed yet for topic " + t.name;
      } else {
        double expected = expectedDeliveries(rate, m, activation, decay);
        on = wasGuarded ? expected >= ENABLE_MARGIN * threshold : expected >= threshold;
        why = String.format(Locale.ROOT, "topic %s: %.3f msg/s over %d mesh peers gives c(A)=%.2f deliveries per "
            + "peer after %.0f s activation, below %s threshold %.2f", t.name, rate, m, expected, activation,
            wasGuarded ? ENABLE_MARGIN + "x" : "the", wasGuarded ? ENABLE_MARGIN * threshold : threshold);
      }
      if (!on) {
        score.put("meshMessageDeliveriesWeight", 0.0);
        score.put("meshFailurePenaltyWeight", 0.0);
        guarded.add(new Guarded(t.name, why + "; P3/P3b pushed with weight 0"));
      }
      scores.put(t.name, score);
    }
    return new Decision(scores, List.copyOf(guarded));
  }

  /** c(A): expected P3 counter of one mesh peer when P3 activates (see the class comment). */
  public static double expectedDeliveries(double rate, int meshPeers, double activationSeconds, double decay) {
    double perInterval = rate * DECAY_INTERVAL_SECONDS / Math.max(1, meshPeers);
    double intervals = activationSeconds / DECAY_INTERVAL_SECONDS;
    if (decay >= 1.0) {
      return perInterval * intervals;
    }
    return perInterval * (1 - Math.pow(decay, intervals)) / (1 - decay);
  }

  /** The spec's score block as node.yaml writes it (null fields left out). */
  static Map<String, Object> scoreMap(TopicClusterSpec.TopicScore score) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = TopicClusterModel.YAML.convertValue(score, LinkedHashMap.class);
    map.values().removeIf(v -> v == null);
    return map;
  }
}
