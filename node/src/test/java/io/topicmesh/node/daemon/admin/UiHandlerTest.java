package io.topicmesh.node.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API's /ui/ route: a static page served without the token, while the data still needs it. */
class UiHandlerTest {
  private static Daemon node;
  private static AdminServer admin;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void start() throws Exception {
    node = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("news"))), PrivKey.generate(KeyType.ED25519, new SecureRandom()), new SimpleMeterRegistry(), 1);
    node.start();
    admin = new AdminServer(node, new InetSocketAddress("127.0.0.1", 0), "ui-token", 4096);
    admin.start();
  }

  @AfterAll
  static void stop() {
    admin.close();
    node.shutdown();
  }

  private static HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageAndItsFilesNeedNoTokenAndLoadNothingFromElsewhere() throws Exception {
    HttpResponse<String> page = send("GET", "/ui/");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(UiHandler.CSP);
    assertThat(page.body()).contains("<script src=\"meshview.js\"></script>").doesNotContain("http://")
        .doesNotContain("https://");
    HttpResponse<String> js = send("GET", "/ui/meshview.js");
    assertThat(js.statusCode()).isEqualTo(200);
    assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
    assertThat(js.body()).contains("../v1/status").contains("../v1/cluster").doesNotContain("https://");
    assertThat(send("GET", "/ui/meshview.css").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/ui/index.html").body()).isEqualTo(page.body());
    assertThat(send("HEAD", "/ui/").statusCode()).isEqualTo(200);
  }

  @Test
  void theDataItReadsStillNeedsTheToken() throws Exception {
    assertThat(send("GET", "/v1/status").statusCode()).isEqualTo(401);
  }

  @Test
  void badRequestsGetClearErrors() throws Exception {
    HttpResponse<String> missing = send("GET", "/ui/../v1/status");
    assertThat(missing.statusCode()).isIn(401, 404); // the client may normalise the path; never 200 without a token
    HttpResponse<String> unknown = send("GET", "/ui/secret.txt");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no such file in the mesh view: /ui/secret.txt");
    assertThat(send("POST", "/ui/").statusCode()).isEqualTo(405);
    HttpResponse<String> bare = send("GET", "/ui");
    assertThat(bare.statusCode()).isEqualTo(308);
    assertThat(bare.headers().firstValue("Location")).hasValue("/ui/");
  }
}
