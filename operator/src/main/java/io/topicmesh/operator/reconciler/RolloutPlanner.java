package io.topicmesh.operator.reconciler;

import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Decides the StatefulSet replica count and which pods to delete, from what the pods show; it acts
 * on nothing (the reconciler executes the {@link Plan}). Pure: no API calls, the time is an input.
 *
 * <p>Rules (operator/README.md, "Behaviour"):
 *
 * <ul>
 *   <li>Scale-up goes straight to the spec.
 *   <li>Scale-down removes the highest ordinals. Pods above the target that are not Ready serve
 *       nothing and are dropped at once. A Ready pod above the target is drained alone: the
 *       StatefulSet loses it only when the pod removed before it is gone and (with the mesh gate)
 *       every topic's mesh is healthy; that wait lasts at most {@code healthTimeout}, then the
 *       scale-down goes on (the spec asks for fewer nodes; waiting longer helps nobody).
 *   <li>Rolling update: outdated pods (template hash differs) that are not Ready are deleted at
 *       once. Outdated Ready pods go one at a time, highest ordinal first, only when every pod that
 *       stays is Ready and (with the gate) every mesh is healthy; after each deletion the next waits
 *       for the replaced pod to be back, Ready, on the new template and for the meshes to heal. A wait
 *       past {@code healthTimeout} makes the cluster Degraded ({@code RolloutStalled}) and holds.
 *   <li>Pods whose containers cannot pull their image, cannot be created or crash-loop make the
 *       cluster Degraded with a reason naming them; fixing the spec changes the template, which
 *       makes those pods outdated and not Ready, so they are replaced at once.
 * </ul>
 */
public final class RolloutPlanner {
  public static final String WAIT_SCALE_DOWN = "ScaleDownGate";
  public static final String WAIT_REPLACED_POD = "ReplacedPodReady";
  public static final String WAIT_CLUSTER_WHOLE = "ClusterWhole";

  private RolloutPlanner() {
  }

  /**
   * What the planner decides from.
   *
   * @param desiredReplicas spec.replicas
   * @param statefulSetReplicas the StatefulSet's current replica count, null when it does not exist
   * @param targetHash the template hash of the desired pod template
   * @param pods every pod of the cluster, terminating ones included
   * @param meshHealthy every topic's mesh is healthy (false when unknown)
   * @param meshSummary why the mesh is (not) healthy, for messages
   * @param meshGate spec.rollout.meshHealthGate
   * @param healthTimeout spec.rollout.healthTimeoutSeconds: the deadline of every wait
   * @param previousRollout status.rollout of the last run
   * @param previousWaits status.waits of the last run (their {@code since} carries over)
   */
  public record Input(int desiredReplicas, Integer statefulSetReplicas, String targetHash, List<PodView> pods,
      boolean meshHealthy, String meshSummary, boolean meshGate, Duration healthTimeout, Instant now,
      TopicClusterStatus.RolloutStatus previousRollout, List<TopicClusterStatus.Wait> previousWaits) {
  }

  /** A pod to delete and why ({@code OutdatedNotReady} or {@code RollingPod}). */
  public record Deletion(String pod, String reason, String message) {
  }

  /** A Degraded condition: reason and message. */
  public record Degraded(String reason, String message) {
  }

  /** An Event to record (type Normal or Warning). */
  public record Note(boolean warning, String reason, String message) {
  }

  /**
   * The decision.
   *
   * @param statefulSetReplicas the replica count to apply now
   * @param deletions pods to delete now
   * @param rollout status.rollout to write (null when no pod is outdated)
   * @param waits what the operator waits for, each with its deadline (empty when nothing)
   * @param degraded the Degraded condition, null when the cluster is not degraded
   * @param notes Events to record
   */
  public record Plan(int statefulSetReplicas, List<Deletion> deletions, TopicClusterStatus.RolloutStatus rollout,
      List<TopicClusterStatus.Wait> waits, Degraded degraded, List<Note> notes) {

    public boolean rolling() {
      return rollout != null;
    }

    public boolean deletes(String pod) {
      return deletions.stream().anyMatch(d -> d.pod().equals(pod));
    }
  }

  public static Plan plan(Input in) {
    Builder b = new Builder(in);
    b.scale();
    b.roll();
    b.problems();
    return new Plan(b.replicas, List.copyOf(b.deletions), b.rollout, List.copyOf(b.waits), b.degraded,
        List.copyOf(b.notes));
  }

  private static final class Builder {
    final Input in;
    final Map<Integer, PodView> byOrdinal = new LinkedHashMap<>();
    int replicas;
    final List<Deletion> deletions = new ArrayList<>();
    TopicClusterStatus.RolloutStatus rollout;
    final List<TopicClusterStatus.Wait> waits = new ArrayList<>();
    Degraded degraded;
    final List<Note> notes = new ArrayList<>();

