package io.topicmesh.operator.reconciler;

/**
 * A cluster's traffic rates and latency figures from the last collection round: what Auto tuning
 * looks at and what the operator exports as metrics. Never written into the TopicCluster's status
 * (issue 9: status holds state that changes rarely; rates and percentiles change every round). Null
 * fields are unknown, never 0.
 */
public final class ClusterTraffic {
  public Double publishedPerSecond;
  public Double deliveredPerSecond;
  public Double duplicatesPerMessage;
  /** Deliveries per expected delivery from the counters (each published message once on every other node). */
  public Double deliveryRatio;
  /** Load-message latency (timestamped load only): median of the nodes' p50, worst node's p99. */
  public Double latencyP50Ms;
  public Double latencyP99Ms;
  /** Mesh probes: the cluster's probe figures (see {@link ProbeSummary}); null when no node reports them. */
  public ProbeSummary probes = ProbeSummary.NONE;
}
