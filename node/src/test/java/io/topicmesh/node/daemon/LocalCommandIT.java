package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code local --duration}: the README's main job, bounded; its output shows convergence and deliveries. */
class LocalCommandIT {
  @TempDir Path tmp;

  @Test
  void aBoundedLocalRunConvergesAndDelivers() throws Exception {
    try (JarProcess local = new JarProcess(List.of("local", "--nodes", "5", "--duration", "15", "--rate", "10",
        "--probe-interval", "1s", "--plain"),
        tmp.resolve("local.stderr"), Map.of())) {
      assertThat(local.process.waitFor(120, TimeUnit.SECONDS)).as("local ends after --duration").isTrue();
      String out = String.join("\n", local.lines);
      assertThat(local.process.exitValue()).as(out).isZero();
      assertThat(out).contains("started 5 nodes on 127.0.1.1..127.0.1.5");
      assertThat(out).as("start-up time, which convergence no longer counts").containsPattern("bytes, in [0-9]+\\.[0-9] s");
      assertThat(Long.parseLong(field(local.find("summary ").orElseThrow(), "loadStartMs")))
          .as("the load started").isNotNegative();
      assertThat(out).as("live view").contains("delivered/s").contains("mesh:alp").contains("converged after");
      String summary = local.find("summary ").orElseThrow(() -> new AssertionError("no summary line in:\n" + out));
      assertThat(field(summary, "converged")).isEqualTo("true");
      long published = Long.parseLong(field(summary, "published"));
      long delivered = Long.parseLong(field(summary, "delivered"));
      assertThat(published).as(summary).isGreaterThan(50);
      assertThat(delivered).as(summary).isGreaterThan(published * 3);
      assertThat(Double.parseDouble(field(summary, "ratio"))).as(summary).isGreaterThan(0.9);
      assertThat(Double.parseDouble(field(summary, "p50Ms"))).as(summary).isPositive();
      assertThat(Double.parseDouble(field(summary, "steadyP99Ms"))).as(summary).isPositive();
      assertThat(Double.parseDouble(field(summary, "duplicatesPerMessage"))).as(summary).isNotNegative();
      // issue 9: the mesh probes' figures on a local cluster (every node hears the four others)
      assertThat(Long.parseLong(field(summary, "probeExpected"))).as(summary).isGreaterThanOrEqualTo(5 * 4 * 2);
      assertThat(Double.parseDouble(field(summary, "probeRatio"))).as(summary).isGreaterThan(0.9);
      assertThat(Double.parseDouble(field(summary, "probeP50Ms"))).as(summary).isPositive();
      assertThat(Double.parseDouble(field(summary, "probeP99Ms"))).as(summary)
          .isGreaterThanOrEqualTo(Double.parseDouble(field(summary, "probeP50Ms")));
      assertThat(field(summary, "probeClockSkew")).as("one machine, one clock: " + summary).isEqualTo("0");
      assertThat(out).endsWith("stopped");
      assertThat(local.stderrText()).doesNotContain("LEAK:");
    }
  }

  private static String field(String line, String name) {
    Matcher m = Pattern.compile("\\b" + name + "=(\\S+)").matcher(line);
    if (!m.find()) {
      throw new AssertionError("no " + name + " in: " + line);
    }
    return m.group(1);
  }
}
