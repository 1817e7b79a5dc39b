package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.topicmesh.operator.OperatorMain;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Two operator replicas: one leads and reconciles; when it stops, the other takes over. */
class LeaderElectionIT {
  @Test
  void onlyTheLeaderReconcilesAndAStandbyTakesOver() throws Exception {
    KubernetesClient client = RealApiServer.client();
    String ns = RealApiServer.newNamespace("le");
    Map<String, String> env = Map.of("WATCH_NAMESPACE", ns, "OPERATOR_HTTP_PORT", "0", "LEADER_ELECTION", "true",
        "LEADER_ELECTION_NAMESPACE", ns);
    OperatorMain first = OperatorMain.start(client, env, pod -> Optional.empty());
    OperatorMain second = null;
    try {
      await("first leads").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> holder(client, ns).equals(first.identity()));
      second = OperatorMain.start(client, env, pod -> Optional.empty());
      TopicCluster cr = cluster("led", 1, "news");
      cr.getMetadata().setUid(null);
      cr.getMetadata().setGeneration(null);
      cr.getMetadata().setNamespace(ns);
      client.resource(cr).create();
      await("reconciled by the leader").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> client.apps().statefulSets().inNamespace(ns).withName("led").get() != null);
      assertThat(holder(client, ns)).isEqualTo(first.identity());

      first.stop();
      OperatorMain standby = second;
      await("standby takes the lease").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
          .until(() -> holder(client, ns).equals(standby.identity()));
      client.resources(TopicCluster.class).inNamespace(ns).withName("led").edit(c -> {
        c.getSpec().replicas = 2;
        return c;
      });
      await("the new leader reconciles").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> client.apps().statefulSets().inNamespace(ns).withName("led").get().getSpec().getReplicas() == 2);
    } finally {
      first.stop();
      if (second != null) {
        second.stop();
      }
    }
  }

  private static String holder(KubernetesClient client, String ns) {
    var lease = client.leases().inNamespace(ns).withName("topicmesh-operator-leader").get();
    return lease == null || lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }
}
