package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9: mesh probes on a local cluster of real daemons ({@code java -jar … run}) on loopback.
 * A healthy mesh shows every other node as a probe publisher and a delivery ratio of 1 with
 * latencies; a node frozen with SIGSTOP (as good as partitioned: its connections stay open, nothing
 * moves) makes the others count its probes as missed; after SIGCONT the misses stop growing; a node
 * stopped with SIGTERM says bye and is no longer expected.
 */
class ProbeIT {
  private static final String TOKEN = "probe-it-token";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path tmp;

  private final List<JarProcess> procs = new ArrayList<>();
  private final List<Long> frozen = new ArrayList<>();
  private HttpClient http;
  private Path tokenFile;

  record Node(JarProcess proc, String peerId, String admin) {}

  @BeforeEach
  void setUp() throws IOException {
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    tokenFile = tmp.resolve("token");
    Files.writeString(tokenFile, TOKEN + "\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (long pid : frozen) {
      signal("CONT", pid);
    }
    for (JarProcess p : procs) {
      p.close();
    }
    for (JarProcess p : procs) {
      p.process.waitFor(10, TimeUnit.SECONDS);
      assertThat(p.stderrText()).as("leak reports in " + p.stderr.getFileName()).doesNotContain("LEAK:");
    }
  }

  private static void signal(String sig, long pid) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
    assertThat(k.waitFor(10, TimeUnit.SECONDS)).as("kill -" + sig + " finished").isTrue();
    assertThat(k.exitValue()).as("kill -" + sig + " " + pid).isZero();
  }

  private Node start(String name, String ip, int port, List<String> peers) throws IOException {
    List<String> args = new ArrayList<>(List.of("run", "--listen", "/ip4/" + ip + "/tcp/" + port, "--admin-listen",
        ip + ":0", "--admin-token-file", tokenFile.toString(), "--topic", "events", "--probe-interval", "300ms"));
    for (String p : peers) {
      args.add("--peer");
      args.add(p);
    }
    JarProcess p = new JarProcess(args, tmp.resolve(name + ".stderr"), Map.of("LOG_FORMAT", "text",
        "TOPICMESH_PARAMS_D", "3", "TOPICMESH_PARAMS_DLO", "2", "TOPICMESH_PARAMS_DHI", "6", "TOPICMESH_PARAMS_DOUT", "1",
        "TOPICMESH_PARAMS_DSCORE", "2"));
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

  private String get(Node n, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(n.admin() + path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    return r.body();
  }

  private JsonNode probes(Node n) throws Exception {
    return JSON.readTree(get(n, "/v1/status")).get("probes");
  }

  private static long missed(JsonNode p) {
    return p.get("totals").get("expected").asLong() - p.get("totals").get("received").asLong();
  }

  @Test
  void probesMeasureAHealthyMeshAndAFrozenOrStoppedNode() throws Exception {
    int port = freePort("127.0.9.1");
    List<Node> all = new ArrayList<>();
    List<String> addrs = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      Node n = start("node" + i, "127.0.9." + i, port, addrs);
      all.add(n);
      addrs.add("/ip4/127.0.9." + i + "/tcp/" + port + "/p2p/" + n.peerId());
    }

    // healthy: every node hears the three others, nothing missed, latencies measured
    for (Node n : all) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        JsonNode p = probes(n);
        assertThat(p.get("enabled").asBoolean()).isTrue();
        assertThat(p.get("topic").asText()).isEqualTo("_topicmesh/probe");
        assertThat(p.get("publishers").asInt()).as(n.admin() + " publishers").isEqualTo(3);
        assertThat(p.get("expected").asLong()).as(n.admin() + " expected").isGreaterThanOrEqualTo(30);
        assertThat(p.get("latencyP99Ms").isNumber()).as(n.admin() + " p99 " + p).isTrue();
      });
    }
    for (Node n : all) {
      JsonNode p = probes(n);
      assertThat(p.get("deliveryRatio").asDouble()).as(n.admin() + " ratio " + p).isEqualTo(1.0);
      assertThat(p.get("latencyP50Ms").asDouble()).isPositive().isLessThan(500);
      assertThat(p.get("clockSkew").get("probes").asLong()).as("one machine, one clock").isZero();
      JsonNode status = JSON.readTree(get(n, "/v1/status"));
      assertThat(status.get("traffic").get("published").asLong()).as("probes are not user traffic").isZero();
      assertThat(status.get("traffic").get("delivered").asLong()).isZero();
      assertThat(status.get("topics").toString()).doesNotContain("_topicmesh");
      String metrics = get(n, "/metrics");
      assertThat(metrics).contains("topicmesh_probe_expected_total ", "topicmesh_probe_received_total ",
          "topicmesh_probe_latency_seconds_bucket{le=", "topicmesh_probe_delivery_ratio 1.0", "topicmesh_probe_publishers 3.0");
    }

    // node4 frozen: the others count its probes as missed and their ratio drops
    Node victim = all.get(3);
    List<Node> rest = all.subList(0, 3);
    Map<Node, Long> before = new HashMap<>();
    for (Node n : rest) {
      before.put(n, missed(probes(n)));
    }
    signal("STOP", victim.proc().process.pid());
    frozen.add(victim.proc().process.pid());
    for (Node n : rest) {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        JsonNode p = probes(n);
        assertThat(missed(p) - before.get(n)).as(n.admin() + " missed since the freeze").isGreaterThanOrEqualTo(10);
        assertThat(p.get("deliveryRatio").asDouble()).as(n.admin() + " ratio").isLessThan(0.95);
      });
    }

    // thawed: its backlog arrives late, and the misses stop growing
    signal("CONT", victim.proc().process.pid());
    frozen.remove(victim.proc().process.pid());
    Node watcher = rest.get(0);
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> probes(watcher).get("totals").get("late").asLong() > 0);
    long[] last = {missed(probes(watcher)), System.nanoTime()};
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
      long m = missed(probes(watcher));
      if (m != last[0]) {
        last[0] = m;
        last[1] = System.nanoTime();
        return false;
      }
      return System.nanoTime() - last[1] > Duration.ofSeconds(4).toNanos(); // no new miss for 4 s (13 intervals)
    });
    assertThat(probes(watcher).get("publishers").asInt()).isEqualTo(3);

    // node4 stopped gracefully: its bye removes it from the others' expectations, no misses follow
    victim.proc().process.destroy();
    assertThat(victim.proc().process.waitFor(30, TimeUnit.SECONDS)).as("node4 exits on SIGTERM").isTrue();
    await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> probes(watcher).get("publishers").asInt() == 2);
    long afterBye = missed(probes(watcher));
    assertThat(probes(watcher).get("totals").get("forgottenPublishers").asLong()).isZero();
    await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).untilAsserted(() ->
        assertThat(missed(probes(watcher))).as("misses after the bye").isEqualTo(afterBye));
  }
}
