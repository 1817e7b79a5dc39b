package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.reconciler.RolloutPlanner.Input;
import io.topicmesh.operator.reconciler.RolloutPlanner.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutPlannerTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final PodView.Problem CRASH = new PodView.Problem(PodView.Kind.CRASH_LOOP, "CrashLoopBackOff", 5,
      "last exit code 1");
  static final PodView.Problem PULL = new PodView.Problem(PodView.Kind.IMAGE_PULL, "ImagePullBackOff", 0,
      "Back-off pulling image \"topicmesh/node:nope\"");

  static PodView ready(int ordinal, String hash) {
    return new PodView("tc-" + ordinal, ordinal, hash, true, false, null);
  }

  static PodView broken(int ordinal, String hash, PodView.Problem problem) {
    return new PodView("tc-" + ordinal, ordinal, hash, false, false, problem);
  }

  static PodView starting(int ordinal, String hash) {
    return new PodView("tc-" + ordinal, ordinal, hash, false, false, null);
  }

  static PodView terminating(int ordinal, String hash) {
    return new PodView("tc-" + ordinal, ordinal, hash, false, true, null);
  }

  /** A scenario builder: defaults are a healthy cluster of {@code replicas} at T0, target "new". */
  static final class Scenario {
    int desired;
    Integer sts;
    List<PodView> pods = new ArrayList<>();
    boolean meshHealthy = true;
    boolean gate = true;
    Instant now = T0;
    TopicClusterStatus.RolloutStatus rollout;
    List<TopicClusterStatus.Wait> waits;

    Scenario(int desired, Integer sts, PodView... pods) {
      this.desired = desired;
      this.sts = sts;
      this.pods.addAll(List.of(pods));
    }

    Plan plan() {
      return RolloutPlanner.plan(new Input(desired, sts, "new", pods, meshHealthy, meshHealthy ? "healthy" : "news: 2 nodes below degree 2",
          gate, TIMEOUT, now, rollout, waits));
    }

    /** Carries a plan's rollout and waits into the next run, as status does. */
    Scenario after(Plan plan) {
      rollout = plan.rollout();
      waits = plan.waits();
      return this;
    }
  }

  @Test
  void aHealthyClusterRollsOneReadyPodAtATimeHighestOrdinalFirst() {
    Scenario s = new Scenario(3, 3, ready(0, "old"), ready(1, "old"), ready(2, "old"));
    Plan plan = s.plan();
    assertThat(plan.deletions()).singleElement().satisfies(d -> {
      assertThat(d.pod()).isEqualTo("tc-2");
      assertThat(d.reason()).isEqualTo("RollingPod");
    });
    assertThat(plan.rollout().currentPod).isEqualTo("tc-2");
    assertThat(plan.degraded()).isNull();
    assertThat(plan.statefulSetReplicas()).isEqualTo(3);

    // tc-2 is back on the new template but the mesh has not healed: hold, with a deadline.
    s.after(plan).pods = new ArrayList<>(List.of(ready(0, "old"), ready(1, "old"), ready(2, "new")));
    s.meshHealthy = false;
    s.now = T0.plusSeconds(5);
    Plan holding = s.plan();
    assertThat(holding.deletions()).isEmpty();
    assertThat(holding.waits()).singleElement().satisfies(w -> {
      assertThat(w.reason).isEqualTo(RolloutPlanner.WAIT_REPLACED_POD);
      assertThat(w.pod).isEqualTo("tc-2");
      assertThat(w.message).contains("meshes to heal");
      assertThat(w.deadline).isEqualTo(T0.plusSeconds(65).toString());
    });
    assertThat(holding.degraded()).isNull();

    // Past the deadline: Degraded RolloutStalled, still holding.
    s.after(holding).now = T0.plusSeconds(66);
    Plan stalled = s.plan();
    assertThat(stalled.deletions()).isEmpty();
    assertThat(stalled.degraded().reason()).isEqualTo("RolloutStalled");
    assertThat(stalled.degraded().message()).contains("60s", "meshes to heal");

    // Mesh heals: the next pod goes.
    s.after(stalled).meshHealthy = true;
    Plan next = s.plan();
    assertThat(next.deletions()).extracting(RolloutPlanner.Deletion::pod).containsExactly("tc-1");
    assertThat(next.notes()).extracting(RolloutPlanner.Note::reason).containsExactly("PodReplaced");
    assertThat(next.degraded()).isNull();
  }

  @Test
  void outdatedPodsThatAreNotReadyAreReplacedAllAtOnce() {
    // The spec was fixed after a bad image: every pod crash-loops on the old template.
    Scenario s = new Scenario(3, 3, broken(0, "old", CRASH), broken(1, "old", PULL), starting(2, "old"));
    Plan plan = s.plan();
    assertThat(plan.deletions()).extracting(RolloutPlanner.Deletion::pod).containsExactlyInAnyOrder("tc-0", "tc-1", "tc-2");
    assertThat(plan.deletions()).allSatisfy(d -> assertThat(d.reason()).isEqualTo("OutdatedNotReady"));
    assertThat(plan.deletions().stream().filter(d -> d.pod().equals("tc-0")).findFirst().orElseThrow().message())
        .contains("CrashLoopBackOff");
    assertThat(plan.degraded()).as("the broken pods are being replaced").isNull();
  }

  @Test
  void aBrokenReplacementHoldsTheRolloutAndTheFixReplacesItWithoutManualDeletion() {
    // Rolling to a bad image: tc-2 was replaced and crash-loops on the new (bad) template.
    Scenario s = new Scenario(3, 3, ready(0, "old"), ready(1, "old"), broken(2, "new", CRASH));
    TopicClusterStatus.RolloutStatus inFlight = new TopicClusterStatus.RolloutStatus();
    inFlight.targetHash = "new";
    inFlight.currentPod = "tc-2";
    inFlight.since = T0.toString();
    s.rollout = inFlight;
    s.meshHealthy = false;
    Plan plan = s.plan();
    assertThat(plan.deletions()).as("no Ready pod is taken while the replacement is broken").isEmpty();
    assertThat(plan.degraded().reason()).isEqualTo("PodsCrashLooping");
    assertThat(plan.degraded().message()).contains("tc-2", "CrashLoopBackOff", "5 restarts", "last exit code 1");

    // The spec is fixed: target "new" is now "fixed"; tc-2 is outdated and not Ready -> replaced at once.
    Plan fixed = RolloutPlanner.plan(new Input(3, 3, "fixed", s.pods, false, "tc-2 did not answer", true, TIMEOUT,
        T0.plusSeconds(10), plan.rollout(), plan.waits()));
    assertThat(fixed.deletions()).extracting(RolloutPlanner.Deletion::pod).containsExactly("tc-2");
    assertThat(fixed.waits()).singleElement().satisfies(w -> {
      assertThat(w.reason).isEqualTo(RolloutPlanner.WAIT_CLUSTER_WHOLE);
      assertThat(w.message).contains("tc-2 to be Ready");
    });
    assertThat(fixed.degraded()).isNull();

    // tc-2 back, Ready on the fixed template, mesh healthy: the Ready outdated pods roll one at a time.
    Plan rolling = RolloutPlanner.plan(new Input(3, 3, "fixed", List.of(ready(0, "old"), ready(1, "old"),
        ready(2, "fixed")), true, "healthy", true, TIMEOUT, T0.plusSeconds(20), fixed.rollout(), fixed.waits()));
    assertThat(rolling.deletions()).extracting(RolloutPlanner.Deletion::pod).containsExactly("tc-1");
  }

  @Test
  void podsThatCannotRunOnTheCurrentTemplateMakeTheClusterDegradedNamingThem() {
    Plan plan = new Scenario(3, 3, ready(0, "new"), broken(1, "new", CRASH), broken(2, "new", PULL)).plan();
    assertThat(plan.deletions()).isEmpty();
    assertThat(plan.degraded().reason()).as("image pull takes precedence").isEqualTo("ImagePullFailed");
    assertThat(plan.degraded().message()).contains("tc-1 (CrashLoopBackOff", "tc-2 (ImagePullBackOff", "fix spec.image");
    assertThat(plan.rollout()).isNull();

    Plan config = new Scenario(1, 1, broken(0, "new", new PodView.Problem(PodView.Kind.CONFIG,
        "CreateContainerConfigError", 0, "secret \"x\" not found"))).plan();
    assertThat(config.degraded().reason()).isEqualTo("PodConfigError");
    assertThat(config.degraded().message()).contains("secret \"x\" not found");
  }

  @Test
  void scaleDownDropsNotReadyPodsAboveTheTargetAtOnce() {
    Scenario s = new Scenario(2, 4, ready(0, "new"), ready(1, "new"), broken(2, "new", CRASH), starting(3, "new"));
    s.meshHealthy = false;
    Plan plan = s.plan();
    assertThat(plan.statefulSetReplicas()).isEqualTo(2);
    assertThat(plan.waits()).isEmpty();
    assertThat(plan.degraded()).as("tc-2 is leaving, but still shown until gone").isNotNull();
  }

  @Test
  void scaleDownDrainsReadyPodsOneAtATimeAndNeverWaitsPastTheDeadline() {
    Scenario s = new Scenario(1, 4, ready(0, "new"), ready(1, "new"), starting(2, "new"), ready(3, "new"));
    Plan first = s.plan();
    assertThat(first.statefulSetReplicas()).as("tc-3 Ready: drained alone").isEqualTo(3);

    // tc-3 terminating: tc-2 (not Ready) may go at once, tc-1 waits for tc-3 to be gone.
    s.after(first).sts = 3;
    s.pods = new ArrayList<>(List.of(ready(0, "new"), ready(1, "new"), starting(2, "new"), terminating(3, "new")));
    Plan second = s.plan();
    assertThat(second.statefulSetReplicas()).isEqualTo(2);
    assertThat(second.waits()).singleElement().satisfies(w -> {
      assertThat(w.reason).isEqualTo(RolloutPlanner.WAIT_SCALE_DOWN);
      assertThat(w.pod).isEqualTo("tc-1");
      assertThat(w.message).contains("tc-3 to be gone");
    });

    // tc-3 gone, but the meshes are unhealthy: wait, then go on past the deadline with a Warning.
    s.after(second).sts = 2;
    s.pods = new ArrayList<>(List.of(ready(0, "new"), ready(1, "new")));
    s.meshHealthy = false;
    s.now = T0.plusSeconds(30);
    Plan third = s.plan();
    assertThat(third.statefulSetReplicas()).isEqualTo(2);
    assertThat(third.waits()).singleElement().satisfies(w -> assertThat(w.message).contains("meshes to heal"));
    s.after(third).now = T0.plusSeconds(61);
    Plan fourth = s.plan();
    assertThat(fourth.statefulSetReplicas()).isEqualTo(1);
    assertThat(fourth.notes()).extracting(RolloutPlanner.Note::reason).containsExactly("ScaleDownGateTimedOut");
    assertThat(fourth.notes().get(0).warning()).isTrue();
  }

  @Test
  void scaleUpGoesStraightToTheSpecAndPodsAboveTheTargetAreNotRolled() {
    assertThat(new Scenario(7, 3, ready(0, "new")).plan().statefulSetReplicas()).isEqualTo(7);
    assertThat(new Scenario(3, null).plan().statefulSetReplicas()).isEqualTo(3);
    Scenario s = new Scenario(2, 3, ready(0, "new"), ready(1, "new"), ready(2, "old"));
    Plan plan = s.plan();
    assertThat(plan.statefulSetReplicas()).isEqualTo(2);
    assertThat(plan.deletions()).as("tc-2 leaves through the StatefulSet, it is not rolled").isEmpty();
    assertThat(plan.rollout()).isNull();
  }

  @Test
  void aClusterThatIsNotWholeHoldsTheRolloutAndStallsAfterTheDeadline() {
    Scenario s = new Scenario(3, 3, ready(0, "old"), starting(1, "new"), ready(2, "old"));
    Plan plan = s.plan();
    assertThat(plan.deletions()).isEmpty();
    assertThat(plan.waits()).singleElement().satisfies(w -> assertThat(w.message).contains("tc-1 to be Ready"));
    s.after(plan).now = T0.plusSeconds(61);
    Plan stalled = s.plan();
    assertThat(stalled.degraded().reason()).isEqualTo("RolloutStalled");
    assertThat(stalled.waits().get(0).since).as("the wait keeps its start").isEqualTo(T0.toString());
  }

  @Test
  void podViewReadsContainerStatuses() {
    Pod crashing = pod("tc-4", false, new ContainerStatusBuilder().withName("node").withReady(false).withRestartCount(7)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off 5m0s").endWaiting().endState()
        .withNewLastState().withNewTerminated().withExitCode(2).withReason("Error").endTerminated().endLastState().build());
    PodView view = PodView.of(crashing);
    assertThat(view.ordinal()).isEqualTo(4);
    assertThat(view.templateHash()).isEqualTo("h1");
    assertThat(view.problem().kind()).isEqualTo(PodView.Kind.CRASH_LOOP);
    assertThat(view.problem().describe()).contains("CrashLoopBackOff", "7 restarts", "last exit code 2 (Error)");

    Pod pulling = pod("tc-0", false, new ContainerStatusBuilder().withName("node").withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason("ErrImagePull").withMessage("not found").endWaiting().endState().build());
    assertThat(PodView.of(pulling).problem().kind()).isEqualTo(PodView.Kind.IMAGE_PULL);

    Pod restarting = pod("tc-1", false, new ContainerStatusBuilder().withName("node").withReady(false).withRestartCount(3)
        .withNewState().withNewRunning().endRunning().endState().build());
    assertThat(PodView.of(restarting).problem().kind()).as("3 restarts and not Ready").isEqualTo(PodView.Kind.CRASH_LOOP);

    Pod fine = pod("tc-2", true, new ContainerStatusBuilder().withName("node").withReady(true).withRestartCount(4)
        .withNewState().withNewRunning().endRunning().endState().build());
    assertThat(PodView.of(fine).problem()).isNull();
    assertThat(PodView.of(fine).ready()).isTrue();

    Pod unschedulable = new PodBuilder().withNewMetadata().withName("tc-0")
        .withAnnotations(Map.of(TopicClusterModel.TEMPLATE_HASH_ANNOTATION, "new")).endMetadata().withNewStatus()
        .withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False").withReason("Unschedulable")
        .withMessage("0/1 nodes are available: 1 Insufficient memory.").endCondition().endStatus().build();
    assertThat(PodView.of(unschedulable).problem().kind()).isEqualTo(PodView.Kind.UNSCHEDULABLE);
    Plan plan = new Scenario(1, 1, PodView.of(unschedulable)).plan();
    assertThat(plan.degraded().reason()).isEqualTo("PodsUnschedulable");
    assertThat(plan.degraded().message()).contains("Insufficient memory", "spec.resources");

    Pod creating = pod("tc-3", false, new ContainerStatusBuilder().withName("node").withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason("ContainerCreating").endWaiting().endState().build());
    assertThat(PodView.of(creating).problem()).as("starting is not a problem").isNull();
  }

  private static Pod pod(String name, boolean ready, io.fabric8.kubernetes.api.model.ContainerStatus status) {
    return new PodBuilder().withNewMetadata().withName(name)
        .withAnnotations(Map.of(TopicClusterModel.TEMPLATE_HASH_ANNOTATION, "h1")).endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .withContainerStatuses(status).endStatus().build();
  }
}
