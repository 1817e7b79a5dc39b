package io.topicmesh.operator.reconciler;

import io.topicmesh.operator.node.NodeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The cluster's mesh probe figures, aggregated from the nodes' {@code status.probes}: the delivery
 * ratio is the sum of probes received over the sum expected across the nodes (each node's last
 * minute), p99 the worst node's, p50 the median node's. A figure no node reports is null: absent
 * data is never 0, so no objective fires on it.
 *
 * @param nodes nodes that reported probe figures (probes on)
 */
public record ProbeSummary(int nodes, Long expected, Long received, Double deliveryRatio, Double latencyP50Ms,
    Double latencyP99Ms) {
  public static final ProbeSummary NONE = new ProbeSummary(0, null, null, null, null, null);

  public static ProbeSummary of(Collection<NodeStatus> statuses) {
    int nodes = 0;
    long expected = 0;
    long received = 0;
    boolean counted = false;
    List<Double> p50s = new ArrayList<>();
    Double p99 = null;
    for (NodeStatus s : statuses) {
      NodeStatus.Probes p = s.probes();
      if (p == null || !p.on()) {
        continue;
      }
      nodes++;
      if (p.expected() != null && p.received() != null && p.expected() > 0) {
        expected += p.expected();
        received += Math.min(p.received(), p.expected());
        counted = true;
      }
      if (p.latencyP50Ms() != null) {
        p50s.add(p.latencyP50Ms());
      }
      if (p.latencyP99Ms() != null) {
        p99 = p99 == null ? p.latencyP99Ms() : Math.max(p99, p.latencyP99Ms());
      }
    }
    if (nodes == 0) {
      return NONE;
    }
    p50s.sort(Double::compare);
    Double p50 = p50s.isEmpty() ? null : round(p50s.get(p50s.size() / 2));
    return new ProbeSummary(nodes, counted ? expected : null, counted ? received : null,
        counted ? round((double) received / expected) : null, p50, p99 == null ? null : round(p99));
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }
}