    Builder(Input in) {
      this.in = in;
      in.pods().stream().sorted(Comparator.comparingInt(PodView::ordinal))
          .forEach(p -> byOrdinal.merge(p.ordinal(), p, (a, c) -> a.terminating() ? c : a));
    }

    // ---- replicas --------------------------------------------------------------------------

    void scale() {
      int desired = in.desiredReplicas();
      Integer current = in.statefulSetReplicas();
      if (current == null || desired >= current) {
        replicas = desired;
        return;
      }
      int top = byOrdinal.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
      // Ordinals at or above n are outside the StatefulSet already (or have no pod).
      int n = Math.min(current, top);
      while (n > desired) {
        PodView p = byOrdinal.get(n - 1);
        if (p == null || p.terminating() || !p.ready()) {
          n--; // serves nothing: no drain needed
        } else {
          break;
        }
      }
      if (n <= desired) {
        replicas = desired;
        return;
      }
      // Pod n-1 is Ready: drain it alone, after the one removed before it is gone and the meshes heal.
      PodView next = byOrdinal.get(n - 1);
      int keep = n;
      List<String> leaving = byOrdinal.values().stream().filter(p -> p.ordinal() >= keep).map(PodView::name).toList();
      boolean gateOk = !in.meshGate() || in.meshHealthy();
      if (leaving.isEmpty() && gateOk) {
        replicas = n - 1;
        return;
      }
      String message = "scale-down to " + desired + ": removing " + next.name() + " waits for "
          + (!leaving.isEmpty() ? "pod " + String.join(", ", leaving) + " to be gone" : "")
          + (!leaving.isEmpty() && !gateOk ? " and " : "")
          + (!gateOk ? "meshes to heal (" + in.meshSummary() + ")" : "");
      TopicClusterStatus.Wait wait = waitFor(RolloutPlanner.WAIT_SCALE_DOWN, next.name(), message);
      if (expired(wait)) {
        notes.add(new Note(true, "ScaleDownGateTimedOut", message + "; waited " + in.healthTimeout().toSeconds()
            + "s, removing " + next.name() + " anyway"));
        replicas = n - 1;
        return;
      }
      waits.add(wait);
      replicas = n;
    }

    // ---- rolling update --------------------------------------------------------------------

    void roll() {
      String target = in.targetHash();
      List<PodView> staying = byOrdinal.values().stream()
          .filter(p -> !p.terminating() && p.ordinal() < replicas).toList();
      List<PodView> outdated = staying.stream().filter(p -> !target.equals(p.templateHash()))
          .sorted(Comparator.comparingInt((PodView p) -> p.ordinal()).reversed()).toList();
      int updated = (int) staying.stream().filter(p -> target.equals(p.templateHash())).count();

      // Outdated pods that are not Ready serve nothing: replace them all now.
      for (PodView p : outdated) {
        if (!p.ready()) {
          deletions.add(new Deletion(p.name(), "OutdatedNotReady", "replacing " + p.name()
              + " at once: it is not Ready and runs an outdated template (" + p.templateHash() + " -> " + target + ")"
              + (p.problem() == null ? "" : "; it showed " + p.problem().describe())));
        }
      }
      List<PodView> outdatedReady = outdated.stream().filter(PodView::ready).toList();

      TopicClusterStatus.RolloutStatus previous = in.previousRollout();
      boolean inFlight = previous != null && previous.currentPod != null && target.equals(previous.targetHash);
      if (inFlight) {
        PodView replaced = staying.stream().filter(p -> p.name().equals(previous.currentPod)).findFirst().orElse(null);
        boolean back = replaced != null && target.equals(replaced.templateHash()) && replaced.ready();
        boolean gone = replaced == null && PodView.ordinal(previous.currentPod) >= replicas;
        if (!gone && (!back || (in.meshGate() && !in.meshHealthy()))) {
          String message = !back ? "pod " + previous.currentPod + " to be back and Ready on the new template"
              : "meshes to heal after replacing " + previous.currentPod + " (" + in.meshSummary() + ")";
          TopicClusterStatus.RolloutStatus holding = copy(previous);
          holding.updatedReplicas = updated;
          rollout = holding;
          holdOrStall(WAIT_REPLACED_POD, previous.currentPod, "rolling update waits for " + message);
          return;
        }
        if (!gone) {
          notes.add(new Note(false, "PodReplaced", "pod " + previous.currentPod + " is Ready on the new template"
              + (in.meshGate() ? " and every topic's mesh is healthy" : "")));
        }
      }
      if (outdated.isEmpty()) {
        rollout = null;
        return;
      }
      TopicClusterStatus.RolloutStatus rolling = new TopicClusterStatus.RolloutStatus();
      rolling.targetHash = target;
      rolling.updatedReplicas = updated;
      rollout = rolling;
      if (outdatedReady.isEmpty()) {
        rolling.since = in.now().toString();
        return; // only not-Ready pods were outdated; they are being replaced
      }
      List<String> notReady = staying.stream().filter(p -> !p.ready()).map(PodView::name).toList();
      int missing = replicas - staying.size();
      boolean whole = notReady.isEmpty() && missing <= 0;
      boolean gateOk = !in.meshGate() || in.meshHealthy();
      if (!whole || !gateOk) {
        // Never take a Ready node away from a cluster that is not whole.
        List<String> why = new ArrayList<>();
        if (!notReady.isEmpty()) {
          why.add("pods " + String.join(", ", notReady) + " to be Ready");
        }
        if (missing > 0) {
          why.add(missing + " missing pod(s) to be created");
        }
        if (!gateOk) {
          why.add("meshes to heal (" + in.meshSummary() + ")");
        }
        rolling.since = previous != null && previous.since != null && previous.currentPod == null
            && target.equals(previous.targetHash) ? previous.since : in.now().toString();
        holdOrStall(WAIT_CLUSTER_WHOLE, null, "rolling update of " + outdatedReady.size()
            + " Ready pod(s) waits for " + String.join(" and ", why));
        return;
      }
      PodView next = outdatedReady.get(0);
      deletions.add(new Deletion(next.name(), "RollingPod", "replacing pod " + next.name() + " (template "
          + next.templateHash() + " -> " + target + "), " + (outdatedReady.size() - 1) + " more to go"));
      rolling.currentPod = next.name();
      rolling.since = in.now().toString();
    }

