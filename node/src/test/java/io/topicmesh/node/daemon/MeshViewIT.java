package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.daemon.admin.AdminServer;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.awt.image.BufferedImage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh view at {@code /ui/} in headless Chromium: a node's page (behind its token) and the page
 * {@code local} serves for its whole cluster. Checks the SVG in the DOM against the nodes' own
 * status, and the screenshot for every node circle in its colour. Screenshots stay in
 * {@code target/meshview/}.
 */
class MeshViewIT {
  private static final String TOKEN = "mesh-view-token-7c1d";
  private static final String TOPIC = "news";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SHOTS = Path.of("target", "meshview");

  @TempDir Path tmp;

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  @Test
  void aNodesPageDrawsItsMeshPeersWithTrafficAndScoresOnceGivenTheToken() throws Exception {
    Chromium chromium = Chromium.find(tmp);
    List<Daemon> nodes = new ArrayList<>();
    String first = null;
    for (int i = 0; i < 3; i++) {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("listen", List.of("/ip4/127.0.2." + (i + 1) + "/tcp/0"));
      f.put("topics", List.of(TOPIC));
      f.put("redial.minMs", 200);
      if (first != null) {
        f.put("peers", List.of(first));
      }
      Daemon n = new Daemon(ConfigLoader.load(null, Map.of(), f), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
          new SimpleMeterRegistry(), 1);
      closing.add(n);
      List<Multiaddr> bound = n.start();
      if (first == null) {
        first = bound.get(0).toString();
      }
      nodes.add(n);
    }
    Daemon self = nodes.get(0);
    AdminServer admin = new AdminServer(self, new InetSocketAddress("127.0.2.1", 0), TOKEN, 1 << 20);
    closing.add(admin);
    admin.start();
    String base = "http://127.0.2.1:" + admin.address().getPort();

    await().atMost(Duration.ofSeconds(60)).until(() -> nodes.stream().allMatch(n -> n.readiness().ready())
        && self.router().meshPeers(TOPIC).size() == 2);
    ScheduledExecutorService load = Executors.newSingleThreadScheduledExecutor();
    closing.add(load::shutdownNow);
    for (int i = 0; i < nodes.size(); i++) {
      Daemon from = nodes.get(i);
      load.scheduleAtFixedRate(() -> from.publish(TOPIC, LoadPayload.create(64)), 10L * i, 60, TimeUnit.MILLISECONDS);
    }
    // the status JSON carries each edge's counters
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      JsonNode topic = status(base, TOKEN).get("topics").get(0);
      return topic.get("edges").size() == 2 && topic.get("edges").findValues("messagesIn").stream().allMatch(v -> v.asLong() > 0)
          && topic.get("edges").findValues("messagesOut").stream().allMatch(v -> v.asLong() > 0);
    });

    // without the token the page asks for it and draws nothing
    String locked = chromium.dumpDom(base + "/ui/");
    assertThat(locked).contains("<form id=\"login\">").contains("needs a token");
    assertThat(MeshViewPicture.graphs(locked)).isEmpty();

    String url = base + "/ui/#token=" + TOKEN;
    String dom = chromium.dumpDom(url);
    assertThat(dom).contains("<form id=\"login\" hidden=\"\">").doesNotContain(TOKEN);
    Map<String, MeshViewPicture.Graph> graphs = MeshViewPicture.graphs(dom);
    assertThat(graphs).as(dom).containsOnlyKeys(TOPIC);
    MeshViewPicture.Graph g = graphs.get(TOPIC);
    List<String> ids = nodes.stream().map(n -> n.peerId().toString()).toList();
    assertThat(g.nodes()).extracting(MeshViewPicture.Node::peer).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(g.nodes()).extracting(MeshViewPicture.Node::fill).doesNotHaveDuplicates();
    assertThat(g.edges("mesh")).as("mesh edges of node 0").hasSize(2)
        .allSatisfy(e -> assertThat(e.a().equals(ids.get(0)) || e.b().equals(ids.get(0))).isTrue())
        .allSatisfy(e -> assertThat(e.messages()).as("messages on %s", e).isPositive());
    assertThat(g.edges("mesh")).anySatisfy(e -> assertThat(e.joins(ids.get(0), ids.get(1))).isTrue())
        .anySatisfy(e -> assertThat(e.joins(ids.get(0), ids.get(2))).isTrue());
    assertThat(Pattern.compile("score -?\\d+\\.\\d\\d").matcher(dom).results().count())
        .as("a score under each peer").isGreaterThanOrEqualTo(2);
    assertThat(dom).contains("mesh degree 2 (Dlo 5, D 6, Dhi 12)");

    Path png = chromium.screenshot(url, tmp.resolve("node.png"), 1280, 900);
    BufferedImage img = ImageIO.read(png.toFile());
    MeshViewPicture.assertDrawn(img, g.nodes().stream().map(MeshViewPicture.Node::fill).toList(), 150, 20_000);
    keep(png, "node.png");
  }

  @Test
  void localServesOnePageForTheWholeCluster() throws Exception {
    Chromium chromium = Chromium.find(tmp);
    JarProcess local = new JarProcess(List.of("local", "--nodes", "5", "--duration", "300", "--rate", "20", "--plain"),
        tmp.resolve("local.stderr"), Map.of());
    closing.add(local);
    String admin = local.awaitLine("admin ");
    assertThat(admin).matches("admin http://127\\.0\\.0\\.1:\\d+ \\(mesh view: http://127\\.0\\.0\\.1:\\d+/ui/\\)");
    String base = admin.split(" ")[1];
    await().atMost(Duration.ofSeconds(60)).until(() -> local.lines.stream().anyMatch(l -> l.contains("converged after")));

    JsonNode cluster = get(base + "/v1/cluster", null);
    assertThat(cluster.get("cluster").asText()).isEqualTo("local");
    List<String> ids = new ArrayList<>();
    Map<String, Set<String>> meshAlpha = new LinkedHashMap<>();
    for (JsonNode n : cluster.get("nodes")) {
      String id = n.get("status").get("peerId").asText();
      ids.add(id);
      Set<String> mesh = new HashSet<>();
      for (JsonNode t : n.get("status").get("topics")) {
        if (t.get("topic").asText().equals("alpha")) {
          t.get("mesh").forEach(p -> mesh.add(p.asText()));
        }
      }
      meshAlpha.put(id, mesh);
    }
    assertThat(ids).hasSize(5);

    String dom = chromium.dumpDom(base + "/ui/");
    Map<String, MeshViewPicture.Graph> graphs = MeshViewPicture.graphs(dom);
    assertThat(graphs).as(dom).containsOnlyKeys("alpha", "beta");
    for (MeshViewPicture.Graph g : graphs.values()) {
      assertThat(g.nodes()).as(g.topic()).extracting(MeshViewPicture.Node::peer).containsExactlyElementsOf(ids);
      assertThat(g.nodes()).extracting(MeshViewPicture.Node::fill).doesNotHaveDuplicates();
      // 5 nodes, Dlo 5: every node meshes with the 4 others
      assertThat(g.edges("mesh")).as(g.topic() + " mesh edges").hasSize(10)
          .allSatisfy(e -> assertThat(e.messages()).as("messages on %s", e).isPositive())
          .allSatisfy(e -> assertThat(e.rate()).as("rate on %s", e).isNotEmpty());
    }
    for (MeshViewPicture.Edge e : graphs.get("alpha").edges("mesh")) {
      assertThat(meshAlpha.get(e.a()).contains(e.b()) || meshAlpha.get(e.b()).contains(e.a()))
          .as("%s is a mesh edge in /v1/cluster", e).isTrue();
    }
    assertThat(dom).contains("local: 5 nodes, 5 ready");

    Path png = chromium.screenshot(base + "/ui/", tmp.resolve("local.png"), 1280, 900);
    BufferedImage img = ImageIO.read(png.toFile());
    MeshViewPicture.assertDrawn(img, graphs.get("alpha").nodes().stream().map(MeshViewPicture.Node::fill).toList(),
        150, 40_000);
    keep(png, "local.png");

    local.process.destroy(); // local's clean stop is LocalCommandIT's business
    assertThat(local.process.waitFor(60, TimeUnit.SECONDS)).as("local ends on SIGTERM").isTrue();
  }

  private JsonNode status(String base, String token) throws Exception {
    return get(base + "/v1/status", token);
  }

  private JsonNode get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static void keep(Path png, String name) throws Exception {
    Files.createDirectories(SHOTS);
    Files.copy(png, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
