package io.topicmesh.operator.tuning;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.model.GossipParams;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TunerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static TopicClusterSpec auto(int replicas) {
    TopicClusterSpec spec = cluster("mesh", replicas, "news").getSpec();
    spec.tuning.mode = TuningMode.Auto;
    spec.tuning.bounds.dMin = 3;
    spec.tuning.bounds.dMax = 10;
    spec.tuning.cooldownSeconds = 60;
    spec.tuning.hysteresisPercent = 10;
    spec.tuning.objectives.maxDuplicatesPerMessage = 2.0;
    spec.tuning.objectives.targetP99LatencyMs = 200;
    return spec;
  }

  @Test
  void staticAppliesTheSpecAsGiven() {
    TopicClusterSpec spec = cluster("mesh", 2, "news").getSpec();
    var decision = Tuner.decide(spec, 2, null, Observation.NONE, NOW, null).orElseThrow();
    assertThat(decision.params()).isEqualTo(GossipParams.fromSpec(spec.gossipsub));
    assertThat(Tuner.decide(spec, 2, decision.params(), new Observation(100, 50, 5000), NOW, null)).isEmpty();
  }

  @ParameterizedTest(name = "{0} nodes -> D={1}")
  @CsvSource({"1,1", "2,1", "3,2", "4,3", "6,5", "7,6", "50,6"})
  void autoNeverAsksForMorePeersThanExist(int replicas, int expectedD) {
    var params = Tuner.decide(auto(replicas), replicas, null, Observation.NONE, NOW, null).orElseThrow().params();
    assertThat(params.d()).isEqualTo(expectedD);
    assertThat(params.dlo()).isLessThanOrEqualTo(params.d());
    assertThat(params.dhi()).isGreaterThanOrEqualTo(params.d());
    assertThat(params.dout()).isLessThan(params.dlo());
    assertThat(params.dout()).isLessThanOrEqualTo(params.d() / 2);
  }

  @Test
  void tooManyDuplicatesWithGoodLatencyLowersD() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = Tuner.decide(spec, 20, current, new Observation(100, 3.5, 80), NOW, null).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(5);
    assertThat(decision.params().dlo()).isEqualTo(4);
    assertThat(decision.params().dhi()).isEqualTo(10);
    assertThat(decision.reason()).contains("duplicates", "6 -> 5");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.DUPLICATES);
  }

  /** Issue 9: an absent p99 is NaN, not 0: the latency objective never fires on it, and it does not block lowering. */
  @Test
  void unknownLatencyFiresNoLatencyObjective() {
    TopicClusterSpec spec = auto(20);
    spec.tuning.objectives.maxDuplicatesPerMessage = 3.0;
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    assertThat(Tuner.decide(spec, 20, current, new Observation(100, 1, Double.NaN, 1.0), NOW, null)).isEmpty();
    var decision = Tuner.decide(spec, 20, current, new Observation(100, 3.5, Double.NaN, 1.0), NOW, null).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(5);
    assertThat(Observation.NONE.latencyKnown()).isFalse();
  }

  @Test
  void duplicatesAlonedoNotLowerDWhenLatencySuffers() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = Tuner.decide(spec, 20, current, new Observation(100, 3.5, 400), NOW, null).orElseThrow();
    assertThat(decision.params().d()).as("latency wins: raise").isEqualTo(7);
    assertThat(decision.reason()).contains("p99 latency");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.LATENCY);
  }

  @Test
  void poorDeliveryRaisesDAndBlocksLoweringIt() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = Tuner.decide(spec, 20, current, new Observation(100, 5, 50, 0.9), NOW, null).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(7);
    assertThat(decision.reason()).contains("delivery ratio 0.900");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.DELIVERY);
    assertThat(Tuner.decide(spec, 20, current, new Observation(100, 5, 50, 1.0), NOW, null).orElseThrow()
        .params().d()).as("full delivery: duplicates lower D").isEqualTo(5);
  }

  @Test
  void withinTheHysteresisBandNothingChanges() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    assertThat(Tuner.decide(spec, 20, current, new Observation(100, 2.1, 210), NOW, null)).isEmpty();
  }

  @Test
  void cooldownHoldsMetricsDrivenChanges() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var slow = new Observation(100, 1, 900);
    assertThat(Tuner.decide(spec, 20, current, slow, NOW, NOW.minusSeconds(59))).isEmpty();
    assertThat(Tuner.decide(spec, 20, current, slow, NOW, NOW.minusSeconds(60))).isPresent();
  }

  @Test
  void boundsAreNeverLeft() {
    TopicClusterSpec spec = auto(20);
    GossipParams atMax = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 10);
    assertThat(Tuner.decide(spec, 20, atMax, new Observation(100, 1, 900), NOW, null)).isEmpty();
    GossipParams atMin = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 3);
    assertThat(Tuner.decide(spec, 20, atMin, new Observation(100, 9, 10), NOW, null)).isEmpty();
  }

  @Test
  void scaleDownCapsImmediatelyDespiteCooldown() {
    TopicClusterSpec spec = auto(3);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = Tuner.decide(spec, 3, current, new Observation(100, 1, 10), NOW, NOW).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(2);
    assertThat(decision.reason()).contains("capped", "3 nodes");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.CLUSTER_SIZE);
  }

  @Test
  void withoutTrafficDReturnsToTheSpecAfterAScaleUp() {
    TopicClusterSpec spec = auto(10);
    GossipParams capped = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 2);
    var decision = Tuner.decide(spec, 10, capped, Observation.NONE, NOW, null).orElseThrow();
    assertThat(decision.params().d()).as("raised to dMin first").isEqualTo(3);
    var next = Tuner.decide(spec, 10, decision.params(), Observation.NONE, NOW, null).orElseThrow();
    assertThat(next.params().d()).isEqualTo(6);
  }

  /**
   * Issue 9: the default duplicates objective is D - 1 + duplicatesSlack at the effective D. The figures a
   * healthy mesh produced with {@code local} (docs/observability.md, "Auto-tuning defaults") leave D where it
   * is at every D; only duplicates beyond what the degree explains lower it.
   */
  @ParameterizedTest(name = "D={0}: healthy {1} dup/msg keeps D, {2} dup/msg lowers it")
  @CsvSource({"6,5.94,7.2", "4,3.31,5.0", "8,7.94,9.4"})
  void defaultDuplicatesObjectiveFollowsD(int d, double healthy, double excessive) {
    TopicClusterSpec spec = auto(20);
    spec.tuning.objectives = new TopicClusterSpec.Objectives();
    assertThat(spec.tuning.objectives.maxDuplicatesPerMessage).as("no absolute default").isNull();
    assertThat(spec.tuning.objectives.duplicatesObjective(d)).isEqualTo(d - 1 + 1.5);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), d);
    assertThat(Tuner.decide(spec, 20, current, new Observation(800, healthy, 100, 0.999), NOW, null))
        .as("a healthy mesh at D=%d stays", d).isEmpty();
    var decision = Tuner.decide(spec, 20, current, new Observation(800, excessive, 100, 0.999), NOW, null)
        .orElseThrow();
    assertThat(decision.params().d()).isEqualTo(d - 1);
    assertThat(decision.reason()).contains("duplicates per message above objective " + d + ".50");
  }

  @Test
  void anAbsoluteDuplicatesObjectiveWinsOverTheRelativeOne() {
    TopicClusterSpec spec = auto(20);
    spec.tuning.objectives.maxDuplicatesPerMessage = 3.0;
    spec.tuning.objectives.duplicatesSlack = 5.0;
    assertThat(spec.tuning.objectives.duplicatesObjective(6)).isEqualTo(3.0);
    spec.tuning.objectives.maxDuplicatesPerMessage = null;
    assertThat(spec.tuning.objectives.duplicatesObjective(6)).isEqualTo(10.0);
    assertThat(spec.tuning.objectives.duplicatesObjective(1)).as("D=1 has no duplicates from the mesh").isEqualTo(5.0);
  }

  private static TopicClusterSpec.Topic withOwnMesh(TopicClusterSpec spec, int d, int dlo, int dhi) {
    TopicClusterSpec.Topic quiet = new TopicClusterSpec.Topic("quiet");
    quiet.mesh = new TopicClusterSpec.MeshDegrees(d, dlo, dhi);
    spec.topics.add(quiet);
    return quiet;
  }

  @Test
  void aTopicStartsFromItsOwnDegreesAndKeepsTheirDloAndDhiAtItsOwnD() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic quiet = withOwnMesh(spec, 4, 3, 5);
    var initial = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, 20, null, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(initial.params().toMeshJson().toString())
        .isEqualTo("{\"d\":4,\"dlo\":3,\"dhi\":5,\"dscore\":4,\"dout\":2,\"dlazy\":6}");
    assertThat(initial.reason()).startsWith("Auto: initial D=4");
    TopicClusterSpec fixed = cluster("mesh", 20, "news").getSpec();
    TopicClusterSpec.Topic own = withOwnMesh(fixed, 4, 3, 5);
    var statik = Tuner.decide(Tuner.topic(fixed, own), fixed.tuning, 20, null, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(statik.reason()).isEqualTo("Static: applying spec.topics[quiet].mesh");
    assertThat(statik.params().d()).isEqualTo(4);
  }

  /** Two topics of one cluster, one noisy and one healthy: each is tuned from its own figures only. */
  @Test
  void eachTopicIsTunedOnItsOwnFromItsOwnObservation() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic quiet = withOwnMesh(spec, 6, 5, 12);
    TopicClusterSpec.Topic noisy = new TopicClusterSpec.Topic("noisy");
    noisy.mesh = new TopicClusterSpec.MeshDegrees(8, 6, 16);
    spec.topics.add(noisy);
    GossipParams quietNow = Tuner.topic(spec, quiet).fromSpec();
    GossipParams noisyNow = Tuner.topic(spec, noisy).fromSpec();
    // noisy: duplicates above the objective (2.0 x 1.1), delivery fine, its mesh at Dlo: lowered
    var noisyDecision = Tuner.decide(Tuner.topic(spec, noisy), spec.tuning, 20, noisyNow,
        new Observation(50, 4.0, Double.NaN, 1.0, false), NOW, null).orElseThrow();
    assertThat(noisyDecision.params().d()).isEqualTo(7);
    assertThat(noisyDecision.reason()).contains("4.00 duplicates per message", "8 -> 7");
    // quiet: its own delivery ratio suffers: raised, whatever the other topic does
    var quietDecision = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, 20, quietNow,
        new Observation(5, 1.0, Double.NaN, 0.9, false), NOW, null).orElseThrow();
    assertThat(quietDecision.params().d()).isEqualTo(7);
    assertThat(quietDecision.reason()).contains("delivery ratio 0.900 below objective 0.990");
    // the topic's own cooldown holds its next step, while the other topic may still change
    assertThat(Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, 20, quietDecision.params(),
        new Observation(5, 1.0, Double.NaN, 0.9, false), NOW.plusSeconds(30), NOW)).isEmpty();
  }

  @Test
  void aTopicWhoseMeshIsBelowDloIsNotLoweredOnDuplicates() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic noisy = withOwnMesh(spec, 8, 6, 16);
    GossipParams now = Tuner.topic(spec, noisy).fromSpec();
    assertThat(Tuner.decide(Tuner.topic(spec, noisy), spec.tuning, 20, now,
        new Observation(50, 4.0, Double.NaN, 1.0, true), NOW, null)).isEmpty();
  }

  @Test
  void aTopicWithoutTrafficReturnsToItsOwnSpecD() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic quiet = withOwnMesh(spec, 4, 3, 5);
    GossipParams raised = Tuner.withD(Tuner.topic(spec, quiet).fromSpec(), 6);
    var back = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, 20, raised, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(back.params()).isEqualTo(Tuner.topic(spec, quiet).fromSpec());
    assertThat(back.reason()).contains("no traffic, D 6 -> 4", "spec.topics[quiet].mesh D 4");
  }
}
