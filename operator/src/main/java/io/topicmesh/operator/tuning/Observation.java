package io.topicmesh.operator.tuning;

/**
 * Cluster-wide traffic figures over one collection interval, as the tuner sees them.
 *
 * @param deliveredPerSecond messages delivered to subscribers per second (0 = no traffic to judge)
 * @param duplicatesPerMessage duplicate receptions per delivered message
 * @param latencyP99Ms the worst node's p99 delivery latency
 */
public record Observation(double deliveredPerSecond, double duplicatesPerMessage, double latencyP99Ms) {
  public static final Observation NONE = new Observation(0, 0, 0);

  public boolean hasTraffic() {
    return deliveredPerSecond > 0;
  }
}
