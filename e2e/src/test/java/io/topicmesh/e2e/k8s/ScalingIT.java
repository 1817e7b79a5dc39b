package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 6: scale 3 → 7 → 4 while one node that stays publishes steadily; the nodes that stay
 * lose nothing (counted with their metrics), and a returning ordinal (4, again at 5 replicas) keeps
 * its PeerId.
 */
@Order(4)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScalingIT {
  static final String NAME = "scale";
  static final String TOPIC = "steady";
  private KubernetesClient client;
  private String ns;
  private NodeApi api;

  @BeforeAll
  void setUp() {
    OperatorInstall.ensure();
    client = E2eEnv.get().client;
    ns = TestNamespace.create(getClass(), "e2e-scaling");
    api = new NodeApi(client, ns, NAME);
  }

  @AfterAll
  void tearDown() {
    api.close();
    TestNamespace.delete(ns);
  }

  /** A small cluster for one topic; requests are small so 7 nodes fit a 2-core machine. */
  static String clusterYaml(String name, String ns, String image, int replicas) {
    return """
        apiVersion: topicmesh.io/v1alpha1
        kind: TopicCluster
        metadata: {name: %s, namespace: %s}
        spec:
          replicas: %d
          image: %s
          resources:
            requests: {cpu: 50m, memory: 192Mi}
            limits: {memory: 512Mi}
          topics: [{name: %s}]
          gossipsub: {d: 4, dlo: 3, dhi: 8, dout: 1, heartbeatIntervalMs: 700}
          tuning: {mode: Static}
          metrics: {collectIntervalSeconds: 2}
        """.formatted(name, ns, replicas, image, TOPIC);
  }

  private void scaleTo(int n) {
    Tc.mergePatch(client, ns, NAME, "{\"spec\":{\"replicas\":" + n + "}}");
  }

  private String peerId(int ordinal) throws Exception {
    return api.status(NAME + "-" + ordinal).path("peerId").asText();
  }

  @Test
  void s06_scale3to7to4WhilePublishingSteadily() throws Exception {
    Tc.api(client).inNamespace(ns).resource(Tc.fromYaml(clusterYaml(NAME, ns, E2eEnv.get().nodeImage, 3))).create();
    Duration ready = Scenarios.awaitSettled(client, ns, NAME, 3, Duration.ofMinutes(4));
    Figures.record("scaling.ready3_seconds", Scenarios.seconds(ready.toNanos()), "s");
    List<String> stayers = List.of(NAME + "-0", NAME + "-1", NAME + "-2");
    Map<String, String> identities = Scenarios.identities(client, ns, NAME);
    Map<String, Double> before = Scenarios.seenCounts(api, stayers, TOPIC);
    Map<Integer, String> peerIds = new LinkedHashMap<>();

    try (MessageLog log = new MessageLog(client, api, ns, NAME, TOPIC)) {
      log.startPublishing(Duration.ofMillis(200), pods -> NAME + "-0");
      scaleTo(7);
      Duration up = Scenarios.awaitSettled(client, ns, NAME, 7, Duration.ofMinutes(5));
      Figures.record("scaling.up_3_to_7_seconds", Scenarios.seconds(up.toNanos()), "s");
      for (int i = 0; i < 7; i++) {
        peerIds.put(i, peerId(i));
      }
      scaleTo(4);
      Duration down = Scenarios.awaitTc(client, ns, NAME, Duration.ofMinutes(4), "4/4 nodes, 4..6 gone",
          tc -> Tc.settled(tc, 4) && Tc.pods(client, ns, NAME).size() == 4);
      Figures.record("scaling.down_7_to_4_seconds", Scenarios.seconds(down.toNanos()), "s");
      log.stopPublishing();
      int published = log.published().size();
      assertThat(published).as("messages published by %s-0 during the scaling", NAME).isPositive();

      // every stayer (0..2 throughout) has every message: the publisher published it, the others delivered it
      Map<String, Double> delta = new LinkedHashMap<>();
      try {
        await("the nodes that stay have all " + published + " messages").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500)).until(() -> {
              Scenarios.seenCounts(api, stayers, TOPIC).forEach((p, v) -> delta.put(p, v - before.get(p)));
              return delta.values().stream().allMatch(v -> v >= published);
            });
      } catch (ConditionTimeoutException e) {
        // reported below with the per-message view
      }
      MessageLog.Loss loss = log.loss();
      System.out.println("e2e: scaling, per-message view: " + loss + "; publish errors: "
          + log.publishErrors().stream().limit(5).toList());
      double lost = delta.values().stream().mapToDouble(v -> Math.max(0, published - v)).sum();
      Figures.record("scaling.messages_lost_on_stayers", lost, "messages");
      Figures.record("scaling.publish_errors", log.publishErrors().size(), "messages");
      assertThat(delta).as("messages published + delivered on each node that stays (published %d; per-message view %s)",
          published, loss).allSatisfy((p, v) -> assertThat(v).as(p).isEqualTo((double) published));
      assertThat(log.publishErrors()).as("publishing through a node that stays never fails").isEmpty();
    }
    assertThat(Scenarios.identities(client, ns, NAME)).as("nodes 0..2 were neither replaced nor restarted")
        .containsAllEntriesOf(identities);

    // a returning ordinal keeps its PeerId (its identity Secret outlives the scale-down)
    scaleTo(5);
    Scenarios.awaitSettled(client, ns, NAME, 5, Duration.ofMinutes(3));
    assertThat(peerId(4)).as("PeerId of %s-4 after it returned", NAME).isEqualTo(peerIds.get(4));
    for (int i = 0; i < 4; i++) {
      assertThat(peerId(i)).as("PeerId of %s-%d", NAME, i).isEqualTo(peerIds.get(i));
    }
    var statusPeers = Tc.get(client, ns, NAME).path("status").path("peers");
    boolean listed = false;
    for (var p : statusPeers) {
      if ((NAME + "-4").equals(p.path("pod").asText())) {
        listed = true;
        assertThat(p.path("peerId").asText()).as("status.peers of %s-4", NAME).isEqualTo(peerIds.get(4));
      }
    }
    if (!listed) {
      fail("status.peers does not list " + NAME + "-4: " + statusPeers);
    }
  }
}
