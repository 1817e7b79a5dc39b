package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CRD's schema, defaults, CEL rules and printer columns, enforced by a real kube-apiserver. */
class CrdValidationIT {
  static KubernetesClient client;
  static String ns;

  @BeforeAll
  static void start() {
    client = RealApiServer.client();
    ns = RealApiServer.newNamespace("crd");
  }

  private static TopicCluster create(String name, Consumer<TopicClusterSpec> edit) {
    TopicCluster cr = cluster(name, 3, "news");
    cr.getMetadata().setUid(null);
    cr.getMetadata().setGeneration(null);
    cr.getMetadata().setNamespace(ns);
    edit.accept(cr.getSpec());
    return client.resource(cr).create();
  }

  private static void rejected(String name, Consumer<TopicClusterSpec> edit, String message) {
    assertThatThrownBy(() -> create(name, edit)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).isEqualTo(422);
      assertThat(e.getMessage()).contains(message);
    });
  }

  @Test
  void celRulesRejectBrokenMeshParameters() {
    rejected("dlo-above-d", s -> s.gossipsub.dlo = 7, "gossipsub: dlo <= d <= dhi is required");
    rejected("d-above-dhi", s -> s.gossipsub.dhi = 5, "gossipsub: dlo <= d <= dhi is required");
    rejected("dout-at-dlo", s -> s.gossipsub.dout = 5, "gossipsub: dout < dlo is required");
    rejected("dout-above-half-d", s -> {
      s.gossipsub.d = 6;
      s.gossipsub.dlo = 5;
      s.gossipsub.dout = 4;
    }, "gossipsub: dout <= d/2 is required");
    rejected("bounds", s -> {
      s.tuning.bounds.dMin = 8;
      s.tuning.bounds.dMax = 4;
    }, "tuning.bounds: dMin <= dMax is required");
    rejected("auto-outside-bounds", s -> {
      s.tuning.mode = TuningMode.Auto;
      s.tuning.bounds.dMin = 2;
      s.tuning.bounds.dMax = 4;
    }, "gossipsub.d must lie within tuning.bounds");
    rejected("dup-topics", s -> s.topics.add(new TopicClusterSpec.Topic("news")), "topic names must be unique");
    rejected("thresholds", s -> s.gossipsub.thresholds.publishThreshold = 0.0,
        "publishThreshold must be <= gossipThreshold");
    rejected("score-sign", s -> {
      s.topics.get(0).score = new TopicClusterSpec.TopicScore();
      s.topics.get(0).score.invalidMessageDeliveriesWeight = 1.0;
    }, "invalidMessageDeliveriesWeight (P4) must be <= 0");
  }

  /**
   * Issue 14, one schema: the API server admits a bootstrapper (d = dlo = dhi = dout = 0) as the node
   * and the operator's model do, and refuses half of one with the shared rule's words.
   */
  @Test
  void aBootstrapperIsAdmittedAndHalfOfOneIsNot() {
    TopicCluster boot = create("bootstrapper", s -> {
      s.gossipsub.d = 0;
      s.gossipsub.dlo = 0;
      s.gossipsub.dhi = 0;
      s.gossipsub.dout = 0;
      s.gossipsub.dscore = 0;
    });
    assertThat(boot.getSpec().gossipsub.d).isZero();
    rejected("half-bootstrapper", s -> {
      s.gossipsub.d = 0;
      s.gossipsub.dlo = 0;
      s.gossipsub.dout = 0;
    }, "gossipsub: dlo >= 1 is required (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
    TopicCluster topicBoot = create("topic-bootstrapper", s -> s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(0, 0, 0));
    assertThat(topicBoot.getSpec().topics.get(0).mesh.d).isZero();
    rejected("topic-half-bootstrapper", s -> s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(3, 0, 4),
        "mesh: dlo >= 1 is required (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
  }

  @Test
  void celRulesRejectBrokenPerTopicMeshDegrees() {
    rejected("topic-dlo-above-d", s -> s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(3, 4, 6),
        "mesh: dlo <= d <= dhi is required");
    rejected("topic-d-above-dhi", s -> s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(5, 4, 4),
        "mesh: dlo <= d <= dhi is required");
    rejected("topic-dout", s -> {
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(4, 2, 8);
      s.topics.get(0).mesh.dout = 2;
    }, "mesh: dout < dlo is required");
    rejected("topic-dout-half", s -> {
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(3, 3, 8);
      s.topics.get(0).mesh.dout = 2;
    }, "mesh: dout <= d/2 is required");
    rejected("topic-dscore", s -> {
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(3, 2, 4);
      s.topics.get(0).mesh.dscore = 5;
    }, "mesh: dscore <= dhi is required");
    rejected("topic-auto-bounds", s -> {
      s.tuning.mode = TuningMode.Auto;
      s.tuning.bounds.dMin = 3;
      s.tuning.bounds.dMax = 6;
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(8, 6, 12);
    }, "topics[].mesh.d must lie within tuning.bounds");
    rejected("topic-d-required", s -> {
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees();
      s.topics.get(0).mesh.dlo = 2;
      s.topics.get(0).mesh.dhi = 4;
    }, "spec.topics[0].mesh.d: Required value");
    // a valid one is accepted as given, left-out members stay unset (the operator derives them)
    TopicCluster ok = create("topic-mesh-ok", s -> s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(3, 2, 4));
    assertThat(ok.getSpec().topics.get(0).mesh.dlazy).isNull();
    assertThat(ok.getSpec().topics.get(0).mesh.d).isEqualTo(3);
  }

  @Test
  void celRulesRequireSaneP3Parameters() throws Exception {
    rejected("p3-bare", s -> {
      s.topics.get(0).score = new TopicClusterSpec.TopicScore();
      s.topics.get(0).score.meshMessageDeliveriesWeight = -1.0;
    }, "a negative meshMessageDeliveriesWeight (P3) needs meshMessageDeliveriesThreshold");
    rejected("p3-activation", s -> {
      s.topics.get(0).score = p3();
      s.topics.get(0).score.meshMessageDeliveriesActivationMs = 100L;
    }, "meshMessageDeliveriesActivationMs (P3) must be >= 1000");
    rejected("p3-decay", s -> {
      s.topics.get(0).score = p3();
      s.topics.get(0).score.meshMessageDeliveriesDecay = 0.0;
    }, "meshMessageDeliveriesDecay (P3) must be in (0, 1)");
    rejected("p3-threshold", s -> {
      s.topics.get(0).score = p3();
      s.topics.get(0).score.meshMessageDeliveriesThreshold = 0.0;
    }, "meshMessageDeliveriesThreshold (P3) must be > 0");
    rejected("p3-cap", s -> {
      s.topics.get(0).score = p3();
      s.topics.get(0).score.meshMessageDeliveriesCap = 1.0;
    }, "meshMessageDeliveriesCap (P3) must be >= meshMessageDeliveriesThreshold");
    assertThat(create("p3-ok", s -> s.topics.get(0).score = p3())).isNotNull();
  }

  private static TopicClusterSpec.TopicScore p3() {
    TopicClusterSpec.TopicScore score = new TopicClusterSpec.TopicScore();
    score.meshMessageDeliveriesWeight = -1.0;
    score.meshMessageDeliveriesThreshold = 4.0;
    score.meshMessageDeliveriesActivationMs = 5000L;
    score.meshMessageDeliveriesDecay = 0.9;
    return score;
  }

  @Test
  void openApiRangesAndEnumsAreEnforced() {
    rejected("negative-replicas", s -> s.replicas = -1, "spec.replicas");
    rejected("max-unavailable", s -> s.rollout.maxUnavailable = 2, "spec.rollout.maxUnavailable");
    rejected("bad-topic-name", s -> s.topics.add(new TopicClusterSpec.Topic("has space")), "spec.topics[1].name");
  }

  @Test
  void schemaDefaultsFillAMinimalResource() throws Exception {
    String yaml = """
        apiVersion: topicmesh.io/v1alpha1
        kind: TopicCluster
        metadata:
          name: minimal
          namespace: %s
        spec:
          image: registry.example/topicmesh/node:1.0
        """.formatted(ns);
    var result = RealApiServer.kubectl(yaml, "apply", "-f", "-");
    assertThat(result.exitCode()).as(result.output()).isZero();
    TopicCluster read = client.resources(TopicCluster.class).inNamespace(ns).withName("minimal").get();
    assertThat(read.getSpec().replicas).isEqualTo(3);
    assertThat(read.getSpec().gossipsub.d).isEqualTo(6);
    assertThat(read.getSpec().gossipsub.dlo).isEqualTo(5);
    assertThat(read.getSpec().gossipsub.dhi).isEqualTo(12);
    assertThat(read.getSpec().tuning.mode).isEqualTo(TuningMode.Static);
    assertThat(read.getSpec().rollout.meshHealthGate).isTrue();
  }

  @Test
  void theExampleIsAccepted() throws Exception {
    String example = java.nio.file.Files.readString(java.nio.file.Path.of("examples", "topiccluster.yaml"));
    var result = RealApiServer.kubectl(example, "apply", "-n", ns, "-f", "-");
    assertThat(result.exitCode()).as(result.output()).isZero();
    TopicCluster demo = client.resources(TopicCluster.class).inNamespace(ns).withName("demo").get();
    assertThat(demo.getSpec().tuning.mode).isEqualTo(TuningMode.Auto);
    assertThat(demo.getSpec().topics).extracting(t -> t.name).containsExactly("news", "prices");
    assertThat(demo.getSpec().gossipsub.dout).as("schema default").isEqualTo(2);
    String perTopic = java.nio.file.Files.readString(java.nio.file.Path.of("examples", "per-topic", "topiccluster.yaml"));
    var applied = RealApiServer.kubectl(perTopic, "apply", "-n", ns, "-f", "-");
    assertThat(applied.exitCode()).as(applied.output()).isZero();
    TopicCluster pt = client.resources(TopicCluster.class).inNamespace(ns).withName("pertopic").get();
    assertThat(pt.getSpec().topics).extracting(t -> t.name).containsExactly("ticks", "alerts", "chat");
    assertThat(pt.getSpec().topics.get(0).mesh.d).isEqualTo(4);
    assertThat(pt.getSpec().topics.get(0).mesh.dout).as("no default: derived from gossipsub").isNull();
    assertThat(pt.getSpec().topics.get(2).mesh).isNull();
  }

  @Test
  void kubectlApplyOfAnInvalidClusterIsRefusedWithTheCelMessage() throws Exception {
    String yaml = """
        apiVersion: topicmesh.io/v1alpha1
        kind: TopicCluster
        metadata:
          name: invalid
          namespace: %s
        spec:
          image: registry.example/topicmesh/node:1.0
          gossipsub:
            d: 4
            dlo: 5
            dhi: 12
        """.formatted(ns);
    var result = RealApiServer.kubectl(yaml, "apply", "-f", "-");
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("gossipsub: dlo <= d <= dhi is required");
  }

  @Test
  void kubectlGetShowsThePrinterColumns() throws Exception {
    TopicCluster created = create("columns", s -> { });
    created.setStatus(new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus());
    created.getStatus().nodes = "2/3";
    created.getStatus().topicCount = 1;
    created.getStatus().meshHealth = "Healthy";
    created.getStatus().effectiveParams = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.EffectiveParams(
        6, 5, 12, 6, 2, 4);
    created.getStatus().conditions.add(new io.fabric8.kubernetes.api.model.ConditionBuilder().withType("Ready")
        .withStatus("False").withReason("NotReady").withMessage("2 of 3 nodes ready")
        .withLastTransitionTime("2026-01-01T00:00:00Z").build());
    client.resource(created).updateStatus();
    var result = RealApiServer.kubectl(null, "get", "tc", "-n", ns, "columns");
    assertThat(result.exitCode()).as(result.output()).isZero();
    String[] lines = result.output().strip().split("\n");
    assertThat(lines[0].split("\\s+")).containsExactly("NAME", "READY", "NODES", "TOPICS", "D", "MESH", "AGE");
    assertThat(lines[1].split("\\s+")).startsWith("columns", "False", "2/3", "1", "6", "Healthy");
  }
}
