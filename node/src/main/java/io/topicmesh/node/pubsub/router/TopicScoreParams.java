package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.decay;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.finite;

import java.time.Duration;

/**
 * Per-topic score parameters (gossipsub v1.1, "Topic Parameter Calculation"): the weights, decays
 * and caps of P1–P4. The spec gives no defaults; {@link #defaults()} follows rust-libp2p's
 * {@code TopicScoreParams::default()}. Weights' signs are enforced: P1/P2 non-negative, P3/P3b/P4
 * non-positive.
 *
 * @param topicWeight multiplier of this topic's contribution (>= 0)
 * @param timeInMeshWeight P1 weight (>= 0)
 * @param timeInMeshQuantum P1 unit of time in mesh (> 0)
 * @param timeInMeshCap P1 cap (> 0)
 * @param firstMessageDeliveriesWeight P2 weight (>= 0)
 * @param firstMessageDeliveriesDecay P2 decay per decay interval, in (0, 1)
 * @param firstMessageDeliveriesCap P2 counter cap (> 0)
 * @param meshMessageDeliveriesWeight P3 weight (<= 0)
 * @param meshMessageDeliveriesDecay P3 decay, in (0, 1)
 * @param meshMessageDeliveriesCap P3 counter cap (> 0)
 * @param meshMessageDeliveriesThreshold P3 expected deliveries (> 0)
 * @param meshMessageDeliveriesWindow a near-first delivery inside this window counts for P3 (>= 0)
 * @param meshMessageDeliveriesActivation P3 applies after this much time in the mesh (>= 1 s)
 * @param meshFailurePenaltyWeight P3b weight (<= 0)
 * @param meshFailurePenaltyDecay P3b decay, in (0, 1)
 * @param invalidMessageDeliveriesWeight P4 weight (<= 0)
 * @param invalidMessageDeliveriesDecay P4 decay, in (0, 1)
 */
public record TopicScoreParams(
    double topicWeight,
    double timeInMeshWeight,
    Duration timeInMeshQuantum,
    double timeInMeshCap,
    double firstMessageDeliveriesWeight,
    double firstMessageDeliveriesDecay,
    double firstMessageDeliveriesCap,
    double meshMessageDeliveriesWeight,
    double meshMessageDeliveriesDecay,
    double meshMessageDeliveriesCap,
    double meshMessageDeliveriesThreshold,
    Duration meshMessageDeliveriesWindow,
    Duration meshMessageDeliveriesActivation,
    double meshFailurePenaltyWeight,
    double meshFailurePenaltyDecay,
    double invalidMessageDeliveriesWeight,
    double invalidMessageDeliveriesDecay) {

  public TopicScoreParams {
    finite(topicWeight, "topicWeight");
    check(topicWeight >= 0, "topicWeight", topicWeight, "must be >= 0");
    finite(timeInMeshWeight, "timeInMeshWeight");
    check(timeInMeshWeight >= 0, "timeInMeshWeight", timeInMeshWeight, "must be >= 0");
    check(
        timeInMeshQuantum != null && !timeInMeshQuantum.isNegative() && !timeInMeshQuantum.isZero(),
        "timeInMeshQuantum", timeInMeshQuantum, "must be positive");
    finite(timeInMeshCap, "timeInMeshCap");
    check(timeInMeshCap > 0, "timeInMeshCap", timeInMeshCap, "must be > 0");
    finite(firstMessageDeliveriesWeight, "firstMessageDeliveriesWeight");
    check(firstMessageDeliveriesWeight >= 0, "firstMessageDeliveriesWeight", firstMessageDeliveriesWeight, "must be >= 0");
    decay(firstMessageDeliveriesDecay, "firstMessageDeliveriesDecay");
    finite(firstMessageDeliveriesCap, "firstMessageDeliveriesCap");
    check(firstMessageDeliveriesCap > 0, "firstMessageDeliveriesCap", firstMessageDeliveriesCap, "must be > 0");
    finite(meshMessageDeliveriesWeight, "meshMessageDeliveriesWeight");
    check(meshMessageDeliveriesWeight <= 0, "meshMessageDeliveriesWeight", meshMessageDeliveriesWeight, "must be <= 0");
    decay(meshMessageDeliveriesDecay, "meshMessageDeliveriesDecay");
    finite(meshMessageDeliveriesCap, "meshMessageDeliveriesCap");
    check(meshMessageDeliveriesCap > 0, "meshMessageDeliveriesCap", meshMessageDeliveriesCap, "must be > 0");
    finite(meshMessageDeliveriesThreshold, "meshMessageDeliveriesThreshold");
    check(meshMessageDeliveriesThreshold > 0, "meshMessageDeliveriesThreshold", meshMessageDeliveriesThreshold, "must be > 0");
    check(
        meshMessageDeliveriesThreshold <= meshMessageDeliveriesCap,
        "meshMessageDeliveriesThreshold", meshMessageDeliveriesThreshold,
        "must be <= meshMessageDeliveriesCap (" + meshMessageDeliveriesCap + ")");
    check(
        meshMessageDeliveriesWindow != null && !meshMessageDeliveriesWindow.isNegative(),
        "meshMessageDeliveriesWindow", meshMessageDeliveriesWindow, "must be >= 0");
    check(
        meshMessageDeliveriesActivation != null
            && meshMessageDeliveriesActivation.compareTo(Duration.ofSeconds(1)) >= 0,
        "meshMessageDeliveriesActivation", meshMessageDeliveriesActivation, "must be >= 1s");
    finite(meshFailurePenaltyWeight, "meshFailurePenaltyWeight");
    check(meshFailurePenaltyWeight <= 0, "meshFailurePenaltyWeight", meshFailurePenaltyWeight, "must be <= 0");
    decay(meshFailurePenaltyDecay, "meshFailurePenaltyDecay");
    finite(invalidMessageDeliveriesWeight, "invalidMessageDeliveriesWeight");
    check(invalidMessageDeliveriesWeight <= 0, "invalidMessageDeliveriesWeight", invalidMessageDeliveriesWeight, "must be <= 0");
    decay(invalidMessageDeliveriesDecay, "invalidMessageDeliveriesDecay");
  }

  /** rust-libp2p's defaults. */
  public static TopicScoreParams defaults() {
    return new TopicScoreParams(
        0.5, 1, Duration.ofMillis(1), 3600, 1, 0.5, 2000, -1, 0.5, 100, 20,
        Duration.ofMillis(10), Duration.ofSeconds(5), -1, 0.5, -1, 0.3);
  }

  /** A copy with P3 disabled (weight 0) — handy where delivery rates are unknown. */
  public TopicScoreParams withoutMeshDeliveries() {
    return new TopicScoreParams(
        topicWeight, timeInMeshWeight, timeInMeshQuantum, timeInMeshCap,
        firstMessageDeliveriesWeight, firstMessageDeliveriesDecay, firstMessageDeliveriesCap,
        0, meshMessageDeliveriesDecay, meshMessageDeliveriesCap, meshMessageDeliveriesThreshold,
        meshMessageDeliveriesWindow, meshMessageDeliveriesActivation, 0, meshFailurePenaltyDecay,
        invalidMessageDeliveriesWeight, invalidMessageDeliveriesDecay);
  }
}
