package io.topicmesh.node.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigOptions#ALL} is the one place an option is documented: the loader reads every key
 * from the environment, and docs/daemon.md's table is the generated one. Run with {@code
 * -Dtopicmesh.updateDocs=true} to rewrite the table after changing an option.
 */
class ConfigOptionsTest {
  static final Path DAEMON_MD = Path.of("..", "docs", "daemon.md");

  @Test
  void everyKeyIsReadFromItsEnvironmentVariable() {
    for (ConfigOptions.Option o : ConfigOptions.ALL) {
      if (o.key() == null) {
        continue;
      }
      String key = o.key().endsWith(".*") ? o.key().replace("*", o.key().startsWith("params.") ? "d" : "gossipThreshold")
          : o.key();
      String env = ConfigLoader.envName(key);
      assertThat(ConfigLoader.fromEnv(Map.of(env, "1"))).as("%s read from %s", key, env).containsKey(key);
    }
  }

  @Test
  void everyKeyIsAcceptedInAFileAndUnknownOnesAreNot() {
    for (String k : ConfigOptions.keys()) {
      String key = k.replace("params.*", "params.d").replace("thresholds.*", "thresholds.gossipThreshold");
      try {
        ConfigLoader.bind(Map.of(key, "?"));
      } catch (ConfigException e) {
        assertThat(e.getMessage()).as(key).doesNotContain("unknown key").doesNotContain("unknown parameter");
      }
    }
    assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> ConfigLoader.bind(Map.of("colour", "blue"))))
        .hasMessageContaining("unknown key");
  }

  @Test
  void defaultsAreTheOnesTheLoaderApplies() {
    NodeConfig c = ConfigLoader.load(null, Map.of(), Map.of());
    assertThat(c.listen()).isEqualTo(ConfigOptions.defaultValue("listen"));
    assertThat(c.muxers()).isEqualTo(ConfigOptions.defaultValue("muxers"));
    assertThat(c.maxConnections()).isEqualTo(ConfigOptions.defaultValue("maxConnections"));
    assertThat(c.shutdownGrace().toMillis()).isEqualTo(((Integer) ConfigOptions.defaultValue("shutdownGraceMs")).longValue());
    assertThat(c.adminMaxBodyBytes()).isEqualTo(ConfigOptions.defaultValue("admin.maxBodyBytes"));
    assertThat(c.pingInterval()).as(ConfigOptions.byKey("pingInterval").defaultForPeople()).isNull();
  }

  /** Issue 15: --help showed /p2p/<id> as optional for --peer; the loader requires it. Help and loader agree. */
  @Test
  void peerHelpSaysTheIdIsRequiredAndTheLoaderRequiresIt() {
    for (String key : List.of("peers", "directPeers")) {
      assertThat(ConfigOptions.byKey(key).helpText()).as(key).contains("ending in /p2p/<id> (or /ipfs/<id>)");
      assertThat(org.assertj.core.api.Assertions.catchThrowable(
          () -> ConfigLoader.load(null, Map.of(), Map.of(key, List.of("/ip4/127.0.0.1/tcp/4001")))))
          .as(key).hasMessageContaining("/p2p/<peer-id>");
    }
    assertThat(ConfigOptions.byKey("pingInterval").helpText()).contains("Default: off.");
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).pingInterval()).isNull();
  }

  @Test
  void theTableInDocsDaemonMdIsTheGeneratedOne() throws Exception {
    String doc = Files.readString(DAEMON_MD);
    int begin = doc.indexOf(ConfigOptions.TABLE_BEGIN);
    int end = doc.indexOf(ConfigOptions.TABLE_END);
    assertThat(begin).as("%s holds the marker %s", DAEMON_MD, ConfigOptions.TABLE_BEGIN).isNotNegative();
    assertThat(end).as("end marker after the begin marker").isGreaterThan(begin);
    String committed = doc.substring(begin + ConfigOptions.TABLE_BEGIN.length() + 1, end);
    String generated = ConfigOptions.markdownTable();
    if (Boolean.getBoolean("topicmesh.updateDocs") && !committed.equals(generated)) {
      Files.writeString(DAEMON_MD, doc.substring(0, begin + ConfigOptions.TABLE_BEGIN.length() + 1) + generated
          + doc.substring(end));
      committed = generated;
    }
    assertThat(committed).as("docs/daemon.md's option table is stale: run mvn -pl node test -Dtest=ConfigOptionsTest"
        + " -Dtopicmesh.updateDocs=true").isEqualTo(generated);
  }

  @Test
  void theTableHasOneRowPerOptionNamingKeyFlagAndVariable() {
    List<String> rows = new ArrayList<>(ConfigOptions.markdownTable().lines().skip(2).toList());
    assertThat(rows).hasSize(ConfigOptions.ALL.size());
    assertThat(rows.get(0)).startsWith("| `listen` | `--listen <multiaddr>` (repeatable) | `TOPICMESH_LISTEN` | /ip4/127.0.0.1/tcp/4001 |");
    assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("| `params.*` |  | `TOPICMESH_PARAMS_<NAME>` |"));
    assertThat(rows).anySatisfy(r -> assertThat(r).startsWith("| `advertise` |  | `TOPICMESH_ADVERTISE`; `POD_IP` gives"));
  }
}
