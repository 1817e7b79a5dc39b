package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.Conditions;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.TopicClusterReconciler;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler against a real kube-apiserver, one reconcile at a time (deterministic: a hand-moved
 * clock, the StatefulSet controller simulated), with fake nodes answering the admin API on loopback.
 */
class ReconcilerIT {
  static KubernetesClient client;
  String ns;
  MutableClock clock;
  TopicClusterReconciler reconciler;
  StatefulSetSimulator sts;
  final Map<String, FakeNode> nodes = new LinkedHashMap<>();

  @BeforeAll
  static void start() {
    client = RealApiServer.client();
  }

  @BeforeEach
  void setUp() {
    ns = RealApiServer.newNamespace("rec");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    reconciler = new TopicClusterReconciler(client, new NodeAdminClient(Duration.ofSeconds(2)),
        pod -> Optional.ofNullable(nodes.get(pod.getMetadata().getName())).map(FakeNode::uri), clock,
        new SecureRandom(), new OperatorMetrics(new SimpleMeterRegistry()));
    sts = new StatefulSetSimulator(client);
  }

  @AfterEach
  void closeNodes() {
    nodes.values().forEach(FakeNode::close);
  }

  // ---- helpers -----------------------------------------------------------------------------

  TopicCluster create(String name, int replicas, Consumer<TopicClusterSpec> edit) {
    TopicCluster cr = cluster(name, replicas, "news", "weather");
    cr.getMetadata().setUid(null);
    cr.getMetadata().setGeneration(null);
    cr.getMetadata().setNamespace(ns);
    edit.accept(cr.getSpec());
    return client.resource(cr).create();
  }

  TopicCluster get(String name) {
    return client.resources(TopicCluster.class).inNamespace(ns).withName(name).get();
  }

  /** One reconcile of the current object, writing the status back as JOSDK would. */
  TopicClusterReconciler.Result reconcile(String name) {
    TopicCluster cr = get(name);
    var result = reconciler.reconcile(cr);
    cr.setStatus(result.status());
    client.resource(cr).updateStatus();
    return result;
  }

  TopicCluster edit(String name, Consumer<TopicCluster> change) {
    return client.resources(TopicCluster.class).inNamespace(ns).withName(name).edit(c -> {
      change.accept(c);
      return c;
    });
  }

  String token(String name) {
    Secret s = client.secrets().inNamespace(ns).withName(name + "-admin-token").get();
    return new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
  }

  /** Starts a fake node per pod, fully meshed on every topic, with the cluster's admin token. */
  void fakeNodes(String name, int replicas) throws Exception {
    String token = token(name);
    TopicCluster cr = get(name);
    for (int i = 0; i < replicas; i++) {
      String pod = name + "-" + i;
      if (!nodes.containsKey(pod)) {
        nodes.put(pod, new FakeNode(token, cr.getStatus().peers.get(i).peerId));
      }
    }
    meshAll(name, replicas);
  }

  void meshAll(String name, int replicas) {
    for (int i = 0; i < replicas; i++) {
      List<String> others = new ArrayList<>();
      for (int j = 0; j < replicas; j++) {
        if (j != i) {
          others.add(nodes.get(name + "-" + j).peerId);
        }
      }
      FakeNode node = nodes.get(name + "-" + i);
      node.mesh("news", others.toArray(String[]::new)).mesh("weather", others.toArray(String[]::new));
    }
  }

