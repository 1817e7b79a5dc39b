package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.decay;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.finite;

import java.time.Duration;

/**
 * Per-topic score parameters (gossipsub v1.1, "Topic Parameter Calculation"): the weights, decays
 * and caps of P1–P4. The spec gives no defaults. {@link #defaults()} keeps rust-libp2p's {@code
 * TopicScoreParams::default()} topic weight and P4, but makes P1 and P2 small (see {@link
 * #defaults()}: positive terms must not outweigh penalties), and leaves P3 (mesh message delivery
 * deficit) and P3b (mesh failure penalty) <b>off</b>: the spec makes P3 opt-in and says its threshold must
 * be derived from the topic's expected message rate. A P3 threshold that a topic's traffic does
 * not reach gives every mesh peer a deficit² penalty once the activation window has passed; on an
 * idle topic that is every peer, the total score turns negative, and the heartbeat PRUNEs the
 * whole mesh on every topic. So a topic whose parameters leave P3/P3b unset never penalises its
 * mesh peers for silence.
 *
 * <p>Weights' signs are enforced: P1/P2 non-negative, P3/P3b/P4 non-positive. The P3 members
 * (threshold, cap, activation, decay) only matter while P3 or P3b is on; then they must be set:
 * threshold > 0, cap >= threshold, activation >= 1 s, decay in (0, 1).
 *
 * @param topicWeight multiplier of this topic's contribution (>= 0)
 * @param timeInMeshWeight P1 weight (>= 0)
 * @param timeInMeshQuantum P1 unit of time in mesh (> 0)
 * @param timeInMeshCap P1 cap (> 0)
 * @param firstMessageDeliveriesWeight P2 weight (>= 0)
 * @param firstMessageDeliveriesDecay P2 decay per decay interval, in (0, 1)
 * @param firstMessageDeliveriesCap P2 counter cap (> 0)
 * @param meshMessageDeliveriesWeight P3 weight (<= 0; default 0 = off)
 * @param meshMessageDeliveriesDecay P3 decay, in (0, 1) while P3/P3b is on
 * @param meshMessageDeliveriesCap P3 counter cap (>= threshold while P3/P3b is on)
 * @param meshMessageDeliveriesThreshold P3 expected deliveries per decay-weighted window (> 0 while
 *     P3/P3b is on; default 0)
 * @param meshMessageDeliveriesWindow a near-first delivery inside this window counts for P3 (>= 0)
 * @param meshMessageDeliveriesActivation P3 applies after this much time in the mesh (>= 1 s while
 *     P3/P3b is on; default 0)
 * @param meshFailurePenaltyWeight P3b weight (<= 0; default 0 = off)
 * @param meshFailurePenaltyDecay P3b decay, in (0, 1) while P3b is on
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
    check(meshMessageDeliveriesWeight <= 0, "meshMessageDeliveriesWeight", meshMessageDeliveriesWeight,
        "must be <= 0 (0 = P3 off)");
    finite(meshMessageDeliveriesDecay, "meshMessageDeliveriesDecay");
    finite(meshMessageDeliveriesCap, "meshMessageDeliveriesCap");
    check(meshMessageDeliveriesCap >= 0, "meshMessageDeliveriesCap", meshMessageDeliveriesCap, "must be >= 0");
    finite(meshMessageDeliveriesThreshold, "meshMessageDeliveriesThreshold");
    check(meshMessageDeliveriesThreshold >= 0, "meshMessageDeliveriesThreshold", meshMessageDeliveriesThreshold,
        "must be >= 0");
    check(
        meshMessageDeliveriesWindow != null && !meshMessageDeliveriesWindow.isNegative(),
        "meshMessageDeliveriesWindow", meshMessageDeliveriesWindow, "must be >= 0");
    check(meshMessageDeliveriesActivation != null && !meshMessageDeliveriesActivation.isNegative(),
        "meshMessageDeliveriesActivation", meshMessageDeliveriesActivation, "must be >= 0");
    finite(meshFailurePenaltyWeight, "meshFailurePenaltyWeight");
    check(meshFailurePenaltyWeight <= 0, "meshFailurePenaltyWeight", meshFailurePenaltyWeight,
        "must be <= 0 (0 = P3b off)");
    finite(meshFailurePenaltyDecay, "meshFailurePenaltyDecay");
    // P3b accrues from P3's deficit at PRUNE time, so either one needs P3's calibration.
    boolean p3 = meshMessageDeliveriesWeight < 0;
    boolean p3b = meshFailurePenaltyWeight < 0;
    if (p3 || p3b) {
      String why = p3 ? " while meshMessageDeliveriesWeight (P3) < 0" : " while meshFailurePenaltyWeight (P3b) < 0";
      check(meshMessageDeliveriesThreshold > 0, "meshMessageDeliveriesThreshold", meshMessageDeliveriesThreshold,
          "must be > 0" + why + "; derive it from the topic's expected message rate");
      check(meshMessageDeliveriesCap >= meshMessageDeliveriesThreshold, "meshMessageDeliveriesCap",
          meshMessageDeliveriesCap, "must be >= meshMessageDeliveriesThreshold (" + meshMessageDeliveriesThreshold + ")");
      check(meshMessageDeliveriesActivation.compareTo(Duration.ofSeconds(1)) >= 0, "meshMessageDeliveriesActivation",
          meshMessageDeliveriesActivation, "must be >= 1s" + why);
      check(meshMessageDeliveriesDecay > 0 && meshMessageDeliveriesDecay < 1, "meshMessageDeliveriesDecay",
          meshMessageDeliveriesDecay, "must be in (0, 1)" + why);
    }
    if (p3b) {
      check(meshFailurePenaltyDecay > 0 && meshFailurePenaltyDecay < 1, "meshFailurePenaltyDecay",
          meshFailurePenaltyDecay, "must be in (0, 1) while meshFailurePenaltyWeight (P3b) < 0");
    }
    finite(invalidMessageDeliveriesWeight, "invalidMessageDeliveriesWeight");
    check(invalidMessageDeliveriesWeight <= 0, "invalidMessageDeliveriesWeight", invalidMessageDeliveriesWeight, "must be <= 0");
    decay(invalidMessageDeliveriesDecay, "invalidMessageDeliveriesDecay");
  }

  /**
   * Topic weight 0.5 and P4 (-1, decaying by 0.3) as rust-libp2p; P1 and P2 kept small so that
   * good behaviour cannot buy immunity from penalties: P1 0.0027 per <b>second</b> in the mesh,
   * capped at 3600 s (at most +9.72 before the topic weight, reached after an hour), and P2 1 per
   * first delivery decaying by 0.5, capped at 10 (at most +10). A peer's positive topic terms thus
   * stay under +10 per topic after the topic weight, so a few behaviour penalties (P7: -10 x n²) or
   * invalid messages (P4) still take it past the graylist threshold (-80), however long it has
   * been in the mesh. (rust's P1, 1 per millisecond up to 3600, and P2 cap 2000 gave a peer +2800
   * within seconds.) P3 and P3b off (weight 0, threshold 0, activation 0, cap 100, decay 0.5,
   * window 10 ms), so they must be configured as a whole to take effect.
   */
  public static TopicScoreParams defaults() {
    return new TopicScoreParams(
        0.5, 0.0027, Duration.ofSeconds(1), 3600, 1, 0.5, 10, 0, 0.5, 100, 0,
        Duration.ofMillis(10), Duration.ZERO, 0, 0.5, -1, 0.3);
  }

  /** Whether P3 or P3b can contribute. */
  public boolean meshDeliveriesScored() {
    return meshMessageDeliveriesWeight < 0 || meshFailurePenaltyWeight < 0;
  }

  /** A copy with P3 and P3b off (weight 0) — where delivery rates are unknown. */
  public TopicScoreParams withoutMeshDeliveries() {
    return new TopicScoreParams(
        topicWeight, timeInMeshWeight, timeInMeshQuantum, timeInMeshCap,
        firstMessageDeliveriesWeight, firstMessageDeliveriesDecay, firstMessageDeliveriesCap,
        0, meshMessageDeliveriesDecay, meshMessageDeliveriesCap, meshMessageDeliveriesThreshold,
        meshMessageDeliveriesWindow, meshMessageDeliveriesActivation, 0, meshFailurePenaltyDecay,
        invalidMessageDeliveriesWeight, invalidMessageDeliveriesDecay);
  }
}
