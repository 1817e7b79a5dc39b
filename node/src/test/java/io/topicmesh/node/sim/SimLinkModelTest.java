package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The link and topology models the published reproductions need: per-connection latency drawn
 * from a range ({@code linkLatencyMs}), jitter proportional to a link's latency ({@code
 * jitterFraction}), the test-plans graph ({@code min-degree}), and the per-message figures measured
 * from the first delivery.
 */
class SimLinkModelTest {
  private static final String BASE = """
      routers: 60
      warmupSeconds: 5
      drainSeconds: 3
      topology: {type: min-degree, degree: 8}
      linkLatencyMs: {min: 10, max: 150}
      jitterFraction: 0.1
      publishers: 3
      messages: {sizeBytes: 200, ratePerSecond: 2, count: 6}
      """;

  @Test
  void minDegreeGivesEveryRouterAtLeastTheDegreeWithoutSelfLoopsOrDoubleEdges() {
    List<int[]> edges = Topology.minDegree(300, 20, new SplittableRandom(5));
    int[] degree = new int[300];
    Set<Long> pairs = new HashSet<>();
    for (int[] e : edges) {
      assertThat(e[0]).isNotEqualTo(e[1]);
      assertThat(pairs.add((long) Math.min(e[0], e[1]) << 32 | Math.max(e[0], e[1])))
          .as("pair %d-%d once", e[0], e[1]).isTrue();
      degree[e[0]]++;
      degree[e[1]]++;
    }
    int max = 0;
    for (int d : degree) {
      assertThat(d).isGreaterThanOrEqualTo(20);
      max = Math.max(max, d);
    }
    // Early routers are dialled by later ones after they reached 20 themselves.
    assertThat(max).isGreaterThan(20);
    assertThat(2.0 * edges.size() / 300).isGreaterThan(20.0);
    List<int[]> again = Topology.minDegree(300, 20, new SplittableRandom(5));
    assertThat(again).hasSameSizeAs(edges);
    for (int i = 0; i < edges.size(); i++) {
      assertThat(again.get(i)).containsExactly(edges.get(i));
    }
  }

  @Test
  void scenarioReadsTheLinkModelAndRejectsBadRanges() {
    Scenario s = Scenario.parse(BASE, "s.yaml", null);
    assertThat(s.topology().type()).isEqualTo("min-degree");
    assertThat(s.topology().degree()).isEqualTo(8);
    assertThat(s.linkLatency()).isEqualTo(new Scenario.LinkLatency(10, 150));
    assertThat(s.jitterFraction()).isEqualTo(0.1);
    Scenario plain = Scenario.parse(BASE.replace("linkLatencyMs: {min: 10, max: 150}\n", "")
        .replace("jitterFraction: 0.1\n", ""), "s.yaml", null);
    assertThat(plain.linkLatency().active()).isFalse();
    assertThat(plain.jitterFraction()).isZero();
    assertThatThrownBy(() -> Scenario.parse(BASE.replace("max: 150", "max: 5"), "s.yaml", null))
        .hasMessage("s.yaml: linkLatencyMs: max (5) must not be below min (10)");
    assertThatThrownBy(() -> Scenario.parse(BASE.replace("max: 150", "mean: 150"), "s.yaml", null))
        .hasMessageStartingWith("s.yaml: linkLatencyMs.mean: unknown field");
    assertThatThrownBy(() -> Scenario.parse(BASE.replace("min-degree", "min-degre"), "s.yaml", null))
        .hasMessageContaining("expected random-regular, min-degree, connections or file");
  }

  @Test
  void eachPairGetsItsOwnLatencyInTheRangeTheSameBothWaysAndRunsStayDeterministic() {
    Scenario sc = Scenario.parse(BASE, "s.yaml", null);
    Simulation sim = new Simulation(sc, 11);
    SimResult a = sim.run();
    Set<Long> distinct = new HashSet<>();
    for (SimNode n : sim.nodes()) {
      for (Map.Entry<?, Link> e : n.links.entrySet()) {
        Link l = e.getValue();
        assertThat(l.latencyNanos).isBetween(10_000_000L, 150_000_000L);
        Link back = l.to.links.get(n.id);
        assertThat(back.latencyNanos).as("same latency both ways").isEqualTo(l.latencyNanos);
        distinct.add(l.latencyNanos);
      }
    }
    assertThat(distinct.size()).as("latencies drawn per pair, not one for all").isGreaterThan(50);
    assertThat(a.deliveryRatio()).isEqualTo(1.0);
    SimResult b = new Simulation(sc, 11).run();
    assertThat(b.traceHash()).isEqualTo(a.traceHash());
    // Without the proportional jitter, the same seed gives another trace: the jitter is applied.
    Scenario noJitter = Scenario.parse(BASE.replace("jitterFraction: 0.1", "jitterFraction: 0"), "s.yaml", null);
    assertThat(new Simulation(noJitter, 11).run().traceHash()).isNotEqualTo(a.traceHash());
    for (Map<String, Object> m : a.perMessage()) {
      double first = ((Number) m.get("firstDeliveryMs")).doubleValue();
      double all = ((Number) m.get("timeToAllMs")).doubleValue();
      assertThat(first).as("nobody is nearer than the minimum latency, message %s", m).isGreaterThanOrEqualTo(10.0);
      assertThat(((Number) m.get("disseminationMs")).doubleValue()).isCloseTo(all - first, org.assertj.core.data.Offset.offset(0.002));
      assertThat(((Number) m.get("p50FromFirstMs")).doubleValue()).isBetween(0.0, all - first);
      assertThat(((Number) m.get("duplicatesPerRouter")).doubleValue()).isGreaterThanOrEqualTo(0.0);
    }
  }
}