  Map<String, String> resourceVersions(String name) {
    Map<String, String> rv = new LinkedHashMap<>();
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.apps().statefulSets().inNamespace(ns).list().getItems());
    all.addAll(client.services().inNamespace(ns).list().getItems());
    all.addAll(client.configMaps().inNamespace(ns).withLabel(TopicClusterModel.INSTANCE_LABEL, name).list().getItems());
    all.addAll(client.secrets().inNamespace(ns).withLabel(TopicClusterModel.INSTANCE_LABEL, name).list().getItems());
    all.addAll(client.serviceAccounts().inNamespace(ns).withLabel(TopicClusterModel.INSTANCE_LABEL, name).list().getItems());
    all.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    all.addAll(client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems());
    all.addAll(client.pods().inNamespace(ns).list().getItems());
    for (HasMetadata o : all) {
      rv.put(o.getKind() + "/" + o.getMetadata().getName(), o.getMetadata().getResourceVersion());
    }
    return rv;
  }

  static Condition condition(TopicCluster cr, String type) {
    return Conditions.find(cr.getStatus().conditions, type)
        .orElseThrow(() -> new AssertionError("no " + type + " condition in " + cr.getStatus().conditions));
  }

  List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
  }

  // ---- tests -------------------------------------------------------------------------------

  @Test
  void createsEveryObjectOwnedByTheClusterAndASecondReconcileChangesNothing() throws Exception {
    TopicCluster cr = create("mesh", 3, s -> { });
    reconcile("mesh");
    sts.sync(ns, "mesh");
    fakeNodes("mesh", 3);
    reconcile("mesh");

    var kinds = new ArrayList<String>();
    for (HasMetadata o : List.<HasMetadata>of(
        client.apps().statefulSets().inNamespace(ns).withName("mesh").get(),
        client.services().inNamespace(ns).withName("mesh").get(),
        client.services().inNamespace(ns).withName("mesh-nodes").get(),
        client.configMaps().inNamespace(ns).withName("mesh-config").get(),
        client.secrets().inNamespace(ns).withName("mesh-admin-token").get(),
        client.secrets().inNamespace(ns).withName("mesh-identity-0").get(),
        client.secrets().inNamespace(ns).withName("mesh-identity-2").get(),
        client.serviceAccounts().inNamespace(ns).withName("mesh-node").get(),
        client.rbac().roles().inNamespace(ns).withName("mesh-node-discovery").get(),
        client.rbac().roleBindings().inNamespace(ns).withName("mesh-node-discovery").get(),
        client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("mesh").get())) {
      assertThat(o).as("object missing").isNotNull();
      assertThat(o.getMetadata().getOwnerReferences()).singleElement()
          .satisfies(ref -> assertThat(ref.getUid()).isEqualTo(cr.getMetadata().getUid()));
      kinds.add(o.getKind());
    }
    assertThat(kinds).contains("StatefulSet", "Service", "ConfigMap", "Secret", "PodDisruptionBudget");

    TopicCluster after = get("mesh");
    assertThat(condition(after, Conditions.READY).getStatus()).as(after.getStatus().conditions.toString()).isEqualTo("True");
    assertThat(condition(after, Conditions.MESH_HEALTHY).getStatus()).isEqualTo("True");
    assertThat(after.getStatus().nodes).isEqualTo("3/3");
    assertThat(after.getStatus().observedGeneration).isEqualTo(after.getMetadata().getGeneration());
    assertThat(after.getStatus().peers).extracting(p -> p.peerId)
        .containsExactly(nodes.get("mesh-0").peerId, nodes.get("mesh-1").peerId, nodes.get("mesh-2").peerId);

    Map<String, String> before = resourceVersions("mesh");
    clock.advance(Duration.ofSeconds(15));
    reconcile("mesh");
    assertThat(resourceVersions("mesh")).as("a reconcile with nothing to do writes nothing").isEqualTo(before);
  }

  @Test
  void collectsMeshAndTrafficIntoStatusAndPushesStaticParamsLive() throws Exception {
    create("stats", 3, s -> s.gossipsub.d = 5);
    reconcile("stats");
    sts.sync(ns, "stats");
    fakeNodes("stats", 3);
    nodes.values().forEach(n -> n.traffic(0, 0, 0, 2, 10));
    reconcile("stats");
    for (FakeNode node : nodes.values()) {
      assertThat(node.params().get("d").asInt()).as("params pushed live").isEqualTo(5);
      node.traffic(50, 200, 300, 3, 12);
    }
    clock.advance(Duration.ofSeconds(10));
    reconcile("stats");
    TopicCluster cr = get("stats");
    assertThat(cr.getStatus().mesh).hasSize(2).allSatisfy(t -> {
      assertThat(t.subscribers).isEqualTo(3);
      assertThat(t.degreeMin).isEqualTo(2);
      assertThat(t.nodesBelowDlo).isZero();
    });
    assertThat(cr.getStatus().traffic.publishedPerSecond).isEqualTo(15.0);
    assertThat(cr.getStatus().traffic.deliveredPerSecond).isEqualTo(60.0);
    assertThat(cr.getStatus().traffic.duplicatesPerMessage).isEqualTo(1.5);
    assertThat(cr.getStatus().traffic.latencyP99Ms).isEqualTo(12.0);
    assertThat(cr.getStatus().traffic.deliveryRatio).as("600 deliveries of 150 messages on 2 other nodes").isEqualTo(2.0);
    assertThat(cr.getStatus().effectiveParams.d).isEqualTo(5);
    assertThat(condition(cr, Conditions.TUNED).getStatus()).isEqualTo("True");
    assertThat(client.configMaps().inNamespace(ns).withName("stats-config").get().getData().get("node.yaml"))
        .contains("d: 5");
  }

  @Test
  void autoTuningLowersDLiveWithoutRestartingPods() throws Exception {
    create("auto", 12, s -> {
      s.tuning.mode = TuningMode.Auto;
      s.tuning.bounds.dMin = 3;
      s.tuning.bounds.dMax = 8;
      s.tuning.cooldownSeconds = 30;
      s.tuning.objectives.maxDuplicatesPerMessage = 2.0;
      s.tuning.objectives.targetP99LatencyMs = 200;
    });
    reconcile("auto");
    sts.sync(ns, "auto");
    fakeNodes("auto", 12);
    nodes.values().forEach(n -> n.traffic(0, 0, 0, 5, 50));
    reconcile("auto");
    String templateHash = client.apps().statefulSets().inNamespace(ns).withName("auto").get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION);
    Map<String, String> podUids = new LinkedHashMap<>();
    client.pods().inNamespace(ns).list().getItems().forEach(p -> podUids.put(p.getMetadata().getName(), p.getMetadata().getUid()));

    // Every node sees 4 duplicates per delivered message; latency and delivery are fine.
    long t = 0;
    for (int step = 1; step <= 3; step++) {
      t += 1000;
      long delivered = t;
      // 12 nodes, each message due on 11 others: publishing delivered/11 per node means full delivery.
      nodes.values().forEach(n -> n.traffic(delivered / 11, delivered, delivered * 4, 5, 50));
      clock.advance(Duration.ofSeconds(31));
      reconcile("auto");
    }
    TopicCluster cr = get("auto");
    assertThat(cr.getStatus().effectiveParams.d).as("6 -> 5 -> 4 -> 3").isEqualTo(3);
    assertThat(cr.getStatus().lastTuning.reason).contains("duplicates per message");
    assertThat(cr.getStatus().lastTuning.from.d).isEqualTo(4);
    assertThat(cr.getStatus().lastTuning.to.d).isEqualTo(3);
    for (FakeNode node : nodes.values()) {
      assertThat(node.params().get("d").asInt()).isEqualTo(3);
      assertThat(node.params().get("dlo").asInt()).isEqualTo(2);
      assertThat(node.params().get("dhi").asInt()).isEqualTo(6);
    }
    assertThat(client.configMaps().inNamespace(ns).withName("auto-config").get().getData().get("node.yaml"))
        .as("persisted for restarted pods").contains("d: 3", "dlo: 2", "dhi: 6");
    var stsNow = client.apps().statefulSets().inNamespace(ns).withName("auto").get();
    assertThat(stsNow.getSpec().getTemplate().getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION))
        .isEqualTo(templateHash);
    Map<String, String> podUidsAfter = new LinkedHashMap<>();
    client.pods().inNamespace(ns).list().getItems().forEach(p -> podUidsAfter.put(p.getMetadata().getName(), p.getMetadata().getUid()));
    assertThat(podUidsAfter).as("no pod restarted").isEqualTo(podUids);
    assertThat(eventReasons("auto")).contains("Tuned");

    // Within the cooldown nothing changes even though duplicates stay high.
    nodes.values().forEach(n -> n.traffic(10000, 100000, 900000, 5, 50));
    clock.advance(Duration.ofSeconds(5));
    reconcile("auto");
    assertThat(get("auto").getStatus().effectiveParams.d).as("at dMin").isEqualTo(3);
  }

  @Test
  void rollingUpdateReplacesOnePodAtATimeGatedOnMeshHealthAndTimesOut() throws Exception {
    create("roll", 3, s -> s.rollout.healthTimeoutSeconds = 60);
    reconcile("roll");
    sts.sync(ns, "roll");
    fakeNodes("roll", 3);
    reconcile("roll");
    assertThat(condition(get("roll"), Conditions.READY).getStatus()).isEqualTo("True");

    edit("roll", c -> c.getSpec().image = "registry.example/topicmesh/node:2.0");
    reconcile("roll");
    List<String> podsLeft = client.pods().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getName()).toList();
    assertThat(podsLeft).as("highest ordinal replaced first, one at a time").containsExactlyInAnyOrder("roll-0", "roll-1");
    TopicCluster rolling = get("roll");
    assertThat(rolling.getStatus().rollout.currentPod).isEqualTo("roll-2");
    assertThat(condition(rolling, Conditions.PROGRESSING).getReason()).isEqualTo("RollingUpdate");

    // The pod comes back on the new template but its mesh has not healed: nothing else is deleted.
    nodes.get("roll-2").mesh("news").mesh("weather");
    sts.sync(ns, "roll");
    reconcile("roll");
    assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(3);
    Pod replaced = client.pods().inNamespace(ns).withName("roll-2").get();
    assertThat(replaced.getSpec().getContainers().get(0).getImage()).isEqualTo("registry.example/topicmesh/node:2.0");

    // Past the timeout the cluster is Degraded, still holding.
    clock.advance(Duration.ofSeconds(61));
    reconcile("roll");
    TopicCluster stalled = get("roll");
    assertThat(condition(stalled, Conditions.DEGRADED).getStatus()).isEqualTo("True");
    assertThat(condition(stalled, Conditions.DEGRADED).getReason()).isEqualTo("RolloutStalled");
    assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(3);
    assertThat(eventReasons("roll")).contains("RollingPod", "RolloutStalled");

    // Mesh heals: the next pod goes, and so on until every pod runs the new template.
    meshAll("roll", 3);
    reconcile("roll");
    assertThat(condition(get("roll"), Conditions.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(get("roll").getStatus().rollout.currentPod).isEqualTo("roll-1");
    for (int i = 0; i < 4; i++) {
      sts.sync(ns, "roll");
      reconcile("roll");
    }
    TopicCluster done = get("roll");
    assertThat(done.getStatus().rollout).isNull();
    assertThat(client.pods().inNamespace(ns).list().getItems()).allSatisfy(p ->
        assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo("registry.example/topicmesh/node:2.0"));
    assertThat(condition(done, Conditions.READY).getStatus()).isEqualTo("True");
  }

  @Test
  void scalingUpAddsIdentitiesAndScalingDownStepsOneNodeAtATimeKeepingPeerIds() throws Exception {
    create("scale", 2, s -> { });
    reconcile("scale");
    sts.sync(ns, "scale");
    fakeNodes("scale", 2);
    reconcile("scale");
    List<String> peerIds = get("scale").getStatus().peers.stream().map(p -> p.peerId).toList();

    edit("scale", c -> c.getSpec().replicas = 4);
    reconcile("scale");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("scale").get().getSpec().getReplicas()).isEqualTo(4);
    assertThat(client.secrets().inNamespace(ns).withName("scale-identity-3").get()).isNotNull();
    sts.sync(ns, "scale");
    fakeNodes("scale", 4);
    reconcile("scale");
    assertThat(condition(get("scale"), Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(get("scale").getStatus().peers.stream().map(p -> p.peerId).toList()).startsWith(peerIds.toArray(String[]::new));

    edit("scale", c -> c.getSpec().replicas = 2);
    reconcile("scale");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("scale").get().getSpec().getReplicas())
        .as("one node at a time").isEqualTo(3);
    reconcile("scale");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("scale").get().getSpec().getReplicas())
        .as("waits until scale-3 is gone").isEqualTo(3);
    sts.sync(ns, "scale");
    nodes.remove("scale-3").close();
    meshAll("scale", 3);
    reconcile("scale");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("scale").get().getSpec().getReplicas()).isEqualTo(2);
    sts.sync(ns, "scale");
    nodes.remove("scale-2").close();
    meshAll("scale", 2);
    reconcile("scale");
    TopicCluster cr = get("scale");
    assertThat(condition(cr, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(cr.getStatus().peers.stream().map(p -> p.peerId).toList()).isEqualTo(peerIds);
    assertThat(client.secrets().inNamespace(ns).withName("scale-identity-3").get())
        .as("identities are kept for a later scale-up").isNotNull();
  }

  @Test
  void pauseAnnotationStopsChanges() throws Exception {
    create("paused", 2, s -> { });
    reconcile("paused");
    edit("paused", c -> {
      c.getMetadata().setAnnotations(new java.util.HashMap<>(Map.of(TopicCluster.PAUSE_ANNOTATION, "true")));
      c.getSpec().replicas = 5;
    });
    Map<String, String> before = resourceVersions("paused");
    reconcile("paused");
    assertThat(resourceVersions("paused")).isEqualTo(before);
    TopicCluster cr = get("paused");
    assertThat(cr.getStatus().paused).isTrue();
    assertThat(condition(cr, Conditions.PROGRESSING).getReason()).isEqualTo("ReconciliationPaused");

    edit("paused", c -> c.getMetadata().setAnnotations(new java.util.HashMap<>()));
    reconcile("paused");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("paused").get().getSpec().getReplicas()).isEqualTo(5);
    assertThat(get("paused").getStatus().paused).isNull();
  }

  @Test
  void anUnrealisableSpecIsReportedAndOtherClustersAreUntouched() throws Exception {
    create("good", 1, s -> { });
    create("bad", 1, s -> s.image = "Not An Image");
    reconcile("bad");
    reconcile("good");
    TopicCluster bad = get("bad");
    assertThat(condition(bad, Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(condition(bad, Conditions.READY).getReason()).isEqualTo("InvalidImage");
    assertThat(condition(bad, Conditions.DEGRADED).getMessage()).contains("Not An Image");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("bad").get()).isNull();
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("good").get()).isNotNull();
    assertThat(eventReasons("bad")).contains("InvalidImage");
  }

  @Test
  void changesByAnotherWriterAreTakenBackAndGeneratedSecretsAreNeverRotated() throws Exception {
    create("drift", 2, s -> { });
    reconcile("drift");
    Secret identity = client.secrets().inNamespace(ns).withName("drift-identity-0").get();
    String token = token("drift");

    client.apps().statefulSets().inNamespace(ns).withName("drift").edit(s -> {
      s.getSpec().setReplicas(7);
      return s;
    });
    client.configMaps().inNamespace(ns).withName("drift-config").edit(c -> {
      c.getData().put("node.yaml", "tampered");
      return c;
    });
    reconcile("drift");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("drift").get().getSpec().getReplicas()).isEqualTo(2);
    assertThat(client.configMaps().inNamespace(ns).withName("drift-config").get().getData().get("node.yaml"))
        .startsWith("# topicmesh node configuration");
    assertThat(client.secrets().inNamespace(ns).withName("drift-identity-0").get().getData())
        .isEqualTo(identity.getData());
    assertThat(token("drift")).isEqualTo(token);
  }

  @Test
  void serviceMonitorFollowsTheSpecOnceItsCrdExists() throws Exception {
    create("mon", 1, s -> {
      s.metrics.serviceMonitor = true;
      s.metrics.labels = Map.of("release", "prometheus");
    });
    var monitors = client.genericKubernetesResources(new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext
        .Builder().withGroup("monitoring.coreos.com").withVersion("v1").withKind("ServiceMonitor")
        .withPlural("servicemonitors").withNamespaced(true).build());
    String crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: servicemonitors.monitoring.coreos.com}
        spec:
          group: monitoring.coreos.com
          scope: Namespaced
          names: {kind: ServiceMonitor, plural: servicemonitors, singular: servicemonitor, listKind: ServiceMonitorList}
          versions:
          - name: v1
            served: true
            storage: true
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
        """;
    var result = RealApiServer.kubectl(crd, "apply", "-f", "-");
    assertThat(result.exitCode()).as(result.output()).isZero();
    org.awaitility.Awaitility.await("ServiceMonitor API served").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> monitors.inNamespace(ns).list() != null);
    reconcile("mon");
    var monitor = monitors.inNamespace(ns).withName("mon").get();
    assertThat(monitor).isNotNull();
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    assertThat(monitor.getMetadata().getOwnerReferences()).hasSize(1);
    edit("mon", c -> c.getSpec().metrics.serviceMonitor = false);
    reconcile("mon");
    assertThat(monitors.inNamespace(ns).withName("mon").get()).isNull();
  }

  @Test
  void anIdentitySecretWrittenByAnotherWriterFirstIsKept() throws Exception {
    var known = io.topicmesh.operator.identity.NodeIdentity.generate(new SecureRandom());
    client.secrets().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("adopt-identity-0").withNamespace(ns).endMetadata()
        .addToData("key", Base64.getEncoder().encodeToString(known.privateKeyProtobuf())).build()).create();
    create("adopt", 2, s -> { });
    reconcile("adopt");
    TopicCluster cr = get("adopt");
    assertThat(cr.getStatus().peers.get(0).peerId).as("creation conflict resolved in favour of the existing key")
        .isEqualTo(known.peerId());
    assertThat(cr.getStatus().peers.get(1).peerId).isNotEqualTo(known.peerId()).startsWith("12D3KooW");
  }

  @Test
  void aNodeRefusingParametersIsReportedNotFatal() throws Exception {
    create("refuse", 2, s -> s.gossipsub.heartbeatIntervalMs = 500);
    reconcile("refuse");
    sts.sync(ns, "refuse");
    fakeNodes("refuse", 2);
    nodes.get("refuse-1").refusingParams(true);
    reconcile("refuse");
    TopicCluster cr = get("refuse");
    Condition tuned = condition(cr, Conditions.TUNED);
    assertThat(tuned.getStatus()).isEqualTo("False");
    assertThat(tuned.getReason()).isEqualTo("ParamsNotApplied");
    assertThat(tuned.getMessage()).contains("refuse-1", "INVALID_PARAMS", "scripted refusal");
    assertThat(nodes.get("refuse-0").params().get("heartbeatIntervalMs").asInt()).isEqualTo(500);
    assertThat(eventReasons("refuse")).contains("ParamsNotApplied");

    nodes.get("refuse-1").refusingParams(false);
    reconcile("refuse");
    assertThat(condition(get("refuse"), Conditions.TUNED).getStatus()).isEqualTo("True");
    assertThat(nodes.get("refuse-1").params().get("heartbeatIntervalMs").asInt()).isEqualTo(500);
  }

  @Test
  void aClusterOfZeroNodesIsValidAndReady() throws Exception {
    create("empty", 0, s -> { });
    reconcile("empty");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("empty").get().getSpec().getReplicas()).isZero();
    TopicCluster cr = get("empty");
    assertThat(condition(cr, Conditions.READY).getStatus()).as(cr.getStatus().conditions.toString()).isEqualTo("True");
    assertThat(cr.getStatus().nodes).isEqualTo("0/0");
  }

  @Test
  void unreachableNodesMakeTheMeshUnknownNotACrash() throws Exception {
    create("dark", 2, s -> { });
    reconcile("dark");
    sts.sync(ns, "dark", Set.of());
    reconcile("dark");
    TopicCluster cr = get("dark");
    assertThat(condition(cr, Conditions.MESH_HEALTHY).getStatus()).isEqualTo("Unknown");
    assertThat(condition(cr, Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(cr.getStatus().meshHealth).isEqualTo("Unknown");
  }
}