    private void holdOrStall(String reason, String pod, String message) {
      TopicClusterStatus.Wait wait = waitFor(reason, pod, message);
      waits.add(wait);
      if (expired(wait)) {
        degraded = new Degraded("RolloutStalled", "rolling update stalled for more than "
            + in.healthTimeout().toSeconds() + "s: " + message.replaceFirst("^rolling update ", ""));
      }
    }

    // ---- pod problems ----------------------------------------------------------------------

    void problems() {
      List<PodView> broken = byOrdinal.values().stream()
          .filter(p -> !p.terminating() && p.problem() != null && !deletesPod(p.name())).toList();
      if (broken.isEmpty()) {
        return;
      }
      PodView.Kind worst = broken.stream().map(p -> p.problem().kind()).min(Comparator.naturalOrder()).orElseThrow();
      String pods = broken.stream().map(p -> p.name() + " (" + p.problem().describe() + ")")
          .collect(Collectors.joining("; "));
      String message = switch (worst) {
        case IMAGE_PULL -> "image cannot be pulled: " + pods + "; fix spec.image";
        case CONFIG -> "container cannot be created: " + pods + "; fix the spec";
        case UNSCHEDULABLE -> "pod cannot be scheduled: " + pods + "; lower spec.resources or fix spec.scheduling";
        case CRASH_LOOP -> "node container crash-looping: " + pods + "; fix spec.image or the node configuration";
      };
      message += " (pods that are not Ready on an outdated template are replaced at once)";
      // A pod problem explains more than a stalled rollout does; the stall stays visible in status.waits.
      degraded = new Degraded(worst.reason, message);
    }

    private boolean deletesPod(String pod) {
      return deletions.stream().anyMatch(d -> d.pod().equals(pod));
    }

    // ---- waits -----------------------------------------------------------------------------

    private TopicClusterStatus.Wait waitFor(String reason, String pod, String message) {
      Instant since = in.now();
      if (in.previousWaits() != null) {
        for (TopicClusterStatus.Wait w : in.previousWaits()) {
          if (reason.equals(w.reason) && Objects.equals(pod, w.pod) && w.since != null) {
            since = Instant.parse(w.since);
          }
        }
      }
      TopicClusterStatus.Wait wait = new TopicClusterStatus.Wait();
      wait.reason = reason;
      wait.pod = pod;
      wait.message = message;
      wait.since = since.toString();
      wait.deadline = since.plus(in.healthTimeout()).toString();
      return wait;
    }

    private boolean expired(TopicClusterStatus.Wait wait) {
      return in.now().isAfter(Instant.parse(wait.deadline));
    }
  }

  private static TopicClusterStatus.RolloutStatus copy(TopicClusterStatus.RolloutStatus r) {
    TopicClusterStatus.RolloutStatus c = new TopicClusterStatus.RolloutStatus();
    c.targetHash = r.targetHash;
    c.currentPod = r.currentPod;
    c.since = r.since;
    c.updatedReplicas = r.updatedReplicas;
    return c;
  }
}
