package io.topicmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.NodeConfig;
import io.topicmesh.node.pubsub.router.TopicMeshParams;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.model.GossipParams;
import io.topicmesh.operator.model.ScoreGuard;
import io.topicmesh.operator.model.TopicClusterModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node.yaml the operator writes into each cluster's ConfigMap must be accepted by the node's
 * config loader (which rejects unknown keys), and must mean the same thing on both sides.
 */
class OperatorNodeConfigContractTest {
  private static final Path EXAMPLE = Path.of("..", "operator", "examples", "topiccluster.yaml");

  @TempDir Path tmp;

  @Test
  void theNodeAcceptsTheConfigTheOperatorWritesForTheExampleCluster() throws Exception {
    TopicCluster cr = new KubernetesSerialization()
        .unmarshal(Files.readString(EXAMPLE), TopicCluster.class);
    cr.getMetadata().setNamespace("team-a");
    TopicClusterModel model = TopicClusterModel.from(cr);
    GossipParams effective = GossipParams.fromSpec(cr.getSpec().gossipsub);

    Path file = tmp.resolve("node.yaml");
    ScoreGuard.Decision scores = ScoreGuard.decide(cr.getSpec().topics, Map.of(), effective.d(), null);
    Files.writeString(file, model.configMap(effective, scores).getData().get(TopicClusterModel.CONFIG_FILE));
    NodeConfig config = ConfigLoader.load(file,
        Map.of("POD_IP", "10.1.2.3", "POD_NAME", model.podName(0), "POD_NAMESPACE", "team-a"), Map.of());

    assertThat(config.topics()).containsExactly("news", "prices");
    assertThat(config.discovery()).containsExactly("k8s:" + model.headlessServiceName());
    assertThat(config.namespace()).isEqualTo("team-a");
    assertThat(config.cluster()).isEqualTo("demo");
    assertThat(config.params().d()).isEqualTo(effective.d());
    assertThat(config.params().dlo()).isEqualTo(effective.dlo());
    assertThat(config.params().dhi()).isEqualTo(effective.dhi());
    assertThat(config.params().heartbeatInterval()).isEqualTo(Duration.ofMillis(700));
    assertThat(config.topicScores()).containsKey("prices");
  }

  @Test
  void liveDegreeChangesTheOperatorPersistsAreAcceptedToo() throws Exception {
    TopicCluster cr = new KubernetesSerialization()
        .unmarshal(Files.readString(EXAMPLE), TopicCluster.class);
    cr.getMetadata().setNamespace("team-a");
    TopicClusterModel model = TopicClusterModel.from(cr);
    GossipParams tuned = GossipParams.fromSpec(cr.getSpec().gossipsub).withDegrees(4, 3, 8);

    Path file = tmp.resolve("node.yaml");
    Files.writeString(file, model.nodeConfigYaml(tuned,
        ScoreGuard.decide(cr.getSpec().topics, Map.of(), tuned.d(), null)));
    NodeConfig config = ConfigLoader.load(file, Map.of(), Map.of());

    assertThat(config.params().d()).isEqualTo(4);
    assertThat(config.params().dlo()).isEqualTo(3);
    assertThat(config.params().dhi()).isEqualTo(8);
  }

  /**
   * Issue 12, one schema: a topic's own mesh degrees as the operator writes them (node.yaml's
   * topics[].mesh, the same entry PUT /v1/topics/{t} carries) are read by the node into the same
   * degrees, and a set the operator would refuse the node refuses too, naming the same member.
   */
  @Test
  void aTopicsOwnMeshDegreesMeanTheSameToTheNode() throws Exception {
    TopicCluster cr = new KubernetesSerialization().unmarshal(Files.readString(
        Path.of("..", "operator", "examples", "per-topic", "topiccluster.yaml")), TopicCluster.class);
    cr.getMetadata().setNamespace("team-a");
    TopicClusterModel model = TopicClusterModel.from(cr);
    GossipParams effective = GossipParams.fromSpec(cr.getSpec().gossipsub);
    Map<String, GossipParams> own = model.topicParamsFromSpec();
    Path file = tmp.resolve("node.yaml");
    Files.writeString(file, model.nodeConfigYaml(effective,
        ScoreGuard.decide(cr.getSpec().topics, Map.of(), effective.d(), null), own));
    NodeConfig config = ConfigLoader.load(file, Map.of(), Map.of());

    assertThat(config.topics()).containsExactly("ticks", "alerts", "chat");
    assertThat(config.topicMesh()).containsOnlyKeys("ticks", "alerts");
    own.forEach((topic, p) -> assertThat(config.topicMesh().get(topic)).as(topic)
        .isEqualTo(new TopicMeshParams(p.d(), p.dlo(), p.dhi(), p.dscore(), p.dout(), p.dlazy())));

    // the operator's refusal and the node's name the same member and rule
    String operatorSays;
    try {
      effective.withMesh(4, 3, 8, 6, 3, 4);
      throw new AssertionError("the operator accepted dout 3 with dlo 3");
    } catch (IllegalArgumentException e) {
      operatorSays = e.getMessage();
    }
    Files.writeString(file, "topics: [{name: t, mesh: {d: 4, dlo: 3, dhi: 8, dlazy: 6, dout: 3, dscore: 4}}]\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
        .hasMessage("topics[t].mesh." + operatorSays);
  }
}
