package io.topicmesh.node.daemon.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The extractor finds the claims a document makes, and the checks reject a document that disagrees
 * with the node: each wrong line below is reported with its line number. The reality here is the
 * real CLI ({@link ExecutableDocsTest#help()}, {@link ExecutableDocsTest#parse}) and the real
 * option table; endpoints and metrics get a small stand-in so this test needs no node.
 */
class DocClaimsTest {
  private static final String WRONG = """
      # Run it

      ```sh
      java -jar node/target/topicmesh-node.jar run --listen /ip4/127.0.0.1/tcp/4001 \\
        --topik news   # a typo in a command line
      java -jar node/target/topicmesh-node.jar status --admin http://127.0.0.1:9090
      ```

      `run` options: `--listen <multiaddr>`, `--ping-intervall <duration>` (misspelt), `--count 3` (a sub flag).
      `sub --count <n>` exits after n messages.

      `status -o json` prints JSON.

      ## Configuration

      Set `TOPICMESH_PING_INTERVALL=5s` (misspelt) or `TOPICMESH_PING_INTERVAL`, `TOPICMESH_PARAMS_<NAME>`,
      `TOPICMESH_COLOUR_*`; in a file `pingIntervall: 5s` (misspelt), `redial.minMs`, `params.dlo`, `params.warp`.

      Endpoints: `GET /v1/stats` (wrong), `GET|PUT /v1/params`; metrics `topicmesh_host_connections` (wrong),
      `topicmesh_connections`, `topicmesh_mux_*`, `topicmesh_router_*` (wrong).
      """;

  private static DocClaims claims() {
    return DocClaims.extract("wrong.md", WRONG, ExecutableDocsTest.SUBCOMMANDS, h -> true, h -> h.contains("Configuration"));
  }

  @Test
  void extractsCommandLinesFlagsKeysVariablesEndpointsAndMetrics() {
    DocClaims c = claims();
    assertThat(c.commands).extracting(DocClaims.Command::args).containsExactly(
        List.of("run", "--listen", "/ip4/127.0.0.1/tcp/4001", "--topik", "news"),
        List.of("status", "--admin", "http://127.0.0.1:9090"));
    assertThat(c.commands.get(0).where()).hasToString("wrong.md:4");
    assertThat(c.flags).extracting(f -> f.flag() + " " + f.commands()).containsExactly(
        "--listen [run, sub]", "--ping-intervall [run, sub]", "--count [run, sub]", "--count [sub]", "-o [status]");
    assertThat(c.configKeys).extracting(DocClaims.Name::name)
        .containsExactly("pingIntervall", "redial.minMs", "params.dlo", "params.warp");
    assertThat(c.envVars).extracting(n -> n.name() + (n.prefix() ? "*" : "")).containsExactly(
        "TOPICMESH_PING_INTERVALL", "TOPICMESH_PING_INTERVAL", "TOPICMESH_PARAMS_*", "TOPICMESH_COLOUR_*");
    assertThat(c.endpoints).extracting(e -> e.method() + " " + e.path())
        .containsExactly("GET /v1/stats", "GET /v1/params", "PUT /v1/params");
    assertThat(c.metrics).extracting(n -> n.name() + (n.prefix() ? "*" : "")).containsExactly(
        "topicmesh_host_connections", "topicmesh_connections", "topicmesh_mux_*", "topicmesh_router_*");
  }

  @Test
  void aWrongDocumentFailsEveryCheckNamingTheLine() throws Exception {
    DocClaims c = claims();
    assertThat(DocsCheck.commands(c, ExecutableDocsTest::parse)).singleElement().asString()
        .startsWith("wrong.md:4: run --listen /ip4/127.0.0.1/tcp/4001 --topik news: ").contains("--topik");
    // --count is a sub flag: fine where the paragraph names sub, but both spans sit in one paragraph with `run`
    assertThat(DocsCheck.flags(c, ExecutableDocsTest.help())).containsExactly(
        "wrong.md:9: --ping-intervall is no option of run/sub (checked against their --help)");
    assertThat(DocsCheck.envVars(c, ExecutableDocsTest.knownEnvVars(), ExecutableDocsTest.ENV_PREFIXES)).containsExactly(
        "wrong.md:16: TOPICMESH_PING_INTERVALL is read by nothing (not a config option's variable, a client's, or a"
            + " script's)",
        "wrong.md:17: TOPICMESH_COLOUR_* is read by nothing (not a config option's variable, a client's, or a"
            + " script's)");
    assertThat(DocsCheck.configKeys(c, ExecutableDocsTest::acceptedKey)).containsExactly(
        "wrong.md:17: pingIntervall is no config key or parameter the loader accepts",
        "wrong.md:17: params.warp is no config key or parameter the loader accepts");
    Map<String, Integer> node = Map.of("GET /v1/params", 200, "PUT /v1/params", 200);
    assertThat(DocsCheck.endpoints(c, e -> node.getOrDefault(e.method() + " " + e.path(), 404))).containsExactly(
        "wrong.md:19: GET /v1/stats answered 404 on a live node");
    assertThat(DocsCheck.metrics(c, Set.of("topicmesh_connections", "topicmesh_mux_streams_opened_total"), Map.of()))
        .containsExactly("wrong.md:19: metric topicmesh_host_connections is not on a live node's /metrics",
            "wrong.md:20: metric topicmesh_router_* is not on a live node's /metrics");
  }

  @Test
  void theRightDocumentPasses() throws Exception {
    String right = """
        ```sh
        java -jar node/target/topicmesh-node.jar run --listen /ip4/127.0.0.1/tcp/4001 --topic news
        ```
        `run` options: `--ping-interval <duration>`; `TOPICMESH_PING_INTERVAL`; `pingInterval: 5s`.
        """;
    DocClaims c = DocClaims.extract("right.md", right, ExecutableDocsTest.SUBCOMMANDS, h -> true, h -> true);
    assertThat(c.commands).hasSize(1);
    assertThat(DocsCheck.commands(c, ExecutableDocsTest::parse)).isEmpty();
    assertThat(DocsCheck.flags(c, ExecutableDocsTest.help())).isEmpty();
    assertThat(DocsCheck.envVars(c, ExecutableDocsTest.knownEnvVars(), ExecutableDocsTest.ENV_PREFIXES)).isEmpty();
    assertThat(DocsCheck.configKeys(c, ExecutableDocsTest::acceptedKey)).isEmpty();
    assertThat(c.configKeys).extracting(DocClaims.Name::name).containsExactly("pingInterval");
  }
}
