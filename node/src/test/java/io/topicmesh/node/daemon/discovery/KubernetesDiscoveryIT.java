package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.time.Duration;
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
  static final String NS = "tm-discovery";

  private static TestApiServer api;
  private static KubernetesClient client;

  @BeforeAll
  static void startApiServer() {
    api = TestApiServer.start();
    client = api.client();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static EndpointSlice slice(String name, String service, int port, String... ips) {
    return TestApiServer.slice(NS, name, service, port, ips);
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
      assertThat(d.status().state()).isEqualTo("watching");
      assertThat(d.status().synced()).isTrue();
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

  /**
   * A client the API server refuses (a token it does not know; this server ends such connections
   * with an HTTP/2 GOAWAY) is retried with backoff and the cause named, never reported as "no peers".
   */
  @Test
  void anApiServerThatRefusesTheClientIsRetriedAndTheCauseNamed() {
    String url = client.getConfiguration().getMasterUrl();
    KubernetesClient stranger = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
        new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(url).withTrustCerts(true)
            .withOauthToken("nobody").withRequestRetryBackoffLimit(0).build()).build();
    AtomicReference<Set<Multiaddr>> seen = new AtomicReference<>();
    try (KubernetesDiscovery d = new KubernetesDiscovery(NS, "nodes", 4001, stranger, true, Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(10))) {
      d.start(seen::set);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(d.status().state()).isEqualTo("waiting");
        assertThat(d.status().detail()).contains("waiting for API server " + url).contains("service " + NS + "/nodes")
            .contains("(attempt 2");
        assertThat(d.status().synced()).isFalse();
      });
      assertThat(seen.get()).isNull();
    }
  }
}
