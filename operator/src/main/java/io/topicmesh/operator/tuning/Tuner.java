package io.topicmesh.operator.tuning;

import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.model.GossipParams;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides the effective gossipsub degree family (D, Dlo, Dhi and the Dout/Dscore that depend on
 * them). Pure: the caller passes the clock reading and the last change.
 *
 * <p>Static mode returns the spec's values unchanged. Auto mode:
 * <ol>
 *   <li>caps D at the peers that exist ({@code replicas - 1}) and at {@code bounds.dMax}, and keeps it
 *       at or above {@code bounds.dMin} unless there are fewer peers than that (immediately, no cooldown);
 *   <li>without traffic, returns to the spec's D within those limits;
 *   <li>with traffic, raises D by one when p99 latency (the mesh probes', else the load messages';
 *       never on missing data) exceeds the target by more than the
 *       hysteresis band or the delivery ratio is below its objective, and lowers it by one when
 *       duplicates per message exceed the objective by more than the band while latency and delivery
 *       are fine; at most one such step per cooldown. The duplicates objective is
 *       {@code maxDuplicatesPerMessage} when set, else {@code D - 1 + duplicatesSlack} at the current D:
 *       healthy meshes delivered D - 1.5 to D - 0.1 duplicates per message (measured with {@code local}, see
 *       docs/observability.md "Auto-tuning defaults"), so the default lowers D only on duplicates beyond
 *       what the mesh degree explains, never a healthy cluster down to its floor.
 * </ol>
 * Dlo and Dhi follow D as in the spec's defaults (6/5/12): {@code Dlo = max(1, D*5/6)},
 * {@code Dhi = 2D}; Dout and Dscore are lowered where needed to keep the invariants.
 */
public final class Tuner {

  /** A change of the effective parameters, why in words ({@code reason}) and as a bounded label ({@code cause}). */
  public record Decision(GossipParams params, String reason, Cause cause) {
  }

  /** Why the parameters changed: the {@code reason} label of the operator's tuning-change counter. */
  public enum Cause {
    /** Static mode: applying {@code spec.gossipsub}. */
    STATIC,
    /** Auto mode: the first decision for a cluster. */
    INITIAL,
    /** Auto mode: D capped at the peers that exist or the bounds, or raised to {@code bounds.dMin}. */
    CLUSTER_SIZE,
    /** Auto mode: no traffic, back to the spec's D. */
    NO_TRAFFIC,
    /** Auto mode: p99 latency above the target. */
    LATENCY,
    /** Auto mode: delivery ratio below the objective. */
    DELIVERY,
    /** Auto mode: duplicates per message above the objective. */
    DUPLICATES,
    /** Auto mode: {@code spec.gossipsub} changed, D kept. */
    SPEC;

    /** The label value: the name in lower case. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private Tuner() {
  }

  /** The degree family for a given D. */
  public static GossipParams withD(GossipParams base, int d) {
    int dlo = Math.max(1, d * 5 / 6);
    int dhi = 2 * d;
    return base.withDegrees(d, dlo, dhi);
  }

  /**
   * The parameters to apply now, or empty when {@code current} should stay.
   *
   * @param current the effective parameters now (null before the first decision)
   * @param lastChange when the effective parameters last changed for a metrics reason (null = never)
   */
  public static Optional<Decision> decide(TopicClusterSpec spec, int replicas, GossipParams current,
      Observation observed, Instant now, Instant lastChange) {
    GossipParams fromSpec = GossipParams.fromSpec(spec.gossipsub);
    if (spec.tuning.mode != TuningMode.Auto) {
      return fromSpec.equals(current) ? Optional.empty()
          : Optional.of(new Decision(fromSpec, "Static: applying spec.gossipsub", Cause.STATIC));
    }
    int peers = Math.max(1, replicas - 1);
    int ceiling = Math.min(spec.tuning.bounds.dMax, peers);
    int floor = Math.min(spec.tuning.bounds.dMin, ceiling);
    int d = current == null ? spec.gossipsub.d : current.d();
    int sized = Math.max(floor, Math.min(ceiling, d));
    if (current == null || sized != d) {
      String why = current == null ? "Auto: initial D=" + sized + " for " + replicas + " nodes, bounds " + bounds(spec)
          : sized < d ? "Auto: D capped " + d + " -> " + sized + " (" + replicas + " nodes, bounds " + bounds(spec) + ")"
          : "Auto: D raised " + d + " -> " + sized + " to bounds " + bounds(spec);
      return changeTo(withD(fromSpec, sized), current, why, current == null ? Cause.INITIAL : Cause.CLUSTER_SIZE);
    }
    if (!observed.hasTraffic()) {
      // Without traffic there is no evidence for a metrics-driven D: return to the spec's D as far
      // as the cluster's size allows (e.g. after a scale-up lifted an earlier cap).
      int preferred = Math.max(floor, Math.min(ceiling, spec.gossipsub.d));
      return changeTo(withD(fromSpec, preferred), current, "Auto: no traffic, D " + d + " -> " + preferred
          + " (spec D " + spec.gossipsub.d + " within " + replicas + " nodes and bounds " + bounds(spec) + ")",
          Cause.NO_TRAFFIC);
    }
    boolean coolingDown = lastChange != null
        && now.isBefore(lastChange.plus(Duration.ofSeconds(spec.tuning.cooldownSeconds)));
    double band = 1.0 + spec.tuning.hysteresisPercent / 100.0;
    double maxDup = spec.tuning.objectives.duplicatesObjective(d);
    double targetP99 = spec.tuning.objectives.targetP99LatencyMs;
    if (!coolingDown && observed.latencyKnown() && observed.latencyP99Ms() > targetP99 * band && d < ceiling) {
      return changeTo(withD(fromSpec, d + 1), current, String.format(Locale.ROOT,
          "Auto: p99 latency %.1fms above target %.0fms, raising D %d -> %d", observed.latencyP99Ms(), targetP99,
          d, d + 1), Cause.LATENCY);
    }
    double minDelivery = spec.tuning.objectives.minDeliveryRatio;
    boolean deliverySuffers = observed.deliveryKnown() && observed.deliveryRatio() < minDelivery;
    if (!coolingDown && deliverySuffers && d < ceiling) {
      return changeTo(withD(fromSpec, d + 1), current, String.format(Locale.ROOT,
          "Auto: delivery ratio %.3f below objective %.3f, raising D %d -> %d", observed.deliveryRatio(),
          minDelivery, d, d + 1), Cause.DELIVERY);
    }
    boolean latencyFine = !observed.latencyKnown() || observed.latencyP99Ms() <= targetP99;
    if (!coolingDown && observed.duplicatesPerMessage() > maxDup * band && latencyFine
        && !deliverySuffers && d > floor) {
      return changeTo(withD(fromSpec, d - 1), current, String.format(Locale.ROOT,
          "Auto: %.2f duplicates per message above objective %.2f with latency within target, lowering D %d -> %d",
          observed.duplicatesPerMessage(), maxDup, d, d - 1), Cause.DUPLICATES);
    }
    // D stays; other live parameters still follow the spec.
    return changeTo(withD(fromSpec, d), current, "Auto: spec.gossipsub changed, D=" + d + " kept",
        Cause.SPEC);
  }

  private static Optional<Decision> changeTo(GossipParams next, GossipParams current, String why, Cause cause) {
    return next.equals(current) ? Optional.empty() : Optional.of(new Decision(next, why, cause));
  }

  private static String bounds(TopicClusterSpec spec) {
    return "[" + spec.tuning.bounds.dMin + ", " + spec.tuning.bounds.dMax + "]";
  }
}
