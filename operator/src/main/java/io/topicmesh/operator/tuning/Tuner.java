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
 * {@code Dhi = 2D}, except at the spec's own D, where the spec's Dlo and Dhi are kept; Dout and
 * Dscore are lowered where needed to keep the invariants. D is not lowered while the observed mesh is
 * below Dlo somewhere ({@link Observation#meshBelowDlo}).
 *
 * <p>The same rules tune a topic with its own mesh degrees ({@link #topic}), each from its own
 * observation (its duplicates per message and delivery ratio; latency is not known per topic) and
 * its own cooldown.
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
   * What one decision tunes: the cluster's parameters ({@code spec.gossipsub}) or one topic's
   * ({@code spec.topics[].mesh}).
   *
   * @param field the spec field the parameters come from, named in reasons
   * @param fromSpec the parameters as the spec gives them
   */
  public record Target(String field, GossipParams fromSpec) {
    int specD() {
      return fromSpec.d();
    }

    /** The degree family at {@code d}: the spec's own at its D, else {@link #withD}. */
    GossipParams at(int d) {
      return d == specD() ? fromSpec : withD(fromSpec, d);
    }
  }

  /** The cluster-wide target. */
  public static Target cluster(TopicClusterSpec spec) {
    return new Target("spec.gossipsub", GossipParams.fromSpec(spec.gossipsub));
  }

  /** The target of a topic with its own mesh degrees ({@code spec.topics[].mesh} over {@code spec.gossipsub}). */
  public static Target topic(TopicClusterSpec spec, TopicClusterSpec.Topic topic) {
    return new Target("spec.topics[" + topic.name + "].mesh", GossipParams.fromSpec(spec.gossipsub).forTopic(topic.mesh));
  }

  /**
   * The cluster's parameters to apply now, or empty when {@code current} should stay.
   *
   * @param current the effective parameters now (null before the first decision)
   * @param lastChange when the effective parameters last changed for a metrics reason (null = never)
   */
  public static Optional<Decision> decide(TopicClusterSpec spec, int replicas, GossipParams current,
      Observation observed, Instant now, Instant lastChange) {
    return decide(cluster(spec), spec.tuning, replicas, current, observed, now, lastChange);
  }

  /**
   * The parameters of {@code target} to apply now, or empty when {@code current} should stay. A
   * topic is tuned by the same rules as the cluster, from its own observation and its own last change.
   */
  public static Optional<Decision> decide(Target target, TopicClusterSpec.Tuning tuning, int replicas,
      GossipParams current, Observation observed, Instant now, Instant lastChange) {
    GossipParams fromSpec = target.fromSpec();
    if (tuning.mode != TuningMode.Auto) {
      return fromSpec.equals(current) ? Optional.empty()
          : Optional.of(new Decision(fromSpec, "Static: applying " + target.field(), Cause.STATIC));
    }
    int peers = Math.max(1, replicas - 1);
    int ceiling = Math.min(tuning.bounds.dMax, peers);
    int floor = Math.min(tuning.bounds.dMin, ceiling);
    int d = current == null ? target.specD() : current.d();
    int sized = Math.max(floor, Math.min(ceiling, d));
    if (current == null || sized != d) {
      String why = current == null ? "Auto: initial D=" + sized + " for " + replicas + " nodes, bounds " + bounds(tuning)
          : sized < d ? "Auto: D capped " + d + " -> " + sized + " (" + replicas + " nodes, bounds " + bounds(tuning) + ")"
          : "Auto: D raised " + d + " -> " + sized + " to bounds " + bounds(tuning);
      return changeTo(target.at(sized), current, why, current == null ? Cause.INITIAL : Cause.CLUSTER_SIZE);
    }
    if (!observed.hasTraffic()) {
      // Without traffic there is no evidence for a metrics-driven D: return to the spec's D as far
      // as the cluster's size allows (e.g. after a scale-up lifted an earlier cap).
      int preferred = Math.max(floor, Math.min(ceiling, target.specD()));
      return changeTo(target.at(preferred), current, "Auto: no traffic, D " + d + " -> " + preferred
          + " (" + target.field() + " D " + target.specD() + " within " + replicas + " nodes and bounds "
          + bounds(tuning) + ")", Cause.NO_TRAFFIC);
    }
    boolean coolingDown = lastChange != null
        && now.isBefore(lastChange.plus(Duration.ofSeconds(tuning.cooldownSeconds)));
    double band = 1.0 + tuning.hysteresisPercent / 100.0;
    double maxDup = tuning.objectives.duplicatesObjective(d);
    double targetP99 = tuning.objectives.targetP99LatencyMs;
    if (!coolingDown && observed.latencyKnown() && observed.latencyP99Ms() > targetP99 * band && d < ceiling) {
      return changeTo(target.at(d + 1), current, String.format(Locale.ROOT,
          "Auto: p99 latency %.1fms above target %.0fms, raising D %d -> %d", observed.latencyP99Ms(), targetP99,
          d, d + 1), Cause.LATENCY);
    }
    double minDelivery = tuning.objectives.minDeliveryRatio;
    boolean deliverySuffers = observed.deliveryKnown() && observed.deliveryRatio() < minDelivery;
    if (!coolingDown && deliverySuffers && d < ceiling) {
      return changeTo(target.at(d + 1), current, String.format(Locale.ROOT,
          "Auto: delivery ratio %.3f below objective %.3f, raising D %d -> %d", observed.deliveryRatio(),
          minDelivery, d, d + 1), Cause.DELIVERY);
    }
    boolean latencyFine = !observed.latencyKnown() || observed.latencyP99Ms() <= targetP99;
    if (!coolingDown && observed.duplicatesPerMessage() > maxDup * band && latencyFine
        && !deliverySuffers && !observed.meshBelowDlo() && d > floor) {
      return changeTo(target.at(d - 1), current, String.format(Locale.ROOT,
          "Auto: %.2f duplicates per message above objective %.2f with latency within target, lowering D %d -> %d",
          observed.duplicatesPerMessage(), maxDup, d, d - 1), Cause.DUPLICATES);
    }
    // D stays; other live parameters still follow the spec.
    return changeTo(target.at(d), current, "Auto: " + target.field() + " changed, D=" + d + " kept", Cause.SPEC);
  }

  private static Optional<Decision> changeTo(GossipParams next, GossipParams current, String why, Cause cause) {
    return next.equals(current) ? Optional.empty() : Optional.of(new Decision(next, why, cause));
  }

  private static String bounds(TopicClusterSpec.Tuning tuning) {
    return "[" + tuning.bounds.dMin + ", " + tuning.bounds.dMax + "]";
  }
}
