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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod command line with {@code k8s:} discovery and an API server that cannot be reached (a
 * closed loopback port in the kubeconfig): start-up does not wait for it. The admin API binds,
 * {@code /healthz} answers, {@code /readyz} and {@code /v1/status} say what discovery waits for,
 * the log says it in one line per attempt without a stack trace, and SIGTERM still ends the process.
 */
class DiscoveryStartupIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private JarProcess node;

  @AfterEach
  void tearDown() throws IOException {
    if (node != null) {
      node.close();
      assertThat(node.stderrText()).as("leak reports").doesNotContain("LEAK:");
    }
  }

  @Test
  void anUnreachableApiServerDelaysNothingAndIsNamedInTheLogReadinessAndStatus() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      closed = s.getLocalPort();
    }
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: gone
          cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
        users:
        - name: pod
          user: {token: pod-token}
        contexts:
        - name: pod
          context: {cluster: gone, user: pod}
        current-context: pod
        """.formatted(closed));
    Path token = tmp.resolve("token");
    Files.writeString(token, "admin-token");
    node = new JarProcess(List.of("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-listen", "127.0.0.1:0",
        "--admin-token-file", token.toString(), "--topic", "news", "--discovery", "k8s:demo-nodes"),
        tmp.resolve("node.stderr"), Map.of("KUBECONFIG", kubeconfig.toString(), "POD_NAMESPACE", "tm",
            "POD_NAME", "demo-0"));
    String admin = node.awaitLine("admin ").substring(6);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(admin + "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);

    String server = "https://127.0.0.1:" + closed;
    await().atMost(JarProcess.WAIT).untilAsserted(() -> {
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(admin + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
      assertThat(JSON.readTree(ready.body()).get("reason").asText())
          .startsWith("no peers known: discovery k8s:tm/demo-nodes waiting: waiting for API server " + server)
          .contains("service tm/demo-nodes").contains("ConnectException");
    });
    JsonNode status = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(admin + "/v1/status"))
        .header("Authorization", "Bearer admin-token").build(), HttpResponse.BodyHandlers.ofString()).body());
    JsonNode state = status.get("discovery").get("states").get(0);
    assertThat(state.get("source").asText()).isEqualTo("k8s:tm/demo-nodes");
    assertThat(state.get("state").asText()).isIn("waiting", "connecting");
    assertThat(state.get("synced").asBoolean()).isFalse();
    assertThat(status.get("discovery").get("sources").get(0).asText()).isEqualTo("k8s:demo-nodes");

    // one line per attempt naming server, namespace/service and cause; retried; no stack traces
    await().atMost(JarProcess.WAIT).until(() -> node.stderrText().lines()
        .filter(l -> l.contains("discovery source=k8s:tm/demo-nodes waiting for API server " + server)).count() >= 2);
    String log = node.stderrText();
    assertThat(log).contains("(attempt 1, next in 1000 ms)").contains("(attempt 2, next in 2000 ms)");
    assertThat(log.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by")).toList())
        .as("stack trace lines in\n%s", log).isEmpty();

    node.process.destroy();
    assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).as("exit after SIGTERM").isTrue();
    assertThat(node.process.exitValue()).isZero();
  }
}
