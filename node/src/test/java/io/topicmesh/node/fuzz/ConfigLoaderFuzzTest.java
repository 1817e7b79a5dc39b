package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.NodeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * node.yaml (YAML or JSON) through the loader the daemon runs at start-up: a {@link NodeConfig} or a
 * {@link ConfigException} naming the field, never another exception.
 */
class ConfigLoaderFuzzTest {
  private static final Path FILE;

  static {
    try {
      FILE = Files.createTempFile("topicmesh-fuzz-", ".yaml");
      FILE.toFile().deleteOnExit();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void nodeYaml(byte[] input) throws IOException {
    Files.write(FILE, input);
    try {
      NodeConfig config = ConfigLoader.load(FILE, Map.of(), Map.of());
      assertThat(config).isNotNull();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
