package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seeded simulation tier: 200 production routers on virtual time (the shipped {@code
 * sim/small.yaml}, shortened), asserting delivery and determinism.
 */
class SimulationTest {
  static Scenario small(int messages) throws IOException {
    String text;
    try (InputStream in = SimulationTest.class.getResourceAsStream("/sim/small.yaml")) {
      assertThat(in).as("sim/small.yaml on the classpath").isNotNull();
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    text = text.replace("count: 100", "count: " + messages);
    return Scenario.parse(text, "small.yaml", null);
  }

  @Test
  void twoHundredRoutersDeliverEverythingAndTheSameSeedGivesTheSameTrace() throws IOException {
    Scenario sc = small(20);
    assertThat(sc.routers()).isEqualTo(200);
    SimResult a = new Simulation(sc, 7).run();
    SimResult b = new Simulation(sc, 7).run();
    SimResult c = new Simulation(sc, 8).run();
    Map<String, Object> s = a.summary();
    assertThat(s.get("messages")).isEqualTo(20);
    assertThat(a.deliveryRatio()).as("delivery ratio, summary %s", s).isEqualTo(1.0);
    for (Map<String, Object> m : a.perMessage()) {
      assertThat(m.get("deliveryShare")).as("message %s", m).isEqualTo(1.0);
      assertThat((Integer) m.get("hopsMax")).as("hops of message %s", m).isBetween(1, 10);
    }
    // 30 ms links plus up to 20 ms jitter, 2 ms validation per hop: nobody is reached in under 30 ms,
    // and a mesh of degree 8 over 200 routers reaches everyone within a few hops.
    assertThat(((Number) s.get("latencyP50Ms")).doubleValue()).isBetween(30.0, 400.0);
    assertThat(((Number) s.get("latencyP99Ms")).doubleValue()).isBetween(((Number) s.get("latencyP50Ms")).doubleValue(), 800.0);
    assertThat(((Number) s.get("duplicatesPerMessage")).doubleValue()).isGreaterThan(0.0).isLessThan(12.0);
    assertThat(((Number) s.get("bytesPerNode")).longValue()).as("each router sends at least the messages once")
        .isGreaterThan(20L * 2048);
    assertThat(b.traceHash()).as("same seed, same trace").isEqualTo(a.traceHash());
    assertThat(b.summary().get("events")).isEqualTo(s.get("events"));
    assertThat(c.traceHash()).as("another seed, another trace").isNotEqualTo(a.traceHash());
    assertThat(c.deliveryRatio()).isEqualTo(1.0);
  }
}
