package io.topicmesh.node.sim;

import java.util.List;
import java.util.Map;

/**
 * The figures of one run: the summary (one JSON line), per-message and per-router figures, and the
 * histograms the plots are drawn from ({@link Metrics#BUCKET_MICROS} latency buckets; copies per
 * receiving router minus one; hops per delivery).
 */
public record SimResult(
    Map<String, Object> summary,
    List<Map<String, Object>> perMessage,
    List<Map<String, Object>> perNode,
    long[] latencyHistogram,
    long[] duplicatesHistogram,
    long[] hopsHistogram,
    long[] bytesSent,
    long[] bytesReceived,
    double virtualSeconds) {

  public String traceHash() {
    return (String) summary.get("traceHash");
  }

  public double deliveryRatio() {
    return ((Number) summary.get("deliveryRatio")).doubleValue();
  }
}
