package io.topicmesh.node.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The router and its mutex stay pure: no netty, no wall clock, no ambient randomness. */
class LayeringTest {
  private static List<Path> sources(String pkg) throws IOException {
    Path dir = Path.of("src/main/java/io/topicmesh/node/pubsub", pkg);
    assertThat(dir).as("source directory (tests run from the node module)").isDirectory();
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().endsWith(".java")).toList();
    }
  }

  @Test
  void routerAndLockImportNoNetty() throws IOException {
    for (String pkg : List.of("router", "lock")) {
      for (Path p : sources(pkg)) {
        assertThat(Files.readString(p)).as(p.toString()).doesNotContain("import io.netty");
      }
    }
  }

  @Test
  void routerUsesNoWallClockOrAmbientRandomness() throws IOException {
    for (Path p : sources("router")) {
      String src = Files.readString(p);
      assertThat(src)
          .as(p.toString())
          .doesNotContain("System.currentTimeMillis")
          .doesNotContain("Math.random")
          .doesNotContain("new Random(")
          .doesNotContain("Instant.now");
    }
  }
}
