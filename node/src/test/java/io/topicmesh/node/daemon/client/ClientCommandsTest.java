package io.topicmesh.node.daemon.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.Main;
import io.topicmesh.node.daemon.admin.AdminServer;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The admin clients as a user runs them: what they print, and what their errors name (issue 15). */
class ClientCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Run(int code, String out, String err) {}

  static synchronized Run run(String... args) {
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      code = Main.execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** A loopback port nothing listens on (bound, then released). */
  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableNodeIsNamedWithTheCause() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    Run r = run("status", "--admin", url);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach " + url + "/v1/status").contains("connection refused")
        .doesNotContain("null");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aBadAdminUrlSaysWhatAValidOneLooksLike() {
    for (String bad : List.of("notaurl", "ftp://127.0.0.1:9090", "http://", "http://exa mple")) {
      Run r = run("status", "--admin", bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("--admin").contains("http://HOST:PORT").contains("e.g. http://127.0.0.1:9090")
          .doesNotContain("undefined scheme").doesNotContain("null");
    }
  }

  @Test
  void aMissingFileIsNamedWithNoSuchFile() throws Exception {
    Run r = run("pub", "--admin", "http://127.0.0.1:" + closedPort(), "--topic", "t", "--file", "/nonexistent");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--file /nonexistent: no such file");
  }

  @Test
  void aMissingTokenFileIsNamed() throws Exception {
    Run r = run("status", "--admin", "http://127.0.0.1:" + closedPort(), "--token-file", "/nonexistent-token");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--token-file /nonexistent-token: no such file");
  }

  @Test
  void countZeroSpeaksOfCount() throws Exception {
    Run r = run("sub", "--admin", "http://127.0.0.1:" + closedPort(), "--topic", "t", "--count", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--count 0: must be at least 1").doesNotContain("limit");
  }

  /** Issue 15: duplicate keys are errors in a PUT body and a config file; so they are on params set's line. */
  @Test
  void paramsSetWithANameTwiceIsAnError() throws Exception {
    Run r = run("params", "set", "--admin", "http://127.0.0.1:" + closedPort(), "d=7", "dlo=5", "d=8");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("error: d given twice (d=7, d=8)" + System.lineSeparator());
  }

  @Test
  void errorRepliesCarryAReasonPhraseAndTheServersMessage() throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:1/v1/topics/t/messages")).GET().build();
    String m = AdminClient.failure(req, 429, JSON.readTree(
        "{\"code\":\"too_many_streams\",\"message\":\"64 message streams open, the maximum\"}"));
    assertThat(m).isEqualTo("HTTP 429 Too Many Requests from GET http://127.0.0.1:1/v1/topics/t/messages:"
        + " too_many_streams: 64 message streams open, the maximum");
    assertThat(AdminClient.status(503)).isEqualTo("HTTP 503 Service Unavailable");
    assertThat(AdminClient.status(299)).isEqualTo("HTTP 299");
  }

  @Test
  void reasonNeverSaysNull() {
    var refused = new java.net.ConnectException();
    refused.initCause(new java.net.ConnectException("Connection refused"));
    assertThat(AdminClient.reason(refused)).startsWith("connection refused");
    assertThat(AdminClient.reason(new java.io.IOException((String) null))).isEqualTo("IOException");
  }

  @Test
  void eachCommandPicksItsScopesTokenFileFromTheEnvironment() {
    AdminClient c = new AdminClient();
    Map<String, String> env = Map.of("TOPICMESH_ADMIN_TOKEN_FILE", "/t/admin",
        "TOPICMESH_ADMIN_PUBLISH_TOKEN_FILE", "/t/publish", "TOPICMESH_ADMIN_STATUS_TOKEN_FILE", "/t/status");
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.PUBLISH, env)).hasToString("/t/publish");
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.STATUS, env)).hasToString("/t/status");
    // no subscribe token configured: the admin token, which grants everything
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.SUBSCRIBE, env)).hasToString("/t/admin");
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.ADMIN, env)).hasToString("/t/admin");
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.PUBLISH, Map.of())).isNull();
    c.tokenFile = java.nio.file.Path.of("/given");
    assertThat(c.tokenFile(io.topicmesh.node.daemon.admin.AdminScope.PUBLISH, env)).hasToString("/given");
  }

  @Test
  void overHttpsWithAScopedTokenTheCliSaysWhichScopeIsMissing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    var ca = io.topicmesh.node.daemon.admin.TestCerts.ca("cli test CA");
    io.topicmesh.node.daemon.admin.TestCerts.write(dir,
        io.topicmesh.node.daemon.admin.TestCerts.serving(ca, "EC", "127.0.0.1"), ca, true);
    java.nio.file.Files.writeString(dir.resolve("publish"), "publish-token-for-cli\n");
    Daemon a = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("news"))), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    AdminServer admin = null;
    try {
      a.start();
      admin = new AdminServer(a, new InetSocketAddress("127.0.0.1", 0),
          io.topicmesh.node.daemon.admin.AdminAuth.of(
              Map.of(io.topicmesh.node.daemon.admin.AdminScope.PUBLISH, "publish-token-for-cli"), false, false),
          io.topicmesh.node.daemon.admin.AdminTls.load(dir.resolve("tls.crt"), dir.resolve("tls.key")), 4096);
      admin.start();
      String url = "https://127.0.0.1:" + admin.address().getPort();
      String ca1 = dir.resolve("ca.crt").toString();
      String tok = dir.resolve("publish").toString();
      Run pub = run("pub", "--admin", url, "--ca-file", ca1, "--token-file", tok, "--topic", "news", "--data", "hi");
      assertThat(pub.code()).as(pub.err()).isZero();
      Run status = run("status", "--admin", url, "--ca-file", ca1, "--token-file", tok);
      assertThat(status.code()).isEqualTo(1);
      assertThat(status.err()).contains("HTTP 403 Forbidden").contains("status scope").doesNotContain("publish-token-for-cli");
      Run untrusted = run("status", "--admin", url, "--token-file", tok);
      assertThat(untrusted.code()).isEqualTo(1);
      assertThat(untrusted.err()).contains("cannot reach");
    } finally {
      if (admin != null) {
        admin.close();
      }
      a.shutdown();
    }
  }

  @Test
  void statusAndParamsPrintTablesForPeopleAndJsonForScripts() throws Exception {
    Map<String, Object> base = Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"), "topics", List.of("news"));
    Daemon a = new Daemon(ConfigLoader.load(null, Map.of(), base), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    Daemon b = null;
    AdminServer admin = null;
    try {
      List<Multiaddr> addrs = a.start();
      b = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
          "topics", List.of("news"), "peers", List.of(addrs.get(0).toString()))),
          PrivKey.generate(KeyType.ED25519, new SecureRandom()), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 2);
      b.start();
      admin = new AdminServer(a, new InetSocketAddress("127.0.0.1", 0), null, 4096);
      admin.start();
      String url = "http://127.0.0.1:" + admin.address().getPort();
      Daemon peer = b;
      // ready alone is not enough: a node with no peer known is ready ("listening; no peers known"), and
      // stays so for two heartbeats after the peer arrives ("ready; recovering (…)")
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> a.router().meshPeers("news").contains(peer.peerId())
          && a.readiness().ready() && !a.readiness().reason().contains("recovering"));

      Run json = run("status", "--admin", url, "-o", "json");
      assertThat(json.code()).isZero();
      JsonNode s = JSON.readTree(json.out());
      assertThat(s.get("peerId").asText()).isEqualTo(a.peerId().toString());

      Run table = run("status", "--admin", url);
      assertThat(table.code()).isZero();
      List<String> lines = table.out().lines().toList();
      assertThat(lines.get(0)).matches("PEER ID +" + a.peerId());
      assertThat(lines).anyMatch(l -> l.matches("READY +yes \\(.+\\)"));
      assertThat(lines).anyMatch(l -> l.matches("PEER +DIRECTION +PROTOCOL +SCORE +MUXER +ADDRESS"));
      assertThat(lines).anyMatch(l -> l.matches(peer.peerId() + " +inbound +/meshsub/\\S+ +-?\\d+\\.\\d\\d +/\\S+ +/ip4/127\\.0\\.0\\.1/tcp/\\d+.*"));
      assertThat(lines).anyMatch(l -> l.matches("TOPIC +PEERS +MESH +FANOUT +MESSAGES"));
      assertThat(lines).anyMatch(l -> l.matches("news +1 +1 +0 +\\d+"));
      assertThat(table.out()).doesNotContain("{").doesNotContain("null");

      Run params = run("params", "get", "--admin", url);
      assertThat(params.code()).isZero();
      assertThat(params.out().lines().findFirst().orElseThrow()).matches("PARAMETER +VALUE");
      assertThat(params.out().lines()).anyMatch(l -> l.matches("d +" + s.path("params").path("d").asInt()));
      assertThat(params.out().lines()).anyMatch(l -> l.matches("dlo +" + s.path("params").path("dlo").asInt()));
      Run paramsJson = run("params", "get", "--admin", url, "--output", "json");
      assertThat(JSON.readTree(paramsJson.out())).isEqualTo(s.get("params"));
      Run badFormat = run("params", "get", "--admin", url, "-o", "yaml");
      assertThat(badFormat.code()).isEqualTo(2);
      assertThat(badFormat.err()).contains("-o").contains("table").contains("json");
    } finally {
      if (admin != null) {
        admin.close();
      }
      if (b != null) {
        b.shutdown();
      }
      a.shutdown();
    }
  }

  static synchronized Run runWithStdin(String stdin, String... args) {
    java.io.InputStream in = System.in;
    try {
      System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      return run(args);
    } finally {
      System.setIn(in);
    }
  }

  /** Issue 12: {@code pub --batch} publishes stdin's lines, or each --data, as one batch. */
  @Test
  void pubBatchPublishesEachLineOrEachDataAsOneBatch() throws Exception {
    Daemon a = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("news"))), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    AdminServer admin = null;
    List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    try {
      a.start();
      assertThat(a.addListener("news", m -> got.add(new String(m.message().data().toByteArray(), StandardCharsets.UTF_8))))
          .isTrue();
      admin = new AdminServer(a, new InetSocketAddress("127.0.0.1", 0), null, 1 << 20);
      admin.start();
      String url = "http://127.0.0.1:" + admin.address().getPort();

      Run lines = runWithStdin("one\r\ntwo\n\nthree", "pub", "--admin", url, "--topic", "news", "--batch");
      assertThat(lines.code()).as(lines.err()).isZero();
      List<String> out = lines.out().lines().toList();
      assertThat(out).hasSize(4);
      assertThat(out.subList(0, 3)).allMatch(l -> l.matches("published \\S+ to 0 peers"));
      assertThat(out.get(3)).isEqualTo("published a batch of 3 messages to news");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 3);
      assertThat(got).containsExactly("one", "two", "three");

      Run data = run("pub", "--admin", url, "--topic", "news", "--batch", "--data", "x", "--data", "y");
      assertThat(data.code()).as(data.err()).isZero();
      assertThat(data.out()).endsWith("published a batch of 2 messages to news\n");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 5);
      assertThat(got.subList(3, 5)).containsExactly("x", "y");

      Run twice = run("pub", "--admin", url, "--topic", "news", "--data", "x", "--data", "y");
      assertThat(twice.code()).isEqualTo(2);
      assertThat(twice.err()).isEqualTo("error: --data given 2 times: one message, or --batch for several\n");
      Run empty = runWithStdin("\n\n", "pub", "--admin", url, "--topic", "news", "--batch");
      assertThat(empty.code()).isEqualTo(2);
      assertThat(empty.err()).contains("--batch: 0 messages; a batch holds 1 to 1024");
      Run tooMany = runWithStdin("m\n".repeat(1025), "pub", "--admin", url, "--topic", "news", "--batch");
      assertThat(tooMany.code()).isEqualTo(2);
      assertThat(tooMany.err()).contains("--batch: 1025 messages; a batch holds 1 to 1024");
      // the node's refusal reaches the user: a reserved topic
      Run server = runWithStdin("m\n".repeat(3), "pub", "--admin", url, "--topic", "_topicmesh/probe", "--batch");
      assertThat(server.code()).isEqualTo(1);
      assertThat(server.err()).startsWith("error: ").contains("publish-batch");
      assertThat(got).hasSize(5);
    } finally {
      if (admin != null) {
        admin.close();
      }
      a.shutdown();
    }
  }

  @Test
  void aNodeWithNoPeersSaysSoInsteadOfAnEmptyTable() throws Exception {
    JsonNode s = JSON.readTree("{\"peerId\":\"12D3KooWX\",\"addrs\":[\"/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWX\"],"
        + "\"version\":\"dev\",\"uptimeSeconds\":3725,\"ready\":false,\"readyReason\":\"no peer connected\",\"live\":true,"
        + "\"peers\":[],\"topics\":[]}");
    String t = HumanOutput.status(s);
    assertThat(t).contains("READY       no (no peer connected)").contains("UPTIME      1h2m")
        .contains("No peers connected.").contains("No topics subscribed.");
  }
}
