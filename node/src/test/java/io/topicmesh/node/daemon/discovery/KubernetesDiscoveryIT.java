package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * EndpointSlice discovery against a real kube-apiserver (fabric8 kube-api-test, offline; the
 * binaries come from e2e/control-plane/build.sh, which scripts/prepare.sh runs).
 */
class KubernetesDiscoveryIT {
  static final String KUBE_VERSION = "1.34.4";
  static final String NS = "tm-discovery";

  private static KubeAPIServer server;
  private static KubernetesClient client;

  static Path testDir() {
    String explicit = System.getenv("KUBE_API_TEST_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String cache = System.getenv("TOPICMESH_CACHE");
    Path root = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "topicmesh");
    return root.resolve("kubeapitest");
  }

  @BeforeAll
  static void startApiServer() {
    Path bin = testDir().resolve("k8s").resolve(KUBE_VERSION + "-linux-amd64");
    for (String b : List.of("etcd", "kube-apiserver")) {
      if (!Files.isExecutable(bin.resolve(b))) {
        throw new AssertionError("Kubernetes " + KUBE_VERSION + " binary '" + b + "' is missing in " + bin
            + ": build it with e2e/control-plane/build.sh (scripts/prepare.sh runs it), or set KUBE_API_TEST_DIR");
      }
    }
    server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig().withOfflineMode(true)
        .withApiServerVersion(KUBE_VERSION).withTestDir(testDir().toString()).withUpdateKubeConfig(false)
        .withStartupTimeout(120_000).build());
    server.start();
    client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  private static EndpointSlice slice(String name, String service, int port, String... ips) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(NS)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType("IPv4")
        .addNewPort().withName("p2p").withPort(port).withProtocol("TCP").endPort();
    for (String ip : ips) {
      b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(false).endConditions().endEndpoint();
    }
    return b.build();
  }

  @Test
  void endpointSlicesOfTheServiceAreWatchedNewPodsAddedAndGoneOnesDropped() {
    client.resource(slice("nodes-a", "nodes", 4101, "10.0.0.1", "10.0.0.2")).create();
    client.resource(slice("other-a", "other", 4101, "10.9.9.9")).create();
    AtomicReference<Set<Multiaddr>> seen = new AtomicReference<>(Set.of());
    try (KubernetesDiscovery d = new KubernetesDiscovery(NS, "nodes", 4001, client, false)) {
      d.start(seen::set);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen.get()).containsExactlyInAnyOrder(
          Multiaddr.parse("/ip4/10.0.0.1/tcp/4101"), Multiaddr.parse("/ip4/10.0.0.2/tcp/4101")));
      // a new pod: its slice changes
      client.resource(slice("nodes-a", "nodes", 4101, "10.0.0.1", "10.0.0.2", "10.0.0.3")).update();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen.get())
          .contains(Multiaddr.parse("/ip4/10.0.0.3/tcp/4101")).hasSize(3));
      // a second slice of the same Service
      client.resource(slice("nodes-b", "nodes", 4101, "10.0.1.1")).create();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen.get()).hasSize(4));
      // pods gone
      client.resource(slice("nodes-a", "nodes", 4101, "10.0.0.3")).update();
      client.resource(slice("nodes-b", "nodes", 4101)).delete();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(seen.get())
          .containsExactly(Multiaddr.parse("/ip4/10.0.0.3/tcp/4101")));
    }
  }
}
