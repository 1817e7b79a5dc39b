package io.topicmesh.operator.tuning;

/**
 * Cluster-wide traffic figures over one collection interval, as the tuner sees them.
 *
 * @param deliveredPerSecond messages delivered to subscribers per second (0 = no traffic to judge)
 * @param duplicatesPerMessage duplicate receptions per delivered message
 * @param latencyP99Ms the worst node's p99 delivery latency (mesh probes, else load messages); NaN
 *     when unknown: no latency objective fires then
 * @param deliveryRatio deliveries per expected delivery (each published message once on every other
 *     node); NaN when unknown
 * @param meshBelowDlo some node's mesh is below Dlo although it has the peers (then D is not lowered:
 *     fewer duplicates from a mesh that lacks links are no reason to drop more)
 */
public record Observation(double deliveredPerSecond, double duplicatesPerMessage, double latencyP99Ms,
    double deliveryRatio, boolean meshBelowDlo) {
  public static final Observation NONE = new Observation(0, 0, Double.NaN);

  /** An observation of a mesh that is not known to be below Dlo. */
  public Observation(double deliveredPerSecond, double duplicatesPerMessage, double latencyP99Ms, double deliveryRatio) {
    this(deliveredPerSecond, duplicatesPerMessage, latencyP99Ms, deliveryRatio, false);
  }

  /** An observation without a delivery ratio. */
  public Observation(double deliveredPerSecond, double duplicatesPerMessage, double latencyP99Ms) {
    this(deliveredPerSecond, duplicatesPerMessage, latencyP99Ms, Double.NaN);
  }

  public boolean latencyKnown() {
    return !Double.isNaN(latencyP99Ms);
  }

  public boolean deliveryKnown() {
    return !Double.isNaN(deliveryRatio);
  }

  public boolean hasTraffic() {
    return deliveredPerSecond > 0;
  }
}
