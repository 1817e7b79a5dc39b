package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.topicmesh.operator.OperatorMain;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.reconciler.Conditions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The operator's reads of the objects it owns come from its informer caches: once the caches are
 * filled, reconciles (one per second here) send no GET or LIST for pods, StatefulSets or Secrets.
 * Every request of the operator's client is recorded by an HTTP interceptor.
 */
class OperatorCacheIT {
  /** A GET of pods, statefulsets or secrets that is not a watch. */
  static final Pattern OWNED_READ = Pattern.compile("/(pods|statefulsets|secrets)(/|$)");

  @Test
  void steadyReconcilesReadOwnedObjectsOnlyFromTheCaches() throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("cache");
    List<String> reads = new CopyOnWriteArrayList<>();
    Interceptor recorder = new Interceptor() {
      @Override
      public void before(BasicBuilder builder, HttpRequest request, Interceptor.RequestTags tags) {
        String query = request.uri().getRawQuery() == null ? "" : request.uri().getRawQuery();
        if (request.method().equals("GET") && OWNED_READ.matcher(request.uri().getPath()).find()
            && !query.contains("watch=true")) {
          reads.add(request.method() + " " + request.uri());
        }
      }
    };
    String kubeconfig = Files.readString(RealApiServer.kubeconfig());
    Map<String, FakeNode> nodes = new ConcurrentHashMap<>();
    StatefulSetSimulator sts = new StatefulSetSimulator(admin);
    try (KubernetesClient recorded = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig))
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("record-reads", recorder)).build()) {
      OperatorMain operator = OperatorMain.start(recorded, Map.of("WATCH_NAMESPACE", ns, "OPERATOR_HTTP_PORT", "0",
          "LEADER_ELECTION", "false"), pod -> Optional.ofNullable(nodes.get(pod.getMetadata().getName())).map(FakeNode::uri));
      try {
        TopicCluster cr = cluster("cached", 2, "news");
        cr.getMetadata().setUid(null);
        cr.getMetadata().setGeneration(null);
        cr.getMetadata().setNamespace(ns);
        cr.getSpec().metrics.collectIntervalSeconds = 1;
        admin.resource(cr).create();
        await("peers in status").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
          var c = admin.resources(TopicCluster.class).inNamespace(ns).withName("cached").get();
          return c.getStatus() != null && c.getStatus().peers != null && c.getStatus().peers.size() == 2;
        });
        String token = new String(Base64.getDecoder().decode(admin.secrets().inNamespace(ns).withName("cached-admin-token")
            .get().getData().get("token")), StandardCharsets.UTF_8);
        var peers = admin.resources(TopicCluster.class).inNamespace(ns).withName("cached").get().getStatus().peers;
        nodes.put("cached-0", new FakeNode(token, peers.get(0).peerId).mesh("news", peers.get(1).peerId));
        nodes.put("cached-1", new FakeNode(token, peers.get(1).peerId).mesh("news", peers.get(0).peerId));
        sts.sync(ns, "cached");
        await("cluster Ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
            Conditions.isTrue(admin.resources(TopicCluster.class).inNamespace(ns).withName("cached").get()
                .getStatus().conditions, Conditions.READY));

        reads.clear();
        int before = nodes.get("cached-0").statusCalls.get();
        await("at least 4 more reconciles").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> nodes.get("cached-0").statusCalls.get() >= before + 4);
        assertThat(reads).as("GET/LIST of owned objects during steady reconciles").isEmpty();
      } finally {
        operator.stop();
        nodes.values().forEach(FakeNode::close);
      }
    }
  }
}
