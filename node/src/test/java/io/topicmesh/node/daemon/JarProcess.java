package io.topicmesh.node.daemon;

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

/** {@code java -jar target/topicmesh-node.jar …} as a child process, its stdout lines collected. */
final class JarProcess implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(60);

  final Process process;
  final List<String> lines = new CopyOnWriteArrayList<>();
  final Path stderr;

  JarProcess(List<String> args, Path stderr, Map<String, String> env) throws IOException {
    Path jar = Path.of("target", "topicmesh-node.jar");
    if (!Files.exists(jar)) {
      throw new AssertionError("missing " + jar.toAbsolutePath() + ": run the package phase first (mvn verify does)");
    }
    this.stderr = stderr;
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-Dio.netty.leakDetection.level=paranoid", "-jar", jar.toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
    pb.environment().putAll(env);
    process = pb.start();
    process.getOutputStream().close();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          lines.add(line);
        }
      } catch (IOException e) {
        // process ended
      }
    }, "jar-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  String awaitLine(String prefix) {
    await().atMost(WAIT).until(() -> find(prefix).isPresent());
    return find(prefix).orElseThrow();
  }

  Optional<String> find(String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
  }

  String stderrText() throws IOException {
    return Files.readString(stderr);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
