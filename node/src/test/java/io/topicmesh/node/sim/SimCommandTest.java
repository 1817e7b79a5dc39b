package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.topicmesh.node.daemon.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCommandTest {
  private static final String TINY = """
      name: tiny
      routers: 30
      warmupSeconds: 3
      drainSeconds: 2
      topology: {type: connections, connectionsPerNode: 4}
      regions: [{name: a, share: 0.5}, {name: b, share: 0.5}]
      latencyMs: {a: {a: 5, b: 50}, b: {b: 5}}
      bandwidth: [{name: fast, share: 0.5, mbps: 1000}, {name: slow, share: 0.5, mbps: 10}]
      messages: {sizeBytes: 20000, ratePerSecond: 5, count: 10}
      churn: [{atSeconds: 4, leave: 3}, {atSeconds: 4.5, join: 3}]
      faults: [{type: loss, atSeconds: 3, durationSeconds: 1, rate: 0.01}]
      """;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void printsOneJsonLineAndWritesResultAndPlots(@TempDir Path dir) throws IOException {
    Path sc = dir.resolve("tiny.yaml");
    Files.writeString(sc, TINY);
    Path out = dir.resolve("out");
    Run r = run("sim", "--scenario", sc.toString(), "--seed", "5", "--out", out.toString());
    assertThat(r.code()).as("exit code, stderr: %s", r.err()).isZero();
    assertThat(r.out().strip().lines()).hasSize(1);
    JsonNode s = new ObjectMapper().readTree(r.out());
    for (String f : new String[] {"routers", "deliveryRatio", "latencyP50Ms", "latencyP99Ms", "duplicatesPerMessage",
        "bytesPerNode", "traceHash", "wallSeconds"}) {
      assertThat(s.has(f)).as("summary field %s in %s", f, r.out()).isTrue();
    }
    assertThat(s.get("routers").asInt()).isEqualTo(30);
    assertThat(s.get("seed").asLong()).isEqualTo(5);
    assertThat(s.get("left").asInt()).isEqualTo(3);
    assertThat(s.get("joined").asInt()).isEqualTo(3);
    assertThat(s.get("deliveryRatio").asDouble()).isGreaterThan(0.8);
    JsonNode full = new ObjectMapper().readTree(out.resolve("result.json").toFile());
    assertThat(full.get("messages")).hasSize(10);
    assertThat(full.get("messages").get(0).has("timeToAllMs")).isTrue();
    assertThat(full.get("routers")).hasSize(30);
    // The 100 ms latency buckets count every delivery once.
    long inBuckets = 0;
    for (JsonNode b : full.get("histograms").get("latency100Ms")) {
      inBuckets += b.asLong();
    }
    long delivered = 0;
    for (JsonNode m : full.get("messages")) {
      delivered += m.get("delivered").asLong();
    }
    assertThat(inBuckets).isEqualTo(delivered).isPositive();
    assertThat(full.get("routers").get(0).get("controlShareSent").asDouble()).isBetween(0.0, 1.0);
    for (String png : new String[] {"latency-cdf.png", "duplicates.png", "bandwidth-per-node.png"}) {
      assertThat(ImageIO.read(out.resolve(png).toFile())).as(png).isNotNull();
    }
  }

  @Test
  void latencyPer100MsAddsUpTheFineBuckets() {
    long[] fine = new long[2500];
    fine[0] = 2; // 0 ms
    fine[999] = 3; // 99.9 ms
    fine[1000] = 5; // 100 ms
    fine[2499] = 7; // 249.9 ms
    assertThat(SimCommand.latencyPer100Ms(fine)).containsExactly(5, 5, 7);
  }

  @Test
  void badScenarioExitsTwoNamingTheField(@TempDir Path dir) throws IOException {
    Path sc = dir.resolve("bad.yaml");
    Files.writeString(sc, TINY.replace("routers: 30", "routers: 1"));
    Run r = run("sim", "--scenario", sc.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("bad.yaml: routers: must be between 2 and 1000000, got 1");
    assertThat(r.out()).isEmpty();
  }
}
