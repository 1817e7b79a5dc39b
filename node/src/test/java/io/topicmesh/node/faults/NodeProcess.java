package io.topicmesh.node.faults;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code [prefix…] java -jar target/topicmesh-node.jar run …} as a child process (the prefix is
 * {@code ip netns exec <ns>} for a node in a namespace: ip execs java, so the child's pid is the
 * JVM's and {@link #kill} is a real SIGKILL of the node). Stdout lines are kept with the time they
 * were read ({@link System#nanoTime}).
 */
final class NodeProcess implements AutoCloseable {
  static final Duration START = Duration.ofSeconds(90);

  record Line(long nanos, String text) {}

  final String name;
  final Process process;
  final Path stderr;
  final List<Line> lines = new CopyOnWriteArrayList<>();

  NodeProcess(String name, List<String> prefix, List<String> args, Path dir) throws IOException {
    Path jar = Path.of("target", "topicmesh-node.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new AssertionError("missing " + jar + ": run the package phase first (mvn verify does)");
    }
    this.name = name;
    this.stderr = dir.resolve(name + ".stderr");
    List<String> cmd = new ArrayList<>(prefix);
    // Serial GC and C1 only: nine JVMs share two cores with the test.
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
    pb.environment().putAll(Map.of("LOG_FORMAT", "text"));
    process = pb.start();
    process.getOutputStream().close();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(new Line(System.nanoTime(), line));
        }
      } catch (IOException e) {
        // process ended
      }
    }, "faults-stdout-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  String awaitLine(String prefix) {
    await("line '" + prefix + "…' from " + name).atMost(START).pollInterval(Duration.ofMillis(50))
        .until(() -> find(prefix).isPresent() || !process.isAlive());
    return find(prefix).orElseThrow(() -> new AssertionError(name + " exited (" + process.exitValue()
        + ") before printing '" + prefix + "': " + stderrText()));
  }

  Optional<String> find(String prefix) {
    return lines.stream().map(Line::text).filter(l -> l.startsWith(prefix)).findFirst();
  }

  /** SIGKILL, and wait until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " still alive 30 s after SIGKILL");
    }
  }

  String stderrText() {
    try {
      return Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      return "(cannot read " + stderr + ": " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
