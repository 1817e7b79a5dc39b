package io.topicmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.daemon.config.NodeConfig;
import io.topicmesh.node.pubsub.router.TopicMeshParams;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.model.GossipParams;
import io.topicmesh.operator.model.ScoreGuard;
import io.topicmesh.operator.model.TopicClusterModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
    assertThat(config.discoverySpecs()).containsExactly("k8s:" + model.headlessServiceName());
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

  /**
   * Issue 14, one schema: the {@code PUT /v1/params} body the operator sends for a live change (all
   * its members, the IDONTWANT threshold included, under one name end to end) is accepted by the
   * node's codec and means the same values there.
   */
  @Test
  @SuppressWarnings("unchecked")
  void theLiveParamsTheOperatorSendsAreAcceptedByTheNodeUnderTheSameNames() throws Exception {
    GossipParams tuned = GossipParams.fromSpec(new TopicClusterSpec.Gossipsub()).withDegrees(4, 3, 8);
    Map<String, Object> body = new ObjectMapper().convertValue(tuned.toJson(), Map.class);
    var node = ParamsCodec.merge(io.topicmesh.node.pubsub.router.GossipParams.defaults(), body, "");
    assertThat(node.d()).isEqualTo(4);
    assertThat(node.dlo()).isEqualTo(3);
    assertThat(node.dhi()).isEqualTo(8);
    assertThat(node.idontwantThreshold()).isEqualTo(tuned.idontwantThreshold());
    assertThat(node.heartbeatInterval()).isEqualTo(Duration.ofMillis(tuned.heartbeatIntervalMs()));
    // and the node reports them back under the names the operator compares
    var reported = new ObjectMapper().valueToTree(ParamsCodec.toJson(node));
    assertThat(tuned.matches((com.fasterxml.jackson.databind.node.ObjectNode) reported)).isTrue();
    // the defaults are the same on both sides
    var nodeDefaults = ParamsCodec.toJson(io.topicmesh.node.pubsub.router.GossipParams.defaults());
    var operatorDefaults = GossipParams.fromSpec(new TopicClusterSpec.Gossipsub()).toJson();
    operatorDefaults.fieldNames().forEachRemaining(name -> assertThat(String.valueOf(nodeDefaults.get(name)))
        .as(name).isEqualTo(operatorDefaults.get(name).asText()));
  }

  /**
   * Issue 14, one schema: a parameter set either side refuses, the other refuses with the same words
   * (the operator's model, the node's {@code PUT /v1/params} and its config file), and a bootstrapper
   * (d = dlo = dhi = dout = 0) both accept.
   */
  @Test
  void badParametersReadTheSameAtTheOperatorAndAtTheNode() throws Exception {
    record Case(Consumer<TopicClusterSpec.Gossipsub> edit, String message) {}
    List<Case> cases = List.of(
        new Case(g -> g.dlo = 7, "dlo=7: must be <= d (6)"),
        new Case(g -> g.dhi = 5, "dhi=5: must be >= d (6)"),
        new Case(g -> g.dout = 5, "dout=5: must be < dlo (5)"),
        new Case(g -> { g.d = 4; g.dlo = 4; g.dout = 3; }, "dout=3: must be <= d/2 (2)"),
        new Case(g -> g.dscore = 13, "dscore=13: must be <= dhi (12)"),
        new Case(g -> { g.d = 0; g.dlo = 0; g.dout = 0; },
            "dlo=0: must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)"),
        new Case(g -> g.historyGossip = 6, "historyGossip=6: must be in [1, historyLength (5)]"),
        new Case(g -> g.heartbeatIntervalMs = 0, "heartbeatIntervalMs=0: must be > 0"),
        new Case(g -> g.seenTtlMs = 0, "seenTtlMs=0: must be > 0"),
        new Case(g -> g.idontwantThreshold = -1, "idontwantThreshold=-1: must be >= 0"));
    ObjectMapper json = new ObjectMapper();
    for (Case c : cases) {
      TopicClusterSpec.Gossipsub g = new TopicClusterSpec.Gossipsub();
      c.edit.accept(g);
      assertThatThrownBy(() -> GossipParams.fromSpec(g)).as("operator: %s", c.message).hasMessage(c.message);
      Map<String, Object> body = json.convertValue(g, Map.class);
      body.remove("thresholds");
      assertThatThrownBy(() -> ParamsCodec.merge(io.topicmesh.node.pubsub.router.GossipParams.defaults(), body, ""))
          .as("node PUT /v1/params: %s", c.message).hasMessage(c.message);
      Path file = tmp.resolve("node.yaml");
      Files.writeString(file, "params: " + json.writeValueAsString(body) + "\n");
      assertThatThrownBy(() -> ConfigLoader.load(file, Map.of(), Map.of()))
          .as("node config file: %s", c.message).hasMessage("params." + c.message);
    }

    TopicClusterSpec.Gossipsub boot = new TopicClusterSpec.Gossipsub();
    boot.d = 0;
    boot.dlo = 0;
    boot.dhi = 0;
    boot.dout = 0;
    boot.dscore = 0;
    GossipParams operatorSide = GossipParams.fromSpec(boot);
    Map<String, Object> body = json.convertValue(operatorSide.toJson(), Map.class);
    assertThat(ParamsCodec.merge(io.topicmesh.node.pubsub.router.GossipParams.defaults(), body, "").d()).isZero();
  }
}
