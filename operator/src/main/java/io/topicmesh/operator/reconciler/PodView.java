package io.topicmesh.operator.reconciler;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.topicmesh.operator.model.TopicClusterModel;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node pod as {@link RolloutPlanner} sees it: ordinal, template, readiness and the problem its
 * container statuses show, if any. Built from a {@link Pod} by {@link #of(Pod)}; tests build it directly.
 *
 * @param name pod name
 * @param ordinal StatefulSet ordinal (from the name)
 * @param templateHash the pod's {@code topicmesh.io/template-hash} annotation (null when absent)
 * @param ready the pod's Ready condition is True and it is not terminating
 * @param terminating the pod has a deletionTimestamp
 * @param problem why the pod cannot run, or null
 */
public record PodView(String name, int ordinal, String templateHash, boolean ready, boolean terminating,
    Problem problem) {

  /** Container waiting reasons that mean the image cannot be pulled. */
  static final Set<String> IMAGE_PULL = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
      "ErrImageNeverPull");
  /** Container waiting reasons that mean the container cannot even be created from the spec. */
  static final Set<String> CONFIG = Set.of("CreateContainerConfigError", "CreateContainerError", "RunContainerError");
  /** Restarts of a not-Ready container from which it counts as crash-looping whatever its current state. */
  static final int CRASH_RESTARTS = 3;

  /** What keeps a pod from running; {@code kind} selects the Degraded reason. */
  public record Problem(Kind kind, String waitingReason, int restarts, String message) {
    /** A short description for condition messages: "CrashLoopBackOff, 5 restarts: exit code 1". */
    public String describe() {
      String s = waitingReason == null ? "not Ready" : waitingReason;
      if (restarts > 0) {
        s += ", " + restarts + (restarts == 1 ? " restart" : " restarts");
      }
      if (message != null && !message.isBlank()) {
        s += ": " + (message.length() > 200 ? message.substring(0, 200) + "..." : message.strip());
      }
      return s;
    }
  }

  /** Problem kinds, in the order of precedence of their Degraded reasons. */
  public enum Kind {
    IMAGE_PULL("ImagePullFailed"), CONFIG("PodConfigError"), UNSCHEDULABLE("PodsUnschedulable"),
    CRASH_LOOP("PodsCrashLooping");

    public final String reason;

    Kind(String reason) {
      this.reason = reason;
    }
  }

  public static PodView of(Pod pod) {
    String name = pod.getMetadata().getName();
    boolean terminating = pod.getMetadata().getDeletionTimestamp() != null;
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    String hash = annotations == null ? null : annotations.get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION);
    boolean ready = !terminating && pod.getStatus() != null && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return new PodView(name, ordinal(name), hash, ready, terminating, ready || terminating ? null : problem(pod));
  }

  static int ordinal(String podName) {
    try {
      return Integer.parseInt(podName.substring(podName.lastIndexOf('-') + 1));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  /** The most severe problem the pod's scheduling and (init) container statuses show, or null. */
  static Problem problem(Pod pod) {
    if (pod.getStatus() == null) {
      return null;
    }
    Problem found = null;
    if (pod.getStatus().getConditions() != null) {
      for (var c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())) {
          found = new Problem(Kind.UNSCHEDULABLE, "Unschedulable", 0, c.getMessage());
        }
      }
    }
    for (List<ContainerStatus> statuses : List.of(
        nullToEmpty(pod.getStatus().getInitContainerStatuses()), nullToEmpty(pod.getStatus().getContainerStatuses()))) {
      for (ContainerStatus c : statuses) {
        Problem p = problem(c);
        if (p != null && (found == null || p.kind().ordinal() < found.kind().ordinal())) {
          found = p;
        }
      }
    }
    return found;
  }

  private static Problem problem(ContainerStatus c) {
    int restarts = c.getRestartCount() == null ? 0 : c.getRestartCount();
    var waiting = c.getState() == null ? null : c.getState().getWaiting();
    String reason = waiting == null ? null : waiting.getReason();
    String message = waiting == null ? null : waiting.getMessage();
    if (reason != null && IMAGE_PULL.contains(reason)) {
      return new Problem(Kind.IMAGE_PULL, reason, restarts, message);
    }
    if (reason != null && CONFIG.contains(reason)) {
      return new Problem(Kind.CONFIG, reason, restarts, message);
    }
    boolean containerReady = Boolean.TRUE.equals(c.getReady());
    if ("CrashLoopBackOff".equals(reason) || (!containerReady && restarts >= CRASH_RESTARTS)) {
      var last = c.getLastState() == null ? null : c.getLastState().getTerminated();
      String why = message;
      if (last != null) {
        why = "last exit code " + last.getExitCode() + (last.getReason() == null ? "" : " (" + last.getReason() + ")")
            + (last.getMessage() == null || last.getMessage().isBlank() ? "" : ": " + last.getMessage());
      }
      return new Problem(Kind.CRASH_LOOP, reason == null ? "Restarting" : reason, restarts, why);
    }
    return null;
  }

  private static <T> List<T> nullToEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
