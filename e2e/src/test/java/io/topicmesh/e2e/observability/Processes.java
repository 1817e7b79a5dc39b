package io.topicmesh.e2e.observability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes with their logs in a temp dir; {@link #close()} stops all of them, newest first. */
final class Processes implements AutoCloseable {
  record Child(String name, Process process, Path log) {
  }

  private final Path dir;
  private final List<Child> children = new ArrayList<>();

  Processes(Path dir) {
    this.dir = dir;
  }

  synchronized Child start(String name, List<String> command, Map<String, String> env) throws IOException {
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Child c = new Child(name, pb.start(), log);
    children.add(c);
    return c;
  }

  /** The last lines of every child's log, for failure messages. */
  synchronized String tails(int lines) {
    StringBuilder b = new StringBuilder();
    for (Child c : children) {
      b.append("---- ").append(c.name()).append(c.process().isAlive() ? " (running)" : " (exited "
          + c.process().exitValue() + ")").append(", ").append(c.log()).append('\n');
      try {
        List<String> all = Files.readAllLines(c.log(), StandardCharsets.UTF_8);
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append("  ").append(l).append('\n'));
      } catch (IOException e) {
        b.append("  (log unreadable: ").append(e.getMessage()).append(")\n");
      }
    }
    return b.toString();
  }

  @Override
  public synchronized void close() {
    for (int i = children.size() - 1; i >= 0; i--) {
      Process p = children.get(i).process();
      p.destroy();
    }
    for (int i = children.size() - 1; i >= 0; i--) {
      Child c = children.get(i);
      try {
        if (!c.process().waitFor(15, TimeUnit.SECONDS)) {
          System.err.println("observability: " + c.name() + " did not stop within 15s of SIGTERM; killing it");
          c.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        c.process().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    children.clear();
  }
}
