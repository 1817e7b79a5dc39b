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
 * them). Pure: the caller passes the clock reading, the last change and the tuning table.
 *
 * <p>Static mode returns the spec's values unchanged. Auto mode:
 * <ol>
 *   <li>starts from the {@linkplain TuningTable tuning table}'s recommended D for the cluster's size
 *       (the row of the nearest simulated size; docs/simulation.md, "Tuning table: D/Dlo/Dhi against
 *       cluster size") when {@code spec.gossipsub} leaves D/Dlo/Dhi at their defaults (6/5/12), else
 *       from the spec's D: the API server fills in defaults, so a spec at exactly 6/5/12 cannot be told
 *       from one that never named them and is taken as not set;
 *   <li>caps D at the peers that exist ({@code replicas - 1}) and at {@code bounds.dMax}, and keeps it
 *       at or above {@code bounds.dMin} unless there are fewer peers than that (immediately, no cooldown);
 *   <li>without traffic, returns to the starting D within those limits (the table's for the current
 *       size, e.g. after a scale-up, or the spec's);
 *   <li>with traffic, raises D by one when p99 latency (the mesh probes', else the load messages';
 *       never on missing data) exceeds the target by more than the
 *       hysteresis band or the delivery ratio is below its objective, and lowers it by one when
 *       duplicates per message exceed the objective by more than the band while latency and delivery
 *       are fine; at most one such step per cooldown.
 * </ol>
 * Default objectives come from the table row where the spec leaves them: the p99 target is the
 * row's {@code targetP99LatencyMs} when {@code targetP99LatencyMs} is at its default (500); the
 * duplicates objective is {@code maxDuplicatesPerMessage} when set, else
 * {@code max(D - 1, the row's simulated duplicates at D) + duplicatesSlack} at the current D: healthy
 * meshes delivered D - 1.5 to D - 0.1 duplicates per message (measured with {@code local}, see
 * docs/observability.md "Auto-tuning defaults") and flood publishing adds up to one more (the
 * simulated figure), so the default lowers D only on duplicates beyond what the mesh degree
 * explains, never a healthy cluster down to its floor.
 *
 * <p>Dlo and Dhi follow D as in the spec's defaults (6/5/12): {@code Dlo = max(1, D*5/6)},
 * {@code Dhi = 2D}, except at the spec's own D, where the spec's Dlo and Dhi are kept; Dout and
 * Dscore are lowered where needed to keep the invariants. D is not lowered while the observed mesh is
 * below Dlo somewhere ({@link Observation#meshBelowDlo}).
 *
 * <p>The same rules tune a topic with its own mesh degrees ({@link #topic}), each from its own
 * observation (its duplicates per message and delivery ratio; latency is not known per topic) and
 * its own cooldown. A topic's own degrees are always explicit, so it starts from them; its default
 * objectives come from the table row like the cluster's.
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
  public record Target(String field, GossipParams fromSpec, boolean startFromTable) {
    /** A target that starts from its spec's D. */
    public Target(String field, GossipParams fromSpec) {
      this(field, fromSpec, false);
    }

    int specD() {
      return fromSpec.d();
    }

    /** The degree family at {@code d}: the spec's own at its D, else {@link #withD}. */
    GossipParams at(int d) {
      return d == specD() ? fromSpec : withD(fromSpec, d);
    }
  }

  /**
   * The cluster-wide target; it starts from the tuning table when {@code spec.gossipsub} leaves D, Dlo
   * and Dhi at their defaults.
   */
  public static Target cluster(TopicClusterSpec spec) {
    return new Target("spec.gossipsub", GossipParams.fromSpec(spec.gossipsub), degreesAtDefault(spec.gossipsub));
  }

  /** D, Dlo and Dhi as the CRD defaults them (6/5/12): taken as not set by the user. */
  static boolean degreesAtDefault(TopicClusterSpec.Gossipsub g) {
    TopicClusterSpec.Gossipsub defaults = new TopicClusterSpec.Gossipsub();
    return defaults.d.equals(g.d) && defaults.dlo.equals(g.dlo) && defaults.dhi.equals(g.dhi);
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
    return decide(cluster(spec), spec.tuning, TuningTable.builtIn(), replicas, current, observed, now, lastChange);
  }

  /** {@link #decide(Target, TopicClusterSpec.Tuning, TuningTable, int, GossipParams, Observation, Instant, Instant)} with the built-in table. */
  public static Optional<Decision> decide(Target target, TopicClusterSpec.Tuning tuning, int replicas,
      GossipParams current, Observation observed, Instant now, Instant lastChange) {
    return decide(target, tuning, TuningTable.builtIn(), replicas, current, observed, now, lastChange);
  }

  /**
   * The parameters of {@code target} to apply now, or empty when {@code current} should stay. A
   * topic is tuned by the same rules as the cluster, from its own observation and its own last change.
   */
  public static Optional<Decision> decide(Target target, TopicClusterSpec.Tuning tuning, TuningTable table,
      int replicas, GossipParams current, Observation observed, Instant now, Instant lastChange) {
    GossipParams fromSpec = target.fromSpec();
    if (tuning.mode != TuningMode.Auto) {
      return fromSpec.equals(current) ? Optional.empty()
          : Optional.of(new Decision(fromSpec, "Static: applying " + target.field(), Cause.STATIC));
    }
    int peers = Math.max(1, replicas - 1);
    int ceiling = Math.min(tuning.bounds.dMax, peers);
    int floor = Math.min(tuning.bounds.dMin, ceiling);
    TuningTable.Row row = table.rowFor(replicas);
    int start = target.startFromTable() ? row.d() : target.specD();
    String startFrom = target.startFromTable()
        ? "from " + row.describe() + ", " + target.field() + " D/Dlo/Dhi at their defaults"
        : "from " + target.field() + " D " + target.specD();
    int d = current == null ? start : current.d();
    int sized = Math.max(floor, Math.min(ceiling, d));
    if (current == null || sized != d) {
      String why = current == null ? "Auto: initial D=" + sized + " for " + replicas + " nodes " + startFrom
          + ", bounds " + bounds(tuning)
          : sized < d ? "Auto: D capped " + d + " -> " + sized + " (" + replicas + " nodes, bounds " + bounds(tuning) + ")"
          : "Auto: D raised " + d + " -> " + sized + " to bounds " + bounds(tuning);
      return changeTo(target.at(sized), current, why, current == null ? Cause.INITIAL : Cause.CLUSTER_SIZE);
    }
    if (!observed.hasTraffic()) {
      // Without traffic there is no evidence for a metrics-driven D: return to the starting D (the
      // table row's for the current size, or the spec's) as far as the cluster's size allows (e.g.
      // after a scale-up lifted an earlier cap or moved the cluster to another row).
      int preferred = Math.max(floor, Math.min(ceiling, start));
      return changeTo(target.at(preferred), current, "Auto: no traffic, D " + d + " -> " + preferred
          + " (" + (target.startFromTable() ? row.describe() : target.field() + " D " + target.specD())
          + " within " + replicas + " nodes and bounds " + bounds(tuning) + ")", Cause.NO_TRAFFIC);
    }
    boolean coolingDown = lastChange != null
        && now.isBefore(lastChange.plus(Duration.ofSeconds(tuning.cooldownSeconds)));
    double band = 1.0 + tuning.hysteresisPercent / 100.0;
    double maxDup = duplicatesObjective(tuning.objectives, row, d);
    double targetP99 = targetP99LatencyMs(tuning.objectives, row);
    if (!coolingDown && observed.latencyKnown() && observed.latencyP99Ms() > targetP99 * band && d < ceiling) {
      return changeTo(target.at(d + 1), current, String.format(Locale.ROOT,
          "Auto: p99 latency %.1fms above target %.0fms%s, raising D %d -> %d", observed.latencyP99Ms(), targetP99,
          p99FromTable(tuning.objectives) ? " (" + row.describe() + ")" : "", d, d + 1), Cause.LATENCY);
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

  /** The p99 target for {@code spec}'s cluster as Auto tuning and the ProbesHealthy condition use it. */
  public static double targetP99LatencyMs(TopicClusterSpec spec) {
    return targetP99LatencyMs(spec.tuning.objectives, TuningTable.builtIn().rowFor(spec.replicas));
  }

  /**
   * The p99 target: the spec's when it is not at its default (500 ms; the API server fills the default
   * in, so an explicit 500 counts as not set), else the table row's.
   */
  static double targetP99LatencyMs(TopicClusterSpec.Objectives objectives, TuningTable.Row row) {
    return p99FromTable(objectives) ? row.targetP99LatencyMs() : objectives.targetP99LatencyMs;
  }

  private static boolean p99FromTable(TopicClusterSpec.Objectives objectives) {
    return objectives.targetP99LatencyMs == null
        || objectives.targetP99LatencyMs.equals(new TopicClusterSpec.Objectives().targetP99LatencyMs);
  }

  /**
   * The duplicates objective at effective degree {@code d}: {@code maxDuplicatesPerMessage} when set,
   * else {@code max(d - 1, the row's simulated duplicates at d) + duplicatesSlack}.
   */
  static double duplicatesObjective(TopicClusterSpec.Objectives objectives, TuningTable.Row row, int d) {
    if (objectives.maxDuplicatesPerMessage != null) {
      return objectives.maxDuplicatesPerMessage;
    }
    double slack = objectives.duplicatesSlack == null ? new TopicClusterSpec.Objectives().duplicatesSlack
        : objectives.duplicatesSlack;
    return Math.max(Math.max(0, d - 1), row.duplicates(d)) + slack;
  }

  private static Optional<Decision> changeTo(GossipParams next, GossipParams current, String why, Cause cause) {
    return next.equals(current) ? Optional.empty() : Optional.of(new Decision(next, why, cause));
  }

  private static String bounds(TopicClusterSpec.Tuning tuning) {
    return "[" + tuning.bounds.dMin + ", " + tuning.bounds.dMax + "]";
  }
}
