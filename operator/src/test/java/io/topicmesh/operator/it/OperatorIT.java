package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.topicmesh.operator.OperatorMain;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.reconciler.Conditions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The whole operator (java-operator-sdk, informers, leader election, its HTTP endpoints) against a
 * real kube-apiserver, with fake nodes on loopback.
 */
class OperatorIT {
  @Test
  void operatorReconcilesAClusterToReadyAndExposesItsMetrics() throws Exception {
    KubernetesClient client = RealApiServer.client();
    String ns = RealApiServer.newNamespace("op");
    Map<String, FakeNode> nodes = new ConcurrentHashMap<>();
    StatefulSetSimulator sts = new StatefulSetSimulator(client);
    OperatorMain operator = OperatorMain.start(client, Map.of("WATCH_NAMESPACE", ns, "OPERATOR_HTTP_PORT", "0",
        "LEADER_ELECTION", "true", "LEADER_ELECTION_NAMESPACE", ns),
        pod -> Optional.ofNullable(nodes.get(pod.getMetadata().getName())).map(FakeNode::uri));
    try {
      TopicCluster cr = cluster("live", 3, "news");
      cr.getMetadata().setUid(null);
      cr.getMetadata().setGeneration(null);
      cr.getMetadata().setNamespace(ns);
      cr.getSpec().metrics.collectIntervalSeconds = 1;
      client.resource(cr).create();

      await("StatefulSet and identities").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> client.apps().statefulSets().inNamespace(ns).withName("live").get() != null
              && client.secrets().inNamespace(ns).withName("live-identity-2").get() != null);
      String token = new String(Base64.getDecoder().decode(client.secrets().inNamespace(ns).withName("live-admin-token")
          .get().getData().get("token")), StandardCharsets.UTF_8);
      await("peers in status").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            var c = client.resources(TopicCluster.class).inNamespace(ns).withName("live").get();
            return c.getStatus() != null && c.getStatus().peers != null && c.getStatus().peers.size() == 3;
          });
      var peers = client.resources(TopicCluster.class).inNamespace(ns).withName("live").get().getStatus().peers;
      for (int i = 0; i < 3; i++) {
        nodes.put("live-" + i, new FakeNode(token, peers.get(i).peerId));
      }
      for (int i = 0; i < 3; i++) {
        nodes.get("live-" + i).mesh("news", peers.get((i + 1) % 3).peerId, peers.get((i + 2) % 3).peerId);
      }
      sts.sync(ns, "live");

      await("cluster Ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
        TopicCluster live = client.resources(TopicCluster.class).inNamespace(ns).withName("live").get();
        assertThat(Conditions.isTrue(live.getStatus().conditions, Conditions.READY))
            .as(String.valueOf(live.getStatus().conditions)).isTrue();
        assertThat(live.getStatus().meshHealth).isEqualTo("Healthy");
        assertThat(live.getStatus().nodes).isEqualTo("3/3");
        assertThat(live.getStatus().topicCount).as(client.getKubernetesSerialization().asYaml(live)).isEqualTo(1);
      });
      assertThat(nodes.values()).allSatisfy(n -> assertThat(n.statusCalls.get()).isPositive());

      HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + operator.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("topicmesh_operator_reconciles_total", "topicmesh_operator_nodes_ready",
          "topicmesh_operator_mesh_degree_min");
      HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + operator.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(client.leases().inNamespace(ns).withName("topicmesh-operator-leader").get())
          .as("leader election lease").isNotNull();
      assertThat(client.v1().events().inNamespace(ns).list().getItems())
          .extracting(e -> e.getReason()).contains("ClusterReady");

      // Delete: the finalizer lets the operator forget the cluster, then the resource goes.
      client.resources(TopicCluster.class).inNamespace(ns).withName("live").delete();
      await("cluster deleted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> client.resources(TopicCluster.class).inNamespace(ns).withName("live").get() == null);
      String afterDelete = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + operator.httpPort() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      assertThat(afterDelete).as("per-cluster series (gauges, reconcile and event counters) removed")
          .doesNotContain("cluster=\"live\"");
    } finally {
      operator.stop();
      nodes.values().forEach(FakeNode::close);
    }
  }
}
