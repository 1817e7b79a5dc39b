package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.pubsub.router.PubsubProtocol;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {
  private static final String MIN = """
      routers: 10
      topology: {type: random-regular, degree: 4}
      messages: {sizeBytes: 100, ratePerSecond: 1, count: 2}
      """;

  private static Scenario parse(String text) {
    return Scenario.parse(text, "s.yaml", null);
  }

  @Test
  void minimalScenarioGetsDefaults() {
    Scenario s = parse(MIN);
    assertThat(s.regions()).hasSize(1);
    assertThat(s.latencyMs()[0][0]).isZero();
    assertThat(s.protocol()).isEqualTo(PubsubProtocol.MESHSUB_V12);
    assertThat(s.params().d()).isEqualTo(6);
    assertThat(s.publishEndSeconds()).isEqualTo(11.0);
  }

  @Test
  void regionsLatencyMatrixBandwidthAndParams() {
    Scenario s = parse(MIN + """
        regions: [{name: eu, share: 0.25}, {name: us, share: 0.75}]
        latencyMs: {eu: {eu: 5, us: 40}, us: {us: 10}}
        bandwidth: [{name: fast, share: 0.2, mbps: 1000}, {name: slow, share: 0.8, upMbps: 50, downMbps: 100}]
        params: {d: 8, dlo: 6, dhi: 12, heartbeatIntervalMs: 700}
        idontwant: false
        """);
    assertThat(s.latencyMs()[1][0]).isEqualTo(40.0);
    assertThat(s.latencyMs()[1][1]).isEqualTo(10.0);
    assertThat(s.bandwidth().get(1).upBitsPerSecond()).isEqualTo(50e6);
    assertThat(s.bandwidth().get(1).downBitsPerSecond()).isEqualTo(100e6);
    assertThat(s.params().d()).isEqualTo(8);
    assertThat(s.params().heartbeatInterval().toMillis()).isEqualTo(700);
    assertThat(s.protocol()).as("1.2 without IDONTWANT is 1.1").isEqualTo(PubsubProtocol.MESHSUB_V11);
  }

  @Test
  void badFilesNameTheFileTheFieldAndTheProblem() {
    assertThatThrownBy(() -> parse(MIN + "rooters: 3\n"))
        .hasMessageStartingWith("s.yaml: rooters: unknown field");
    assertThatThrownBy(() -> parse(MIN.replace("routers: 10", "routers: ten")))
        .hasMessage("s.yaml: routers: expected a whole number, got the text 'ten'");
    assertThatThrownBy(() -> parse(MIN.replace("degree: 4", "degree: 3").replace("routers: 10", "routers: 11")))
        .hasMessageContaining("topology.degree: degree x routers must be even");
    assertThatThrownBy(() -> parse(MIN + "regions: [{name: a, share: 0.5}, {name: b, share: 0.4}]\n"))
        .hasMessage("s.yaml: regions: shares must add up to 1, they add up to 0.9");
    assertThatThrownBy(() -> parse(MIN + "regions: [{name: a, share: 0.5}, {name: b, share: 0.5}]\n"
        + "latencyMs: {a: {a: 1, b: 2}}\n"))
        .hasMessage("s.yaml: latencyMs: no latency between b and b");
    assertThatThrownBy(() -> parse(MIN + "params: {d: 3, dlo: 5}\n"))
        .hasMessageStartingWith("s.yaml: params.");
    assertThatThrownBy(() -> parse(MIN + "faults: [{type: quake, atSeconds: 1, durationSeconds: 1}]\n"))
        .hasMessage("s.yaml: faults[0].type: expected partition or loss, got 'quake'");
    assertThatThrownBy(() -> parse(MIN.replace("count: 2", "count: -2")))
        .hasMessage("s.yaml: messages.count: must be between 1 and 100000000, got -2");
    assertThatThrownBy(() -> parse("routers: [1\n"))
        .hasMessageStartingWith("s.yaml: not valid YAML/JSON");
    assertThatThrownBy(() -> parse(MIN.replace("topology: {type: random-regular, degree: 4}\n", "")))
        .hasMessage("s.yaml: topology: required");
  }

  @Test
  void topologyFileIsReadRelativeToTheScenario(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("edges.txt"), "# dialer listener\n0 1\n1 2\n");
    Path f = dir.resolve("s.yaml");
    Files.writeString(f, MIN.replace("{type: random-regular, degree: 4}", "{type: file, file: edges.txt}"));
    assertThat(Scenario.load(f).topology().edges()).hasSize(2);
    Files.writeString(dir.resolve("edges.txt"), "0 10\n");
    assertThatThrownBy(() -> Scenario.load(f)).hasMessageContaining("edges.txt line 1: indices must differ and lie in 0..9");
  }

  @Test
  void everyShippedScenarioParses() throws IOException, URISyntaxException {
    Path dir = Path.of(ScenarioTest.class.getResource("/sim/small.yaml").toURI()).getParent();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    for (Path p : files) {
      assertThat(Scenario.load(p).routers()).as(p.toString()).isPositive();
    }
  }

  @Test
  void setOverridesFieldsBeforeTheFileIsChecked() {
    Scenario s = Scenario.parse(MIN, "s.yaml", null,
        new java.util.LinkedHashMap<>(java.util.Map.of("routers", "12", "params.d", "5", "idontwant", "false")));
    assertThat(s.routers()).isEqualTo(12);
    assertThat(s.params().d()).isEqualTo(5);
    assertThat(s.protocol()).isEqualTo(PubsubProtocol.MESHSUB_V11);
    assertThatThrownBy(() -> Scenario.parse(MIN, "s.yaml", null, java.util.Map.of("routers.x", "1")))
        .hasMessage("s.yaml: routers.x: --set cannot go inside routers, which is not a mapping");
    assertThatThrownBy(() -> Scenario.parse(MIN, "s.yaml", null, java.util.Map.of("routers", "many")))
        .hasMessage("s.yaml: routers: expected a whole number, got the text 'many'");
  }
}
