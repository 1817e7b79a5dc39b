package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.topicmesh.node.daemon.discovery.TestApiServer;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pod command line the operator uses ({@code run … --config node.yaml --discovery
 * k8s:<service>} with POD_IP, POD_NAME, POD_NAMESPACE), the shaded jar as separate processes,
 * discovering each other through EndpointSlices of a real kube-apiserver.
 */
class KubernetesClusterIT {
  private static final String NS = "tm-pods";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private final List<JarProcess> procs = new ArrayList<>();
  private TestApiServer api;

  @AfterEach
  void tearDown() throws IOException {
    for (JarProcess p : procs) {
      p.close();
    }
    if (api != null) {
      api.close();
    }
    for (JarProcess p : procs) {
      assertThat(p.stderrText()).as("leak reports in " + p.stderr.getFileName()).doesNotContain("LEAK:");
    }
  }

  @Test
  void podsFindEachOtherThroughEndpointSlices() throws Exception {
    api = TestApiServer.start();
    api.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, api.kubeconfigYaml());
    Path token = tmp.resolve("token");
    Files.writeString(token, "pod-token");
    Path config = tmp.resolve("node.yaml");
    // as the operator writes it
    Files.writeString(config, """
        cluster: demo
        namespace: %s
        discovery: k8s:demo-nodes
        topics:
        - name: blocks
          validation: StrictSign
        thresholds: {gossipThreshold: -10.0, publishThreshold: -50.0, graylistThreshold: -80.0, acceptPxThreshold: 10.0, opportunisticGraftThreshold: 5.0}
        params: {d: 3, dlo: 2, dhi: 6, dlazy: 3, dout: 1, dscore: 2, heartbeatIntervalMs: 1000, historyLength: 5, historyGossip: 3, fanoutTtlMs: 60000, seenTtlMs: 120000, floodPublish: true, idontwantThreshold: 1024}
        """.formatted(NS));
    // The API server refuses loopback IPs in EndpointSlices: the slice holds FQDNs that the pods'
    // JVMs resolve to their 127.0.6.x addresses through a hosts file (jdk.net.hosts.file).
    Path hosts = tmp.resolve("hosts");
    Files.writeString(hosts, "127.0.6.1 pod-1.demo.test\n127.0.6.2 pod-2.demo.test\n127.0.6.3 pod-3.demo.test\n");
    int port;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.6.1"), 0));
      port = s.getLocalPort();
    }
    api.client().resource(TestApiServer.slice("FQDN", NS, "demo-nodes-abc", "demo-nodes", port, "pod-1.demo.test",
        "pod-2.demo.test", "pod-3.demo.test")).create();
    List<String> ids = new ArrayList<>();
    List<String> admins = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      String ip = "127.0.6." + i;
      JarProcess p = new JarProcess(List.of("run", "--listen", "/ip4/" + ip + "/tcp/" + port, "--admin-listen", ip + ":0",
          "--admin-token-file", token.toString(), "--key-file", tmp.resolve("key" + i).toString(), "--config",
          config.toString(), "--discovery", "k8s:demo-nodes"), tmp.resolve("pod" + i + ".stderr"),
          Map.of("KUBECONFIG", kubeconfig.toString(), "POD_IP", ip, "POD_NAME", "demo-" + i, "POD_NAMESPACE", NS,
              "LOG_FORMAT", "json", "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + hosts));
      procs.add(p);
      ids.add(p.awaitLine("peer-id ").substring(8));
      admins.add(p.awaitLine("admin ").substring(6));
    }
    HttpClient http = HttpClient.newHttpClient();
    for (int i = 0; i < 3; i++) {
      String admin = admins.get(i);
      int me = i;
      await().atMost(JarProcess.WAIT).untilAsserted(() -> {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(admin + "/v1/status"))
            .header("Authorization", "Bearer pod-token").build(), HttpResponse.BodyHandlers.ofString());
        JsonNode s = JSON.readTree(r.body());
        List<String> peers = new ArrayList<>();
        s.get("peers").forEach(p -> peers.add(p.get("peerId").asText()));
        List<String> others = new ArrayList<>(ids);
        others.remove(me);
        assertThat(peers).containsExactlyInAnyOrderElementsOf(others);
        assertThat(s.get("ready").asBoolean()).as(s.get("readyReason").asText()).isTrue();
        assertThat(s.get("addrs").toString()).contains("/ip4/127.0.6." + (me + 1) + "/tcp/" + port + "/p2p/");
      });
    }
    // JSON logs: one object per line
    String log = procs.get(0).stderrText();
    assertThat(log.lines().filter(l -> !l.isBlank() && !l.startsWith("Picked up JAVA_TOOL_OPTIONS")).findFirst()
        .orElseThrow()).startsWith("{").endsWith("}");
    // (the JSON encoder writes '/' as '\\/')
    assertThat(log).contains("discovery source=k8s:" + NS + "\\/demo-nodes peers=3");

    // a pod goes away: its address leaves the slice and the others stop dialing it
    api.client().resource(TestApiServer.slice("FQDN", NS, "demo-nodes-abc", "demo-nodes", port, "pod-1.demo.test",
        "pod-2.demo.test")).update();
    procs.get(2).process.destroy();
    assertThat(procs.get(2).process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(procs.get(2).process.exitValue()).isZero();
    await().atMost(JarProcess.WAIT).until(() -> procs.get(0).stderrText().contains("discovery source=k8s:" + NS
        + "\\/demo-nodes peers=2"));
  }
}
