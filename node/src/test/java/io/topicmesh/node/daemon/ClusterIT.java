package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.topicmesh.node.daemon.discovery.TestDnsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Four {@code run} daemons as separate processes on 127.0.3.x: two find each other through DNS A
 * records of a test DNS server, one through a static address, one through DNS SRV; all share a
 * config file and differ by flags. Every admin endpoint and the clients are exercised; a params
 * change reaches the router and shows in status and metrics; SIGTERM exits 0 and leaves no mesh
 * pointing at the stopped node.
 */
class ClusterIT {
  private static final String TOKEN = "it-token-123";
  private static final String TOPIC = "events";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private final List<JarProcess> procs = new ArrayList<>();
  private TestDnsServer dns;
  private HttpClient http;
  private Path tokenFile;

  @BeforeEach
  void setUp() throws IOException {
    dns = new TestDnsServer();
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (JarProcess p : procs) {
      p.close();
    }
    dns.close();
    for (JarProcess p : procs) {
      String err = p.stderrText();
      assertThat(err).as("leak reports in " + p.stderr.getFileName()).doesNotContain("LEAK:");
      assertThat(err).as("stack traces in " + p.stderr.getFileName()).doesNotContain("\tat ");
    }
  }

  /** One daemon: its process, peer id and admin URL. */
  record Node(JarProcess proc, String peerId, String admin) {}

