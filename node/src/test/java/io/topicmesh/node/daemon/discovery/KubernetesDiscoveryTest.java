package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** EndpointSlice discovery when the API server cannot be reached: start never waits, the state says why. */
class KubernetesDiscoveryTest {
  /** A loopback port nothing listens on. */
  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
      return s.getLocalPort();
    }
  }

  @Test
  void anUnreachableApiServerNeverBlocksStartAndIsRetriedWithBackoffSayingWhy() throws Exception {
    int port = closedPort();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("https://127.0.0.1:" + port).withTrustCerts(true).withOauthToken("t")
        .withRequestRetryBackoffLimit(0).build()).build();
    AtomicReference<Set<Multiaddr>> seen = new AtomicReference<>();
    try (KubernetesDiscovery d = new KubernetesDiscovery("tm", "demo-nodes", 4001, client, true,
        Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(10))) {
      assertThat(d.status().synced()).isFalse();
      assertTimeoutPreemptively(Duration.ofSeconds(2), () -> d.start(seen::set), "start must not wait for the API server");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        DiscoverySource.Status s = d.status();
        assertThat(s.state()).isEqualTo("waiting");
        assertThat(s.detail()).contains("API server https://127.0.0.1:" + port)
            .contains("service tm/demo-nodes").contains("ConnectException").contains("(attempt 3");
      });
      assertThat(d.status().source()).isEqualTo("k8s:tm/demo-nodes");
      assertThat(d.status().synced()).isFalse();
      assertThat(seen.get()).as("nothing reported before a list has synced").isNull();
    }
  }

  @Test
  void backoffDoublesUpToItsCap() {
    assertThat(KubernetesDiscovery.backoffMillis(1000, 30_000, 0)).isEqualTo(1000);
    assertThat(KubernetesDiscovery.backoffMillis(1000, 30_000, 1)).isEqualTo(2000);
    assertThat(KubernetesDiscovery.backoffMillis(1000, 30_000, 4)).isEqualTo(16_000);
    assertThat(KubernetesDiscovery.backoffMillis(1000, 30_000, 5)).isEqualTo(30_000);
    assertThat(KubernetesDiscovery.backoffMillis(1000, 30_000, 1_000_000)).isEqualTo(30_000);
  }

  @Test
  void causesAreOneLineWithTheInnermostReason() {
    Exception e = new io.fabric8.kubernetes.client.KubernetesClientException("outer", new java.util.concurrent.CompletionException(
        new java.net.ConnectException("Connection refused\nsecond line")));
    assertThat(KubernetesDiscovery.describe(e)).isEqualTo("ConnectException: Connection refused second line");
    assertThat(KubernetesDiscovery.describe(new java.util.concurrent.CompletionException(new java.net.ConnectException()
        .initCause(new java.nio.channels.ClosedChannelException())))).isEqualTo("ConnectException (ClosedChannelException)");
    assertThat(KubernetesDiscovery.describe(new io.fabric8.kubernetes.client.KubernetesClientException("Forbidden", 403, null)))
        .isEqualTo("HTTP 403: KubernetesClientException: Forbidden");
  }
}
