package io.topicmesh.node.daemon.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.daemon.Main;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LocalCommandTest {
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      "--nodes, 1", "--nodes, 201", "--rate, 0", "--rate, 1000000", "--size, 3", "--size, 99999999",
      "--duration, 0", "--d, 1", "--peers-per-node, 0", "--nodes, many", "--admin-listen, 0.0.0.0:0",
      "--admin-listen, 127.0.0.1"})
  void outOfRangeOptionsAreOneLineErrorsBeforeAnyNodeStarts(String option, String value) {
    assertThat(Main.execute("local", option, value)).isEqualTo(2);
  }
}
