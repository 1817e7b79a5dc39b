package io.topicmesh.operator.reconciler;

import java.util.Locale;

/**
 * The cluster's mesh health from its probes, as state that changes rarely: Healthy, Degraded or
 * Unknown, with the objective that is violated as the reason. The message names the objectives,
 * never the measured figures (those change every round and go to metrics), so the condition is
 * rewritten only when the classification changes.
 *
 * <p>Hysteresis: the latency objective is violated above {@code targetP99 x (1 + hysteresis%)} and
 * met again only at or below {@code targetP99}; the delivery ratio is violated below {@code
 * minDeliveryRatio} and met again at or above it. Between the two latency thresholds the previous
 * verdict stays. Pure.
 *
 * @param state Healthy, Degraded or Unknown
 * @param status the condition's status: True, False or Unknown
 */
public record ProbeHealth(String state, String status, String reason, String message) {
  public static final String OBJECTIVES_MET = "ObjectivesMet";
  public static final String DELIVERY_LOW = "ProbeDeliveryBelowObjective";
  public static final String LATENCY_HIGH = "ProbeLatencyAboveObjective";
  public static final String BOTH = "ProbeDeliveryAndLatencyOffObjective";
  public static final String NO_DATA = "NoProbeData";

  /**
   * @param previousReason the condition's reason from the last status (null when none)
   */
  public static ProbeHealth classify(ProbeSummary probes, double minDeliveryRatio, double targetP99Ms,
      double hysteresisPercent, String previousReason) {
    if (probes.nodes() == 0 || (probes.deliveryRatio() == null && probes.latencyP99Ms() == null)) {
      return new ProbeHealth("Unknown", "Unknown", NO_DATA, probes.nodes() == 0
          ? "no node reports mesh probes (probes switched off, or nodes older than issue 9)"
          : "no probe from another node has fallen due yet");
    }
    boolean wasLatency = LATENCY_HIGH.equals(previousReason) || BOTH.equals(previousReason);
    boolean latencyHigh = false;
    if (probes.latencyP99Ms() != null) {
      double p99 = probes.latencyP99Ms();
      latencyHigh = wasLatency ? p99 > targetP99Ms : p99 > targetP99Ms * (1 + hysteresisPercent / 100.0);
    }
    boolean deliveryLow = probes.deliveryRatio() != null && probes.deliveryRatio() < minDeliveryRatio;
    String ratio = String.format(Locale.ROOT, "%.3f", minDeliveryRatio);
    String latency = String.format(Locale.ROOT, "%.0f ms", targetP99Ms);
    if (deliveryLow && latencyHigh) {
      return new ProbeHealth("Degraded", "False", BOTH, "probe delivery ratio below " + ratio + " and probe p99 above "
          + latency);
    }
    if (deliveryLow) {
      return new ProbeHealth("Degraded", "False", DELIVERY_LOW, "probe delivery ratio below " + ratio);
    }
    if (latencyHigh) {
      return new ProbeHealth("Degraded", "False", LATENCY_HIGH, "probe p99 latency above " + latency);
    }
    return new ProbeHealth("Healthy", "True", OBJECTIVES_MET, "probe delivery ratio at least " + ratio
        + " and probe p99 within " + latency);
  }
}