  private Node start(String name, String ip, int port, Path config, String... extra) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--listen", "/ip4/" + ip + "/tcp/" + port,
        "--admin-listen", ip + ":0", "--admin-token-file", tokenFile.toString(), "--config", config.toString()));
    args.addAll(List.of(extra));
    JarProcess p = new JarProcess(args, tmp.resolve(name + ".stderr"), Map.of("LOG_FORMAT", "text"));
    procs.add(p);
    String id = p.awaitLine("peer-id ").substring("peer-id ".length());
    String admin = p.awaitLine("admin ").substring("admin ".length());
    return new Node(p, id, admin);
  }

  private static int freePort(String ip) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(ip), 0));
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> call(Node n, String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(n.admin() + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode status(Node n) throws Exception {
    HttpResponse<String> r = call(n, "GET", "/v1/status", null, TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static List<String> mesh(JsonNode status, String topic) {
    List<String> out = new ArrayList<>();
    for (JsonNode t : status.get("topics")) {
      if (t.get("topic").asText().equals(topic)) {
        t.get("mesh").forEach(m -> out.add(m.asText()));
      }
    }
    return out;
  }

  private static List<String> peers(JsonNode status) {
    List<String> out = new ArrayList<>();
    status.get("peers").forEach(p -> out.add(p.get("peerId").asText()));
    return out;
  }

  private JarProcess client(String name, String... args) throws IOException {
    JarProcess p = new JarProcess(List.of(args), tmp.resolve(name + ".stderr"), Map.of());
    procs.add(p);
    return p;
  }

  private static double metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " ([0-9.eE+-]+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }

  @Test
  void aDiscoveredClusterServesItsAdminApiAndShutsDownGracefully() throws Exception {
    int port = freePort("127.0.3.1");
    dns.setAddresses("nodes.topicmesh.test", List.of(InetAddress.getByName("127.0.3.1"), InetAddress.getByName("127.0.3.2")));
    dns.addSrv("_p2p._tcp.nodes.topicmesh.test", port, "nodes.topicmesh.test");
    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, """
        topics: [%s]
        redial: {minMs: 200, maxMs: 2000}
        discoveryIntervalMs: 500
        params: {d: 3, dlo: 2, dhi: 6, dout: 1, dscore: 2}
        """.formatted(TOPIC));
    String dnsFlag = "--dns-server=" + dns.hostPort();
    Node n1 = start("node1", "127.0.3.1", port, config, "--discovery", "dns:nodes.topicmesh.test", dnsFlag);
    Node n2 = start("node2", "127.0.3.2", port, config, "--discovery", "dns:nodes.topicmesh.test", dnsFlag);
    Node n3 = start("node3", "127.0.3.3", port, config, "--discovery", "static:/ip4/127.0.3.1/tcp/" + port);
    Node n4 = start("node4", "127.0.3.4", port, config, "--discovery", "dnssrv:_p2p._tcp.nodes.topicmesh.test", dnsFlag);
    List<Node> all = List.of(n1, n2, n3, n4);

    // Discovery: node2 knows others only through DNS A records, node4 only through SRV.
    for (Node n : all) {
      await().atMost(JarProcess.WAIT).untilAsserted(() -> {
        HttpResponse<String> r = call(n, "GET", "/readyz", null, null);
        assertThat(r.statusCode()).as(n.admin() + " readyz " + r.body()).isEqualTo(200);
        // readiness: meshed up to Dlo (2) or to every peer in the topic (node3 knows only node1)
        JsonNode st = status(n);
        assertThat(mesh(st, TOPIC)).hasSizeGreaterThanOrEqualTo(Math.min(2, peers(st).size())).isNotEmpty();
      });
    }
    assertThat(peers(status(n2))).contains(n1.peerId());
    assertThat(peers(status(n4))).containsAnyOf(n1.peerId(), n2.peerId());
    assertThat(dns.queries()).isPositive();

    // healthz and metrics need no token; the API does.
    assertThat(call(n1, "GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    assertThat(call(n1, "GET", "/v1/status", null, null).statusCode()).isEqualTo(401);
    assertThat(call(n1, "GET", "/v1/status", null, "nope").statusCode()).isEqualTo(401);
    String metrics = call(n1, "GET", "/metrics", null, null).body();
    assertThat(metrics).contains("jvm_memory_used_bytes").contains("process_cpu_usage").contains("topicmesh_pubsub_");

    // Status shape the operator relies on.
    JsonNode s1 = status(n1);
    assertThat(s1.get("peerId").asText()).isEqualTo(n1.peerId());
    assertThat(s1.get("addrs").toString()).contains("/ip4/127.0.3.1/tcp/" + port);
    for (JsonNode p : s1.get("peers")) {
      assertThat(p.get("protocol").asText()).startsWith("/meshsub/");
      assertThat(p.get("score").isNumber()).isTrue();
    }

    // Publish on node1 (API), node4 streams it (SSE); then the clients.
    HttpRequest sse = HttpRequest.newBuilder(URI.create(n4.admin() + "/v1/topics/" + TOPIC + "/messages?limit=1"))
        .header("Authorization", "Bearer " + TOKEN).GET().build();
    CompletableFuture<HttpResponse<String>> stream = http.sendAsync(sse, HttpResponse.BodyHandlers.ofString());
    await().atMost(JarProcess.WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      assertThat(call(n1, "POST", "/v1/topics/" + TOPIC + "/publish", "{\"data\": \"over the wire\"}", TOKEN).statusCode())
          .isEqualTo(200);
      return stream.isDone();
    });
    assertThat(stream.get().body()).contains("\"data\":\"over the wire\"").contains("\"from\":\"" + n1.peerId() + "\"");
    assertThat(JSON.readTree(status(n4).get("traffic").toString()).get("delivered").asLong()).isPositive();

    JarProcess sub = client("sub", "sub", "--admin", n3.admin(), "--token-file", tokenFile.toString(), "--topic", TOPIC,
        "--count", "1");
    await().atMost(JarProcess.WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      JarProcess pub = client("pub", "pub", "--admin", n2.admin(), "--token-file", tokenFile.toString(), "--topic", TOPIC,
          "--data", "from the pub client");
      assertThat(pub.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(pub.process.exitValue()).isZero();
      return sub.find("from the pub client").isPresent();
    });
    assertThat(sub.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(sub.process.exitValue()).isZero();

    JarProcess statusCli = client("status", "status", "--admin", n2.admin(), "--token-file", tokenFile.toString(),
        "-o", "json");
    assertThat(statusCli.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(String.join("\n", statusCli.lines)).contains("\"peerId\" : \"" + n2.peerId() + "\"");
    JarProcess statusTable = client("status-table", "status", "--admin", n2.admin(), "--token-file", tokenFile.toString());
    assertThat(statusTable.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(String.join("\n", statusTable.lines)).contains("PEER ID", n2.peerId().toString(), "TOPIC", TOPIC);

    // Topics: subscribe and unsubscribe through the API.
    assertThat(call(n2, "PUT", "/v1/topics/extra", null, TOKEN).statusCode()).isEqualTo(201);
    assertThat(status(n2).get("topics").toString()).contains("\"extra\"");
    assertThat(call(n2, "DELETE", "/v1/topics/extra", null, TOKEN).statusCode()).isEqualTo(204);
    assertThat(call(n2, "DELETE", "/v1/topics/extra", null, TOKEN).statusCode()).isEqualTo(404);

    // Bad input to a real process: 4xx, nothing changes.
    assertThat(call(n3, "PUT", "/v1/params", "{\"d\":", TOKEN).statusCode()).isEqualTo(400);
    assertThat(call(n3, "PUT", "/v1/params", "{\"d\": 100}", TOKEN).statusCode()).isEqualTo(400);
    JarProcess badSet = client("params-bad", "params", "set", "--admin", n3.admin(), "--token-file", tokenFile.toString(),
        "dlo=9");
    assertThat(badSet.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(badSet.process.exitValue()).isEqualTo(1);
    assertThat(Files.readString(tmp.resolve("params-bad.stderr"))).contains("invalid_params").contains("dlo=9");
    assertThat(status(n3).get("params").get("dlo").asInt()).isEqualTo(2);

    // A params change through the client reaches the router: status and metrics show it.
    JarProcess set = client("params-set", "params", "set", "--admin", n3.admin(), "--token-file", tokenFile.toString(),
        "dhi=7", "dlazy=5");
    assertThat(set.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(set.process.exitValue()).isZero();
    await().atMost(JarProcess.WAIT).untilAsserted(() -> {
      assertThat(status(n3).get("params").get("dhi").asInt()).isEqualTo(7);
      String m = call(n3, "GET", "/metrics", null, null).body();
      assertThat(metric(m, "topicmesh_node_param{name=\"dhi\"}")).isEqualTo(7.0);
      assertThat(metric(m, "topicmesh_node_param{name=\"dlazy\"}")).isEqualTo(5.0);
    });
    JarProcess get = client("params-get", "params", "get", "--admin", n3.admin(), "--token-file", tokenFile.toString(),
        "-o", "json");
    assertThat(get.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(String.join("\n", get.lines)).contains("\"dhi\" : 7");

    // SIGTERM node2: exit 0 within the grace period; after one heartbeat no mesh points at it.
    assertThat(mesh(status(n1), TOPIC).contains(n2.peerId()) || mesh(status(n4), TOPIC).contains(n2.peerId())
        || mesh(status(n3), TOPIC).contains(n2.peerId())).as("node2 is in someone's mesh before").isTrue();
    n2.proc().process.destroy();
    assertThat(n2.proc().process.waitFor(20, TimeUnit.SECONDS)).as("exits within the grace period").isTrue();
    assertThat(n2.proc().process.exitValue()).isZero();
    assertThat(n2.proc().stderrText()).contains("received SIGTERM").contains("host closed");
    long heartbeatMs = status(n1).get("params").get("heartbeatIntervalMs").asLong();
    // one heartbeat, plus the time to ask three processes on a busy machine
    await().atMost(Duration.ofMillis(heartbeatMs + 4000)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      for (Node n : List.of(n1, n3, n4)) {
        assertThat(mesh(status(n), TOPIC)).as("mesh of " + n.peerId()).doesNotContain(n2.peerId());
      }
    });
  }

  @Test
  void invalidConfigurationExitsNonZeroNamingFieldValueAndWhatIsAllowed() throws Exception {
    Path config = tmp.resolve("bad.yaml");
    Files.writeString(config, "params: {d: 4, dlo: 5}\n");
    JarProcess bad = new JarProcess(List.of("run", "--listen", "/ip4/127.0.3.9/tcp/0", "--config", config.toString()),
        tmp.resolve("bad.stderr"), Map.of());
    procs.add(bad);
    assertThat(bad.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.process.exitValue()).isNotZero();
    assertThat(bad.stderrText()).contains("error: params.dlo=5: must be <= d (4)");

    JarProcess badEnv = new JarProcess(List.of("run", "--listen", "/ip4/127.0.3.9/tcp/0"), tmp.resolve("badenv.stderr"),
        Map.of("TOPICMESH_MAX_CONNECTIONS", "-3"));
    procs.add(badEnv);
    assertThat(badEnv.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(badEnv.process.exitValue()).isNotZero();
    assertThat(badEnv.stderrText()).contains("maxConnections=-3: an integer in [1, 65536]");
  }
}
