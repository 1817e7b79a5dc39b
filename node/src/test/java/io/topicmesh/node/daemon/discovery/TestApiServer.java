package io.topicmesh.node.daemon.discovery;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A real etcd + kube-apiserver for tests (fabric8 kube-api-test, offline). The binaries come from
 * e2e/control-plane/build.sh (scripts/prepare.sh runs it); when they are missing the test fails
 * saying so.
 */
public final class TestApiServer implements AutoCloseable {
  public static final String KUBE_VERSION = "1.34.4";

  private final KubeAPIServer server;
  private final KubernetesClient client;

  private TestApiServer(KubeAPIServer server) {
    this.server = server;
    this.client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
  }

  /** {@code $KUBE_API_TEST_DIR}, else {@code ${TOPICMESH_CACHE:-~/.cache/topicmesh}/kubeapitest}. */
  static Path testDir() {
    String explicit = System.getenv("KUBE_API_TEST_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String cache = System.getenv("TOPICMESH_CACHE");
    Path root = cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "topicmesh");
    return root.resolve("kubeapitest");
  }

  public static TestApiServer start() {
    Path bin = testDir().resolve("k8s").resolve(KUBE_VERSION + "-linux-amd64");
    for (String b : List.of("etcd", "kube-apiserver")) {
      if (!Files.isExecutable(bin.resolve(b))) {
        throw new AssertionError("Kubernetes " + KUBE_VERSION + " binary '" + b + "' is missing in " + bin
            + ": build it with e2e/control-plane/build.sh (scripts/prepare.sh runs it), or set KUBE_API_TEST_DIR");
      }
    }
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig().withOfflineMode(true)
        .withApiServerVersion(KUBE_VERSION).withTestDir(testDir().toString()).withUpdateKubeConfig(false)
        .withStartupTimeout(120_000).build());
    server.start();
    return new TestApiServer(server);
  }

  public KubernetesClient client() {
    return client;
  }

  /** A kubeconfig for child processes ({@code KUBECONFIG}). */
  public String kubeconfigYaml() {
    return server.getKubeConfigYaml();
  }

  /** An EndpointSlice of {@code service} with a {@code p2p} port and not-ready endpoints. */
  public static EndpointSlice slice(String namespace, String name, String service, int port, String... ips) {
    return slice("IPv4", namespace, name, service, port, ips);
  }

  /**
   * @param addressType IPv4, IPv6 or FQDN (the API server refuses loopback IPs, so tests that
   *     need reachable endpoints use FQDN {@code localhost} with one slice per port)
   */
  public static EndpointSlice slice(String addressType, String namespace, String name, String service, int port,
      String... ips) {
    EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace(namespace)
        .addToLabels("kubernetes.io/service-name", service).endMetadata()
        .withAddressType(addressType)
        .addNewPort().withName("p2p").withPort(port).withProtocol("TCP").endPort();
    for (String ip : ips) {
      b.addNewEndpoint().withAddresses(ip).withNewConditions().withReady(false).endConditions().endEndpoint();
    }
    return b.build();
  }

  @Override
  public void close() {
    client.close();
    server.stop();
  }
}
