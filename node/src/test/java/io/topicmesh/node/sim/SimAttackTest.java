package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The attack scenarios (sim/attack-*.yaml, the gossipsub v1.1 evaluation's set) shrunk to 100
 * honest production routers and a few hundred Sybils, at 2 messages per second: each is run with
 * the scenario's own score parameters (P3 activation 60 s included), so the runs last 100-125
 * virtual seconds.
 */
class SimAttackTest {
  /** The shipped scenario with its scale shrunk (and any further overrides). */
  static Scenario scenario(String name, int sybils, double endSeconds, Map<String, String> more) throws IOException {
    String text;
    try (InputStream in = SimAttackTest.class.getResourceAsStream("/sim/attack-" + name + ".yaml")) {
      assertThat(in).as("sim/attack-%s.yaml on the classpath", name).isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Map<String, String> o = new LinkedHashMap<>();
    o.put("routers", "100");
    o.put("publishers", "10");
    o.put("topology.connectionsPerNode", "5");
    o.put("attack.sybils", Integer.toString(sybils));
    o.put("messages.ratePerSecond", "2");
    Scenario probe = Scenario.parse(text, name, null, o);
    o.put("messages.count", Long.toString(Math.round((endSeconds - probe.warmupSeconds()) * 2)));
    o.putAll(more);
    return Scenario.parse(text, "attack-" + name + ".yaml", null, o);
  }

  private static double num(SimResult r, String field) {
    Object v = r.summary().get(field);
    assertThat(v).as("%s in %s", field, r.summary()).isInstanceOf(Number.class);
    return ((Number) v).doubleValue();
  }

  /**
   * Censoring mesh peers, with scoring as the only defence that matters: the Sybils are there from
   * the start and fill the meshes, and gossip is off (Dlazy 0, gossip factor 0) so that only the
   * mesh carries messages beyond the publisher's own peers. With scoring, P3 PRUNEs the Sybils once
   * it activates (60 s) and the meshes refill with honest routers; without it they stay censored.
   * Also: the same seed gives the same trace.
   */
  @Test
  void censorshipByMeshPeersScoringOnDeliversMoreThanScoringOff() throws IOException {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("attack.degree", "10");
    o.put("attack.connectAtSeconds", "0");
    o.put("attack.attackAtSeconds", "0");
    o.put("params.dlazy", "0");
    o.put("params.gossipFactor", "0");
    Scenario on = scenario("censor", 300, 125, o);
    o.put("score.enabled", "false");
    Scenario off = scenario("censor", 300, 125, o);
    assertThat(on.scoring().enabled()).isTrue();
    assertThat(off.scoring().enabled()).isFalse();

    SimResult a = new Simulation(on, 3).run();
    SimResult b = new Simulation(off, 3).run();
    double withScoring = num(a, "honestDeliveryRatio");
    double without = num(b, "honestDeliveryRatio");
    assertThat(withScoring).as("honest delivery with scoring %s, without %s", a.summary(), b.summary())
        .isGreaterThan(without + 0.2);
    assertThat(num(a, "sybilPrunedNegativeScore")).as("Sybils PRUNEd for their score").isGreaterThan(0);
    assertThat(num(b, "sybilPrunedNegativeScore")).as("no score, no such PRUNE").isZero();
    // Sybils GRAFT again after each PRUNE (60-75 s later), so some are back in the meshes at the end.
    assertThat(num(b, "endSybilMeshShare")).as("Sybils left in honest meshes at the end, scoring off").isGreaterThan(0.5);
    assertThat(num(a, "endSybilMeshShare")).as("Sybils left in honest meshes at the end, scoring on")
        .isLessThan(num(b, "endSybilMeshShare") - 0.2);
    assertThat(num(a, "sybilMessagesDropped")).isGreaterThan(0);

    SimResult again = new Simulation(on, 3).run();
    assertThat(again.traceHash()).as("same seed, same trace").isEqualTo(a.traceHash());
    assertThat(again.summary().get("honestDeliveryRatio")).isEqualTo(a.summary().get("honestDeliveryRatio"));
  }

  /** Sybil flood: 400 Sybils, 40 connections per honest router, join a warm network at 30 s. */
  @Test
  void sybilFloodScoringOnKeepsHonestDelivery() throws IOException {
    SimResult r = new Simulation(scenario("sybil-flood", 400, 100, Map.of()), 1).run();
    assertThat(num(r, "sybilConnections")).isEqualTo(4000);
    assertThat(num(r, "sybilMessagesDropped")).isGreaterThan(0);
    assertThat(num(r, "sybilPrunedNegativeScore")).as("P3 PRUNEs, %s", r.summary()).isGreaterThan(0);
    assertThat(num(r, "attackPhaseDeliveryRatio")).as("%s", r.summary()).isGreaterThanOrEqualTo(0.99);
  }

  /** Eclipse: 200 Sybils all dial router 0 at 30 s. */
  @Test
  void eclipsedTargetStillReceives() throws IOException {
    SimResult r = new Simulation(scenario("eclipse", 200, 100, Map.of()), 1).run();
    assertThat(num(r, "sybilConnections")).isEqualTo(200);
    assertThat(r.summary().get("victim")).isEqualTo("router 0");
    assertThat(num(r, "victimAttackPhaseDeliveryRatio")).as("%s", r.summary()).isGreaterThanOrEqualTo(0.99);
  }

  /** Cold boot: Sybils (200, 10 connections each) and honest routers start together. */
  @Test
  void coldBootSybilsArePrunedAndDeliveryHolds() throws IOException {
    SimResult r = new Simulation(scenario("cold-boot", 200, 100, Map.of()), 1).run();
    assertThat(num(r, "sybilPrunedNegativeScore")).as("%s", r.summary()).isGreaterThan(0);
    assertThat(num(r, "honestDeliveryRatio")).as("%s", r.summary()).isGreaterThanOrEqualTo(0.99);
  }

  /** Covert flash: the Sybils forward until 60 s, then all stop; nothing is dropped before. */
  @Test
  void covertFlashSybilsBehaveThenAttack() throws IOException {
    SimResult r = new Simulation(scenario("covert-flash", 200, 100, Map.of()), 1).run();
    assertThat(num(r, "attackStartSeconds")).isEqualTo(60.0);
    assertThat(num(r, "sybilMessagesDropped")).isGreaterThan(0);
    assertThat(num(r, "attackPhaseDeliveryRatio")).as("%s", r.summary()).isGreaterThanOrEqualTo(0.99);
  }

  /** Attack at dawn: Sybils connect at 0 s, honest routers only at 10 s. */
  @Test
  void attackAtDawnDeliveryHolds() throws IOException {
    SimResult r = new Simulation(scenario("dawn", 200, 100, Map.of()), 1).run();
    assertThat(num(r, "sybilGraftsAccepted")).as("Sybils were in the meshes first").isGreaterThan(0);
    assertThat(num(r, "honestDeliveryRatio")).as("%s", r.summary()).isGreaterThanOrEqualTo(0.99);
  }
}
