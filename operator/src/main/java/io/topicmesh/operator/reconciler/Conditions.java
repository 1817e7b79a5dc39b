package io.topicmesh.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Condition bookkeeping per Kubernetes API conventions: lastTransitionTime moves only when status does. */
public final class Conditions {
  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
  public static final String MESH_HEALTHY = "MeshHealthy";
  public static final String TUNED = "Tuned";
  /** True while the operator holds P3 off for some topic (see ScoreGuard). */
  public static final String SCORE_GUARDED = "ScoreGuarded";
  /** The mesh probes meet the tuning objectives (delivery ratio, p99); see ProbeHealth. */
  public static final String PROBES_HEALTHY = "ProbesHealthy";

  private Conditions() {
  }

  /** Sets (or adds) a condition; returns true when its status changed. */
  public static boolean set(List<Condition> conditions, String type, boolean status, String reason, String message,
      Long generation, Instant now) {
    return set(conditions, type, status ? "True" : "False", reason, message, generation, now);
  }

  public static boolean set(List<Condition> conditions, String type, String status, String reason, String message,
      Long generation, Instant now) {
    Optional<Condition> existing = find(conditions, type);
    boolean transition = existing.map(c -> !status.equals(c.getStatus())).orElse(true);
    String since = transition ? now.toString() : existing.get().getLastTransitionTime();
    Condition updated = new ConditionBuilder().withType(type).withStatus(status).withReason(reason)
        .withMessage(message == null ? "" : message).withObservedGeneration(generation).withLastTransitionTime(since)
        .build();
    conditions.removeIf(c -> type.equals(c.getType()));
    conditions.add(updated);
    conditions.sort(java.util.Comparator.comparingInt(c -> order(c.getType())));
    return transition;
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  private static int order(String type) {
    int i = List.of(READY, PROGRESSING, DEGRADED, MESH_HEALTHY, PROBES_HEALTHY, TUNED, SCORE_GUARDED).indexOf(type);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
