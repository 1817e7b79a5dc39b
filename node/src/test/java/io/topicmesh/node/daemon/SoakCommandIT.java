package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code soak}, shortened for CI: 4 node processes for 60 s at 20 msg/s, one node restarted every
 * 10 s (SIGTERM and SIGKILL in turn; on a loaded machine a restart waits long enough for the node
 * to be ready that only the first, by SIGTERM, may fit). The CSV and the PNG are written and parse,
 * every restart comes back, and the exact accounting shows at least 99% of the due deliveries of
 * accepted messages. A minute says nothing about memory slopes, so the tolerances are opened here (the
 * 30-minute run in docs/reliability.md is the memory check); the delivery part of the verdict stays.
 */
class SoakCommandIT {
  @TempDir Path tmp;

  @Test
  void aShortSoakWithChurnWritesItsFiguresAndDelivers() throws Exception {
    Path out = tmp.resolve("soak");
    try (JarProcess soak = new JarProcess(List.of("soak", "--nodes", "4", "--duration", "60s", "--rate", "20",
        "--churn-every", "10s", "--interval", "5s", "--witnesses", "1", "--warmup", "20s", "--out", out.toString(),
        "--heap-tolerance", "1000000", "--rss-tolerance", "1000000"), tmp.resolve("soak.stderr"), Map.of())) {
      try {
        // start-up of 4 JVMs on a loaded machine, 60 s, the restarts in flight, the settling and the stop
        assertThat(soak.process.waitFor(600, TimeUnit.SECONDS)).as("soak ends after --duration").isTrue();
      } finally {
        soak.process.descendants().forEach(ProcessHandle::destroyForcibly);
      }
      String text = String.join("\n", soak.lines);
      assertThat(text).as("no node exited unasked").doesNotContain("CRASH");
      String verdict = soak.find("verdict: ").orElseThrow(() -> new AssertionError("no verdict in:\n" + text));
      assertThat(verdict).as(text).endsWith("| PASS");
      assertThat(soak.process.exitValue()).as(text).isZero();
      assertThat(text).contains("churn: node").contains("SIGTERM -> exit").contains("restarted, ready in");

      List<String> csv = Files.readAllLines(out.resolve("soak.csv"));
      List<String> header = Arrays.asList(csv.get(0).split(",", -1));
      assertThat(header).contains("elapsed_s", "heap_mib_med", "rss_mib_max", "fds_med", "threads_max",
          "w0_live_heap_mib", "due", "delivered", "p99_ms");
      assertThat(csv.size()).as(text).isGreaterThanOrEqualTo(1 + 5);
      long due = 0;
      long delivered = 0;
      long accepted = 0;
      int threadRows = 0;
      for (String line : csv.subList(1, csv.size())) {
        String[] f = line.split(",", -1);
        assertThat(f).as(line).hasSize(header.size());
        for (String v : f) {
          if (!v.isEmpty()) {
            Double.parseDouble(v); // every figure parses
          }
        }
        double rss = Double.parseDouble(f[header.indexOf("rss_mib_med")]);
        assertThat(rss).as("a JVM's RSS in MiB: " + line).isBetween(20.0, 4096.0);
        // thread and fd figures come only from nodes answering /metrics: empty when none did
        if (!f[header.indexOf("threads_min")].isEmpty()) {
          threadRows++;
          assertThat(Double.parseDouble(f[header.indexOf("threads_min")])).as(line).isGreaterThan(5);
          assertThat(Double.parseDouble(f[header.indexOf("fds_min")])).as(line).isGreaterThan(3);
        }
        due += Long.parseLong(f[header.indexOf("due")]);
        delivered += Long.parseLong(f[header.indexOf("delivered")]);
        accepted += Long.parseLong(f[header.indexOf("accepted")]);
      }
      assertThat(threadRows).as("rows with a running node's thread count: " + text).isGreaterThan(0);
      assertThat(accepted).as(text).isGreaterThan(300);
      assertThat(due).as("each accepted message is due at up to 3 other nodes: " + text)
          .isGreaterThan(accepted).isLessThanOrEqualTo(3 * accepted);
      assertThat((double) delivered / due).as(text).isGreaterThanOrEqualTo(0.99);
      assertThat(verdict).contains(delivered + " of " + due + " due");
      // the first restart is by SIGTERM; how many follow in a minute depends on the machine's load
      // (a restart waits for the node to be ready again), so one is what can be asked
      String restarts = field(verdict, "restarts (\\d+)");
      assertThat(Integer.parseInt(restarts)).as(verdict).isGreaterThanOrEqualTo(1);

      BufferedImage png = ImageIO.read(out.resolve("soak.png").toFile());
      assertThat(png).isNotNull();
      assertThat(png.getWidth()).isGreaterThan(800);
      assertThat(Files.readString(out.resolve("histogram-diff.txt"))).contains("live heap of witness 0");
      assertThat(Files.readString(out.resolve("node-1").resolve("node.log"))).contains("soak: starting node 1");
    }
  }

  private static String field(String line, String regex) {
    Matcher m = Pattern.compile(regex).matcher(line);
    if (!m.find()) {
      throw new AssertionError("no " + regex + " in: " + line);
    }
    return m.group(1);
  }
}
