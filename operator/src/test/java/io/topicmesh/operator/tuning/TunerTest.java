package io.topicmesh.operator.tuning;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.model.GossipParams;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TunerTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  /**
   * A table that keeps the rules these tests were written for apart from the shipped table's
   * figures: every size recommends the spec's default D 6, the p99 target is 500 ms and the simulated
   * duplicates are D - 1 (so the default duplicates objective is D - 1 + duplicatesSlack).
   */
  static final TuningTable NEUTRAL = TuningTableTest.table(
      TuningTableTest.row(10, 6, 500, "{\"3\": 2, \"6\": 5, \"9\": 8}"),
      TuningTableTest.row(100, 6, 500, "{\"3\": 2, \"6\": 5, \"12\": 11}"));

  private static Optional<Tuner.Decision> decide(TopicClusterSpec spec, int replicas, GossipParams current,
      Observation observed, Instant now, Instant lastChange) {
    return Tuner.decide(Tuner.cluster(spec), spec.tuning, NEUTRAL, replicas, current, observed, now, lastChange);
  }

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
    var decision = decide(spec, 2, null, Observation.NONE, NOW, null).orElseThrow();
    assertThat(decision.params()).isEqualTo(GossipParams.fromSpec(spec.gossipsub));
    assertThat(decide(spec, 2, decision.params(), new Observation(100, 50, 5000), NOW, null)).isEmpty();
  }

  @ParameterizedTest(name = "{0} nodes -> D={1}")
  @CsvSource({"1,1", "2,1", "3,2", "4,3", "6,5", "7,6", "50,6"})
  void autoNeverAsksForMorePeersThanExist(int replicas, int expectedD) {
    var params = decide(auto(replicas), replicas, null, Observation.NONE, NOW, null).orElseThrow().params();
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
    var decision = decide(spec, 20, current, new Observation(100, 3.5, 80), NOW, null).orElseThrow();
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
    assertThat(decide(spec, 20, current, new Observation(100, 1, Double.NaN, 1.0), NOW, null)).isEmpty();
    var decision = decide(spec, 20, current, new Observation(100, 3.5, Double.NaN, 1.0), NOW, null).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(5);
    assertThat(Observation.NONE.latencyKnown()).isFalse();
  }

  @Test
  void duplicatesAlonedoNotLowerDWhenLatencySuffers() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = decide(spec, 20, current, new Observation(100, 3.5, 400), NOW, null).orElseThrow();
    assertThat(decision.params().d()).as("latency wins: raise").isEqualTo(7);
    assertThat(decision.reason()).contains("p99 latency");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.LATENCY);
  }

  @Test
  void poorDeliveryRaisesDAndBlocksLoweringIt() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = decide(spec, 20, current, new Observation(100, 5, 50, 0.9), NOW, null).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(7);
    assertThat(decision.reason()).contains("delivery ratio 0.900");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.DELIVERY);
    assertThat(decide(spec, 20, current, new Observation(100, 5, 50, 1.0), NOW, null).orElseThrow()
        .params().d()).as("full delivery: duplicates lower D").isEqualTo(5);
  }

  @Test
  void withinTheHysteresisBandNothingChanges() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    assertThat(decide(spec, 20, current, new Observation(100, 2.1, 210), NOW, null)).isEmpty();
  }

  @Test
  void cooldownHoldsMetricsDrivenChanges() {
    TopicClusterSpec spec = auto(20);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var slow = new Observation(100, 1, 900);
    assertThat(decide(spec, 20, current, slow, NOW, NOW.minusSeconds(59))).isEmpty();
    assertThat(decide(spec, 20, current, slow, NOW, NOW.minusSeconds(60))).isPresent();
  }

  @Test
  void boundsAreNeverLeft() {
    TopicClusterSpec spec = auto(20);
    GossipParams atMax = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 10);
    assertThat(decide(spec, 20, atMax, new Observation(100, 1, 900), NOW, null)).isEmpty();
    GossipParams atMin = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 3);
    assertThat(decide(spec, 20, atMin, new Observation(100, 9, 10), NOW, null)).isEmpty();
  }

  @Test
  void scaleDownCapsImmediatelyDespiteCooldown() {
    TopicClusterSpec spec = auto(3);
    GossipParams current = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 6);
    var decision = decide(spec, 3, current, new Observation(100, 1, 10), NOW, NOW).orElseThrow();
    assertThat(decision.params().d()).isEqualTo(2);
    assertThat(decision.reason()).contains("capped", "3 nodes");
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.CLUSTER_SIZE);
  }

  @Test
  void withoutTrafficDReturnsToTheSpecAfterAScaleUp() {
    TopicClusterSpec spec = auto(10);
    GossipParams capped = Tuner.withD(GossipParams.fromSpec(spec.gossipsub), 2);
    var decision = decide(spec, 10, capped, Observation.NONE, NOW, null).orElseThrow();
    assertThat(decision.params().d()).as("raised to dMin first").isEqualTo(3);
    var next = decide(spec, 10, decision.params(), Observation.NONE, NOW, null).orElseThrow();
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
    assertThat(decide(spec, 20, current, new Observation(800, healthy, 100, 0.999), NOW, null))
        .as("a healthy mesh at D=%d stays", d).isEmpty();
    var decision = decide(spec, 20, current, new Observation(800, excessive, 100, 0.999), NOW, null)
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
    var initial = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, NEUTRAL, 20, null, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(initial.params().toMeshJson().toString())
        .isEqualTo("{\"d\":4,\"dlo\":3,\"dhi\":5,\"dscore\":4,\"dout\":2,\"dlazy\":6}");
    assertThat(initial.reason()).startsWith("Auto: initial D=4");
    TopicClusterSpec fixed = cluster("mesh", 20, "news").getSpec();
    TopicClusterSpec.Topic own = withOwnMesh(fixed, 4, 3, 5);
    var statik = Tuner.decide(Tuner.topic(fixed, own), fixed.tuning, NEUTRAL, 20, null, Observation.NONE, NOW, null)
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
    var noisyDecision = Tuner.decide(Tuner.topic(spec, noisy), spec.tuning, NEUTRAL, 20, noisyNow,
        new Observation(50, 4.0, Double.NaN, 1.0, false), NOW, null).orElseThrow();
    assertThat(noisyDecision.params().d()).isEqualTo(7);
    assertThat(noisyDecision.reason()).contains("4.00 duplicates per message", "8 -> 7");
    // quiet: its own delivery ratio suffers: raised, whatever the other topic does
    var quietDecision = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, NEUTRAL, 20, quietNow,
        new Observation(5, 1.0, Double.NaN, 0.9, false), NOW, null).orElseThrow();
    assertThat(quietDecision.params().d()).isEqualTo(7);
    assertThat(quietDecision.reason()).contains("delivery ratio 0.900 below objective 0.990");
    // the topic's own cooldown holds its next step, while the other topic may still change
    assertThat(Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, NEUTRAL, 20, quietDecision.params(),
        new Observation(5, 1.0, Double.NaN, 0.9, false), NOW.plusSeconds(30), NOW)).isEmpty();
  }

  @Test
  void aTopicWhoseMeshIsBelowDloIsNotLoweredOnDuplicates() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic noisy = withOwnMesh(spec, 8, 6, 16);
    GossipParams now = Tuner.topic(spec, noisy).fromSpec();
    assertThat(Tuner.decide(Tuner.topic(spec, noisy), spec.tuning, NEUTRAL, 20, now,
        new Observation(50, 4.0, Double.NaN, 1.0, true), NOW, null)).isEmpty();
  }

  @Test
  void aTopicWithoutTrafficReturnsToItsOwnSpecD() {
    TopicClusterSpec spec = auto(20);
    TopicClusterSpec.Topic quiet = withOwnMesh(spec, 4, 3, 5);
    GossipParams raised = Tuner.withD(Tuner.topic(spec, quiet).fromSpec(), 6);
    var back = Tuner.decide(Tuner.topic(spec, quiet), spec.tuning, NEUTRAL, 20, raised, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(back.params()).isEqualTo(Tuner.topic(spec, quiet).fromSpec());
    assertThat(back.reason()).contains("no traffic, D 6 -> 4", "spec.topics[quiet].mesh D 4");
  }

  // ---- the tuning table as the starting point and the default objectives ----

  /**
   * Two rows: about 10 nodes start at D 4 (target 510 ms; flood publishing makes the simulated
   * duplicates exceed D - 1), about 100 at D 8 (target 530 ms).
   */
  static final TuningTable TABLE = TuningTableTest.table(
      TuningTableTest.row(10, 4, 510, "{\"3\": 2.4, \"4\": 3.8, \"6\": 5.6, \"8\": 7.5}"),
      TuningTableTest.row(100, 8, 530, "{\"3\": 1.0, \"8\": 5.0, \"12\": 8.0}"));

  /** Auto with every tuning field at its default, wide bounds, and spec.gossipsub at the defaults 6/5/12. */
  private static TopicClusterSpec defaults(int replicas) {
    TopicClusterSpec spec = cluster("mesh", replicas, "news").getSpec();
    spec.tuning.mode = TuningMode.Auto;
    spec.tuning.bounds.dMax = 12;
    return spec;
  }

  private static Tuner.Decision first(TopicClusterSpec spec, int replicas) {
    return Tuner.decide(Tuner.cluster(spec), spec.tuning, TABLE, replicas, null, Observation.NONE, NOW, null)
        .orElseThrow();
  }

  @ParameterizedTest(name = "{0} nodes -> D={1}/{2}/{3}")
  @CsvSource({"7,4,3,8", "12,4,3,8", "31,4,3,8", "32,8,6,16", "60,8,6,16", "5000,8,6,16", "4,3,2,6", "3,3,2,6"})
  void theInitialDecisionStartsFromTheTableRowForTheClusterSize(int replicas, int d, int dlo, int dhi) {
    TopicClusterSpec spec = defaults(replicas);
    Tuner.Decision decision = first(spec, replicas);
    assertThat(decision.params().d()).isEqualTo(Math.min(d, Math.max(1, replicas - 1)));
    if (replicas > d) {
      assertThat(List.of(decision.params().d(), decision.params().dlo(), decision.params().dhi()))
          .containsExactly(d, dlo, dhi);
    }
    assertThat(decision.cause()).isEqualTo(Tuner.Cause.INITIAL);
    int row = replicas < 32 ? 10 : 100;
    assertThat(decision.reason()).startsWith("Auto: initial D=" + decision.params().d() + " for " + replicas
        + " nodes from tuning table row " + row + " routers")
        .contains("spec.gossipsub D/Dlo/Dhi at their defaults");
  }

  @Test
  void degreesTheSpecSetsWinOverTheTable() {
    TopicClusterSpec spec = defaults(60);
    spec.gossipsub.d = 10;
    spec.gossipsub.dlo = 8;
    spec.gossipsub.dhi = 20;
    Tuner.Decision decision = first(spec, 60);
    assertThat(decision.params().d()).isEqualTo(10);
    assertThat(decision.reason()).startsWith("Auto: initial D=10 for 60 nodes from spec.gossipsub D 10");
    // D 6 is the default D, but with a Dhi of its own the spec named its degrees: D 6 is kept
    spec.gossipsub.d = 6;
    spec.gossipsub.dlo = 5;
    spec.gossipsub.dhi = 11;
    Tuner.Decision six = first(spec, 60);
    assertThat(List.of(six.params().d(), six.params().dlo(), six.params().dhi())).containsExactly(6, 5, 11);
    assertThat(Tuner.degreesAtDefault(defaults(5).gossipsub)).isTrue();
  }

  @Test
  void theBoundsAndTheClusterSizeStillLimitTheTablesD() {
    TopicClusterSpec spec = defaults(12);
    spec.tuning.bounds.dMin = 5;
    assertThat(first(spec, 12).params().d()).as("row D 4 below dMin 5").isEqualTo(5);
    TopicClusterSpec big = defaults(60);
    big.tuning.bounds.dMax = 6;
    assertThat(first(big, 60).params().d()).as("row D 8 above dMax 6").isEqualTo(6);
  }

  @Test
  void withoutTrafficDFollowsTheTableRowOfTheNewSizeAfterAScale() {
    TopicClusterSpec spec = defaults(7);
    GossipParams atSeven = first(spec, 7).params();
    spec.replicas = 60;
    var up = Tuner.decide(Tuner.cluster(spec), spec.tuning, TABLE, 60, atSeven, Observation.NONE, NOW, null)
        .orElseThrow();
    assertThat(up.params().d()).isEqualTo(8);
    assertThat(up.cause()).isEqualTo(Tuner.Cause.NO_TRAFFIC);
    assertThat(up.reason()).contains("no traffic, D 4 -> 8", "tuning table row 100 routers (D 8/6/16");
    // with traffic and every objective met, D stays where the table put it
    assertThat(Tuner.decide(Tuner.cluster(spec), spec.tuning, TABLE, 60, up.params(),
        new Observation(100, 5.0, 20, 1.0), NOW, null)).isEmpty();
  }

  @Test
  void theDefaultP99TargetIsTheRowsAndAnExplicitOneWins() {
    TopicClusterSpec spec = defaults(12);
    GossipParams current = first(spec, 12).params();
    var table = Tuner.cluster(spec);
    assertThat(Tuner.decide(table, spec.tuning, TABLE, 12, current, new Observation(100, 1, 561, 1.0), NOW, null))
        .as("510 ms x 1.1 = 561 ms: within the band").isEmpty();
    var raised = Tuner.decide(table, spec.tuning, TABLE, 12, current, new Observation(100, 1, 562, 1.0), NOW, null)
        .orElseThrow();
    assertThat(raised.params().d()).isEqualTo(5);
    assertThat(raised.cause()).isEqualTo(Tuner.Cause.LATENCY);
    assertThat(raised.reason()).contains("above target 510ms (tuning table row 10 routers");
    spec.tuning.objectives.targetP99LatencyMs = 600;
    assertThat(Tuner.decide(table, spec.tuning, TABLE, 12, current, new Observation(100, 1, 562, 1.0), NOW, null))
        .as("the spec's 600 ms").isEmpty();
    assertThat(Tuner.targetP99LatencyMs(spec.tuning.objectives, TABLE.rowFor(12))).isEqualTo(600);
    spec.tuning.objectives.targetP99LatencyMs = 500;
    assertThat(Tuner.targetP99LatencyMs(spec.tuning.objectives, TABLE.rowFor(80))).as("the default: the row's")
        .isEqualTo(530);
  }

  @Test
  void theDefaultDuplicatesObjectiveIsTheRowsSimulatedFigureAtDPlusTheSlackAndNeverBelowDMinusOne() {
    TopicClusterSpec spec = defaults(12);
    TopicClusterSpec.Objectives o = spec.tuning.objectives;
    assertThat(Tuner.duplicatesObjective(o, TABLE.rowFor(12), 4)).as("3.8 simulated + 1.5").isEqualTo(5.3);
    assertThat(Tuner.duplicatesObjective(o, TABLE.rowFor(12), 5)).as("between 4 and 6: 4.7 + 1.5")
        .isCloseTo(6.2, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(Tuner.duplicatesObjective(o, TABLE.rowFor(100), 8)).as("5.0 simulated < D - 1 = 7: 7 + 1.5")
        .isEqualTo(8.5);
    GossipParams current = first(spec, 12).params();
    var target = Tuner.cluster(spec);
    assertThat(Tuner.decide(target, spec.tuning, TABLE, 12, current, new Observation(100, 5.8, 20, 1.0), NOW, null))
        .as("5.8 <= 5.3 x 1.1").isEmpty();
    var lowered = Tuner.decide(target, spec.tuning, TABLE, 12, current, new Observation(100, 5.9, 20, 1.0), NOW, null)
        .orElseThrow();
    assertThat(lowered.params().d()).isEqualTo(3);
    assertThat(lowered.reason()).contains("5.90 duplicates per message above objective 5.30", "4 -> 3");
    o.maxDuplicatesPerMessage = 1.0;
    assertThat(Tuner.duplicatesObjective(o, TABLE.rowFor(12), 4)).as("an explicit objective wins").isEqualTo(1.0);
  }

  @Test
  void theCooldownHoldsAStepAwayFromTheTablesStartingD() {
    TopicClusterSpec spec = defaults(12);
    GossipParams current = first(spec, 12).params();
    var slow = new Observation(100, 1, 900, 1.0);
    assertThat(Tuner.decide(Tuner.cluster(spec), spec.tuning, TABLE, 12, current, slow, NOW, NOW.minusSeconds(59)))
        .isEmpty();
    assertThat(Tuner.decide(Tuner.cluster(spec), spec.tuning, TABLE, 12, current, slow, NOW, NOW.minusSeconds(60))
        .orElseThrow().params().d()).isEqualTo(5);
  }

  @Test
  void theBuiltInTableGivesTheClustersDefaultP99Target() {
    TopicClusterSpec spec = defaults(40);
    assertThat(Tuner.targetP99LatencyMs(spec)).isEqualTo(TuningTable.builtIn().rowFor(40).targetP99LatencyMs());
    spec.tuning.objectives.targetP99LatencyMs = 200;
    assertThat(Tuner.targetP99LatencyMs(spec)).isEqualTo(200);
  }
}
