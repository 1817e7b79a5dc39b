package io.topicmesh.e2e.observability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Paths in the repository and the external tools the observability checks need. */
final class Repo {
  static final String PROMETHEUS_PACKAGE = "Debian's 'prometheus' package (apt-get install -y prometheus, or run "
      + "e2e/observability/install-prometheus.sh; scripts/prepare.sh calls it)";

  private Repo() {
  }

  static Path root() {
    return Path.of(System.getProperty("topicmesh.repoRoot", "..")).toAbsolutePath().normalize();
  }

  static Path chart() {
    return root().resolve("charts/topicmesh");
  }

  static Path dashboards() {
    return chart().resolve("dashboards");
  }

  /** promtool or prometheus from /usr/bin or PATH; fails (never skips) naming the package when missing. */
  static Path tool(String name) {
    List<Path> candidates = new java.util.ArrayList<>(List.of(Path.of("/usr/bin", name)));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isBlank()) {
          candidates.add(Path.of(dir, name));
        }
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
        "'" + name + "' is not installed (looked in /usr/bin and PATH). It comes with " + PROMETHEUS_PACKAGE + "."));
  }

  /** A built jar; fails naming the command that builds it. */
  static Path jar(String module, String name) {
    Path jar = root().resolve(module).resolve("target").resolve(name);
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(jar + " is missing: build it with `mvn -B -ntp -DskipTests package -pl " + module
          + " -am` (mvn verify from the root builds it before the e2e module).");
    }
    return jar;
  }
}
