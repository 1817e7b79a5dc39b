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
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import io.topicmesh.operator.api.v1alpha1.TuningMode;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.Conditions;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.ProbeHealth;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() {
    ns = RealApiServer.newNamespace("rec");
    clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    reconciler = new TopicClusterReconciler(client, new NodeAdminClient(Duration.ofSeconds(2)),
        pod -> Optional.ofNullable(nodes.get(pod.getMetadata().getName())).map(FakeNode::uri), clock,
        new SecureRandom(), new OperatorMetrics(registry));
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

  /** The operator's per-cluster gauge, NaN when absent. */
  double gauge(String name, String cluster) {
    var g = registry.find(name).tag("namespace", ns).tag("cluster", cluster).gauge();
    return g == null ? Double.NaN : g.value();
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
    // What `kubectl get tc` prints: Ready, Nodes, Topics, D, Mesh (Age is metadata).
    assertThat(after.getStatus().topicCount).isEqualTo(2);
    assertThat(after.getStatus().effectiveParams.d).isEqualTo(6);
    assertThat(after.getStatus().meshHealth).isEqualTo("Healthy");
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
    assertThat(cr.getStatus().effectiveParams.d).isEqualTo(5);
    assertThat(condition(cr, Conditions.TUNED).getStatus()).isEqualTo("True");
    assertThat(client.configMaps().inNamespace(ns).withName("stats-config").get().getData().get("node.yaml"))
        .contains("d: 5");
    // rates and percentiles are operator metrics, never status (issue 9)
    assertThat(gauge("topicmesh_operator_published_per_second", "stats")).isEqualTo(15.0);
    assertThat(gauge("topicmesh_operator_delivered_per_second", "stats")).isEqualTo(60.0);
    assertThat(gauge("topicmesh_operator_duplicates_per_message", "stats")).isEqualTo(1.5);
    assertThat(gauge("topicmesh_operator_delivery_latency_p99_seconds", "stats")).isEqualTo(0.012);
    assertThat(client.resources(TopicCluster.class).inNamespace(ns).withName("stats").get().getStatus())
        .extracting(st -> new ObjectMapper().valueToTree(st).toString()).asString()
        .doesNotContain("PerSecond", "latencyP99", "duplicatesPerMessage");
    assertThat(cr.getStatus().probeHealth).as("nodes without probes").isEqualTo("Unknown");
    assertThat(condition(cr, Conditions.PROBES_HEALTHY).getReason()).isEqualTo(ProbeHealth.NO_DATA);

    // Status churn (issue 9): figures that change every round do not rewrite status; only state does.
    nodes.values().forEach(n -> n.traffic(500, 2000, 3000, 3, 12).probes(200L, 200L, 2.0, 9.0));
    clock.advance(Duration.ofSeconds(15));
    reconcile("stats");
    TopicCluster healthy = get("stats");
    assertThat(healthy.getStatus().probeHealth).isEqualTo("Healthy");
    assertThat(condition(healthy, Conditions.PROBES_HEALTHY).getReason()).isEqualTo(ProbeHealth.OBJECTIVES_MET);
    assertThat(gauge("topicmesh_operator_probe_delivery_ratio", "stats")).isEqualTo(1.0);
    assertThat(gauge("topicmesh_operator_probe_latency_p99_seconds", "stats")).isEqualTo(0.009);
    for (int round = 1; round <= 3; round++) {
      long k = round;
      nodes.values().forEach(n -> n.traffic(500 + 300 * k, 2000 + 1500 * k * k, 3000 + 4000 * k, 3 + k, 12 + 7 * k)
          .probes(200L + k, 200L + k, 2.0 + k, 9.0 + 11 * k));
      clock.advance(Duration.ofSeconds(15));
      String before = healthy.getMetadata().getResourceVersion();
      reconcile("stats");
      healthy = get("stats");
      assertThat(healthy.getMetadata().getResourceVersion())
          .as("round %d: rates and percentiles moved, state did not: the API server wrote nothing", round)
          .isEqualTo(before);
      assertThat(gauge("topicmesh_operator_probe_latency_p99_seconds", "stats")).isEqualTo((9.0 + 11 * k) / 1000.0);
    }
    // a violated objective is state: written once, with the objective named
    nodes.values().forEach(n -> n.probes(300L, 240L, 3.0, 40.0));
    clock.advance(Duration.ofSeconds(15));
    reconcile("stats");
    TopicCluster lossy = get("stats");
    assertThat(lossy.getStatus().probeHealth).isEqualTo("Degraded");
    assertThat(condition(lossy, Conditions.PROBES_HEALTHY).getReason()).isEqualTo(ProbeHealth.DELIVERY_LOW);
    assertThat(condition(lossy, Conditions.PROBES_HEALTHY).getMessage()).contains("below 0.990");
    assertThat(eventReasons("stats")).contains(ProbeHealth.DELIVERY_LOW);
    nodes.values().forEach(n -> n.probes(300L, 250L, 3.0, 45.0));
    clock.advance(Duration.ofSeconds(15));
    reconcile("stats");
    assertThat(get("stats").getMetadata().getResourceVersion()).as("still degraded: nothing written")
        .isEqualTo(lossy.getMetadata().getResourceVersion());
  }

  @Test
  void autoTuningLowersDLiveWithoutRestartingPods() throws Exception {
    create("auto", 12, s -> {
      // D 6 with a Dhi of its own: not the defaults 6/5/12, so Auto starts from the spec's D, not the
      // tuning table's (Tuner)
      s.gossipsub.dhi = 11;
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

  /**
   * What a real rollout showed: the collector's last round predated the replaced pod, and the
   * reconcile started from a status older than the operator's own last write (JOSDK does not cache a
   * status patch). The gate must not open on either.
   */
  @Test
  void theGateWaitsForTheReplacedPodsOwnAnswerAndRemembersItAcrossAStaleStatus() throws Exception {
    create("stale", 3, s -> s.rollout.healthTimeoutSeconds = 60);
    reconcile("stale");
    sts.sync(ns, "stale");
    fakeNodes("stale", 3);
    reconcile("stale");
    assertThat(condition(get("stale"), Conditions.READY).getStatus()).isEqualTo("True");

    edit("stale", c -> c.getSpec().image = "registry.example/topicmesh/node:2.0");
    TopicCluster beforeDeletion = get("stale"); // new spec, status from before the rollout began
    reconcile("stale");
    assertThat(get("stale").getStatus().rollout.currentPod).isEqualTo("stale-2");

    // stale-2 is back and Ready on the new template, but has not answered a status round yet; the
    // other two still show each other as their whole mesh (healthy against two nodes).
    silence("stale-2");
    nodes.get("stale-0").mesh("news", nodes.get("stale-1").peerId).mesh("weather", nodes.get("stale-1").peerId);
    nodes.get("stale-1").mesh("news", nodes.get("stale-0").peerId).mesh("weather", nodes.get("stale-0").peerId);
    sts.sync(ns, "stale");
    reconcile("stale");
    assertThat(podNames()).as("nothing deleted while the replaced pod's mesh is unknown")
        .containsExactly("stale-0", "stale-1", "stale-2");
    assertThat(get("stale").getStatus().waits).singleElement()
        .satisfies(w -> assertThat(w.message).contains("did not answer"));

    // It answers, meshed with both. The next reconcile starts from the stale object (no rollout in
    // its status): the operator still knows stale-2 was in flight, says so, and moves on to stale-1.
    fakeNodes("stale", 3);
    var result = reconciler.reconcile(beforeDeletion);
    TopicCluster fresh = get("stale");
    fresh.setStatus(result.status());
    client.resource(fresh).updateStatus();
    assertThat(client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "PodReplaced".equals(e.getReason())).map(e -> e.getMessage()))
        .anySatisfy(m -> assertThat(m).contains("stale-2 ").contains("mesh is healthy"));
    assertThat(get("stale").getStatus().rollout.currentPod).isEqualTo("stale-1");
    assertThat(podNames()).containsExactly("stale-0", "stale-2");
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

  // ---- unhealthy pods: no deadlocks ----------------------------------------------------------

  /** Closes the fake node of a pod, as a crash-looping container answers nothing. */
  void silence(String pod) {
    FakeNode node = nodes.remove(pod);
    if (node != null) {
      node.close();
    }
  }

  List<String> podNames() {
    return client.pods().inNamespace(ns).list().getItems().stream().map(p -> p.getMetadata().getName()).sorted().toList();
  }

  @Test
  void aCrashLoopingRolloutIsDegradedWithAReasonAndFixingTheSpecRecoversWithoutManualDeletion() throws Exception {
    create("crash", 3, s -> s.rollout.healthTimeoutSeconds = 60);
    reconcile("crash");
    sts.sync(ns, "crash");
    fakeNodes("crash", 3);
    reconcile("crash");
    assertThat(condition(get("crash"), Conditions.READY).getStatus()).isEqualTo("True");

    String bad = "registry.example/topicmesh/node:crashes";
    sts.brokenImages.put(bad, "CrashLoopBackOff");
    edit("crash", c -> c.getSpec().image = bad);
    reconcile("crash");
    assertThat(podNames()).as("one Ready pod replaced").containsExactly("crash-0", "crash-1");
    silence("crash-2");
    sts.sync(ns, "crash");
    clock.advance(Duration.ofSeconds(5));
    reconcile("crash");
    TopicCluster degraded = get("crash");
    Condition d = condition(degraded, Conditions.DEGRADED);
    assertThat(d.getStatus()).isEqualTo("True");
    assertThat(d.getReason()).isEqualTo("PodsCrashLooping");
    assertThat(d.getMessage()).contains("crash-2", "CrashLoopBackOff", "4 restarts");
    assertThat(condition(degraded, Conditions.READY).getStatus()).isEqualTo("False");
    assertThat(degraded.getStatus().waits).as("what the rollout waits for, with a deadline").singleElement()
        .satisfies(w -> {
          assertThat(w.pod).isEqualTo("crash-2");
          assertThat(w.deadline).isEqualTo(clock.instant().plusSeconds(60).toString());
        });
    assertThat(condition(degraded, Conditions.PROGRESSING).getMessage()).contains("waiting for", "crash-2");
    assertThat(podNames()).as("the healthy pods are kept").containsExactly("crash-0", "crash-1", "crash-2");
    assertThat(eventReasons("crash")).contains("PodsCrashLooping");

    // Fix the spec: the broken pod is outdated and not Ready, so it goes at once; then the rest roll.
    String good = "registry.example/topicmesh/node:2.1";
    edit("crash", c -> c.getSpec().image = good);
    String uid0 = client.pods().inNamespace(ns).withName("crash-0").get().getMetadata().getUid();
    reconcile("crash");
    assertThat(podNames()).containsExactly("crash-0", "crash-1");
    assertThat(client.pods().inNamespace(ns).withName("crash-0").get().getMetadata().getUid())
        .as("a Ready pod is not taken while another is missing").isEqualTo(uid0);
    for (int i = 0; i < 8 && !"True".equals(Conditions.find(get("crash").getStatus().conditions, Conditions.READY)
        .map(Condition::getStatus).orElse("")); i++) {
      sts.sync(ns, "crash");
      fakeNodes("crash", 3);
      assertThat(client.pods().inNamespace(ns).list().getItems()).as("never more than one pod away").hasSizeGreaterThanOrEqualTo(2);
      reconcile("crash");
    }
    TopicCluster recovered = get("crash");
    assertThat(condition(recovered, Conditions.READY).getStatus()).as(recovered.getStatus().conditions.toString())
        .isEqualTo("True");
    assertThat(condition(recovered, Conditions.DEGRADED).getStatus()).isEqualTo("False");
    assertThat(recovered.getStatus().waits).isNull();
    assertThat(client.pods().inNamespace(ns).list().getItems()).hasSize(3).allSatisfy(p ->
        assertThat(p.getSpec().getContainers().get(0).getImage()).isEqualTo(good));
  }

  @Test
  void aClusterCreatedWithAnImageThatCannotBePulledRecoversWhenTheImageIsFixed() throws Exception {
    String bad = "registry.example/topicmesh/node:missing";
    sts.brokenImages.put(bad, "ImagePullBackOff");
    create("pull", 3, s -> s.image = bad);
    reconcile("pull");
    sts.sync(ns, "pull");
    reconcile("pull");
    TopicCluster degraded = get("pull");
    assertThat(condition(degraded, Conditions.DEGRADED).getReason()).isEqualTo("ImagePullFailed");
    assertThat(condition(degraded, Conditions.DEGRADED).getMessage()).contains("pull-0", "pull-1", "pull-2",
        "ImagePullBackOff", "fix spec.image");

    edit("pull", c -> c.getSpec().image = "registry.example/topicmesh/node:0.1.0");
    reconcile("pull");
    assertThat(podNames()).as("every broken pod replaced at once").isEmpty();
    sts.sync(ns, "pull");
    fakeNodes("pull", 3);
    reconcile("pull");
    TopicCluster cr = get("pull");
    assertThat(condition(cr, Conditions.READY).getStatus()).as(cr.getStatus().conditions.toString()).isEqualTo("True");
    assertThat(condition(cr, Conditions.DEGRADED).getStatus()).isEqualTo("False");
  }

  @Test
  void scalingDownWhileSomePodsAreNotReadyCompletes() throws Exception {
    create("shrink", 4, s -> s.rollout.healthTimeoutSeconds = 60);
    reconcile("shrink");
    sts.sync(ns, "shrink");
    fakeNodes("shrink", 4);
    reconcile("shrink");
    // shrink-1 (stays) and shrink-2 (leaves) stop being Ready; shrink-3 (leaves) is fine.
    silence("shrink-1");
    silence("shrink-2");
    sts.sync(ns, "shrink", Set.of("shrink-1", "shrink-2"));
    edit("shrink", c -> c.getSpec().replicas = 2);
    reconcile("shrink");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("shrink").get().getSpec().getReplicas())
        .as("shrink-3 is Ready: drained alone").isEqualTo(3);
    sts.sync(ns, "shrink", Set.of("shrink-1", "shrink-2"));
    silence("shrink-3");
    reconcile("shrink");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("shrink").get().getSpec().getReplicas())
        .as("shrink-2 is not Ready: dropped at once, no waiting for it").isEqualTo(2);
    sts.sync(ns, "shrink", Set.of("shrink-1"));
    reconcile("shrink");
    TopicCluster cr = get("shrink");
    assertThat(podNames()).containsExactly("shrink-0", "shrink-1");
    assertThat(condition(cr, Conditions.PROGRESSING).getReason()).as(cr.getStatus().conditions.toString())
        .isEqualTo("UpToDate");
    assertThat(cr.getStatus().nodes).isEqualTo("1/2");
  }

  @Test
  void scalingToZeroDoesNotWaitForAMeshThatCannotExist() throws Exception {
    create("zero", 2, s -> { });
    reconcile("zero");
    sts.sync(ns, "zero");
    fakeNodes("zero", 2);
    reconcile("zero");
    edit("zero", c -> c.getSpec().replicas = 0);
    reconcile("zero");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("zero").get().getSpec().getReplicas())
        .as("zero-1 drained alone").isEqualTo(1);
    sts.sync(ns, "zero");
    silence("zero-1");
    reconcile("zero");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("zero").get().getSpec().getReplicas())
        .as("no wait for the meshes of nodes that all leave").isZero();
    sts.sync(ns, "zero");
    silence("zero-0");
    reconcile("zero");
    TopicCluster cr = get("zero");
    assertThat(condition(cr, Conditions.READY).getStatus()).as(cr.getStatus().conditions.toString()).isEqualTo("True");
    assertThat(cr.getStatus().nodes).isEqualTo("0/0");
  }

  // ---- live topics ----------------------------------------------------------------------------

  /**
   * Issue 12: a topic with its own mesh degrees gets them on every node, live and in node.yaml, and
   * is tuned on its own from its own figures while the cluster's D and the other topic stay.
   */
  @Test
  void aTopicsOwnMeshDegreesReachEveryNodeAndTheTopicIsTunedOnItsOwn() throws Exception {
    create("pertopic", 12, s -> {
      s.gossipsub.dhi = 11; // the cluster starts from the spec's D 6, not the tuning table's
      s.tuning.mode = TuningMode.Auto;
      s.tuning.bounds.dMin = 3;
      s.tuning.bounds.dMax = 8;
      s.tuning.cooldownSeconds = 30;
      s.tuning.objectives.maxDuplicatesPerMessage = 2.0;
      s.tuning.objectives.targetP99LatencyMs = 200;
      s.topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(6, 5, 10);
    });
    reconcile("pertopic");
    sts.sync(ns, "pertopic");
    fakeNodes("pertopic", 12);
    nodes.values().forEach(n -> n.traffic(0, 0, 0, 5, 50).topicTraffic("news", 0, 0).topicTraffic("weather", 0, 0));
    reconcile("pertopic");
    reconcile("pertopic"); // the first round of node status is in
    String templateHash = client.apps().statefulSets().inNamespace(ns).withName("pertopic").get().getSpec()
        .getTemplate().getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION);

    // the spec's degrees, every member, on every node; weather runs the node's (no mesh member)
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").get("mesh").toString())
          .isEqualTo("{\"d\":6,\"dlo\":5,\"dhi\":10,\"dscore\":4,\"dout\":2,\"dlazy\":6}");
      assertThat(node.topics().get("weather").has("mesh")).isFalse();
    }
    TopicCluster cr = get("pertopic");
    assertThat(cr.getStatus().topicParams).extracting(p -> p.topic + " " + p.source + " d=" + p.d)
        .containsExactly("news Topic d=6", "weather Cluster d=6");
    assertThat(cr.getStatus().topicParams.get(0).lastTuning.reason).startsWith("Auto: initial D=6");

    // news: 4 duplicates per message on every node; weather and the cluster: 1, within the objective
    long t = 0;
    for (int step = 1; step <= 3; step++) {
      t += 1100;
      long m = t;
      nodes.values().forEach(n -> n.traffic(m / 11, m, m, 5, 50).topicTraffic("news", m, 4 * m)
          .topicTraffic("weather", m, m / 2));
      clock.advance(Duration.ofSeconds(31));
      reconcile("pertopic");
    }
    cr = get("pertopic");
    TopicClusterStatus.TopicParams news = cr.getStatus().topicParams.get(0);
    assertThat(news.d).as("6 -> 5 -> 4 -> 3, one step per cooldown").isEqualTo(3);
    assertThat(news.dlo).isEqualTo(2);
    assertThat(news.dhi).isEqualTo(6);
    assertThat(news.lastTuning.from.d).isEqualTo(4);
    assertThat(news.lastTuning.to.d).isEqualTo(3);
    assertThat(news.lastTuning.reason).contains("4.00 duplicates per message above objective 2.00");
    assertThat(cr.getStatus().topicParams.get(1).d).as("weather follows the cluster").isEqualTo(6);
    assertThat(cr.getStatus().effectiveParams.d).as("the cluster's own figures are fine").isEqualTo(6);
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").get("mesh").get("d").asInt()).isEqualTo(3);
      assertThat(node.topics().get("news").get("mesh").get("dlo").asInt()).isEqualTo(2);
      assertThat(node.params().get("d").asInt()).isEqualTo(6);
    }
    assertThat(client.configMaps().inNamespace(ns).withName("pertopic-config").get().getData().get("node.yaml"))
        .as("new pods start with the topic's tuned degrees").contains("mesh:", "d: 3", "dlo: 2", "dhi: 6");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("pertopic").get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION)).as("no restart")
        .isEqualTo(templateHash);
    assertThat(eventReasons("pertopic")).contains("TopicTuned");

    // at dMin, rates moving on: the topic's status entry is not rewritten (rates are metrics)
    ObjectMapper json = new ObjectMapper();
    String before = json.writeValueAsString(get("pertopic").getStatus().topicParams);
    nodes.values().forEach(n -> n.topicTraffic("news", 10_000, 90_000));
    clock.advance(Duration.ofSeconds(31));
    reconcile("pertopic");
    assertThat(json.writeValueAsString(get("pertopic").getStatus().topicParams)).isEqualTo(before);

    // an object that never went through the API server's CEL rules (stored before the CRD had them):
    // a condition and an Event naming the member; what the nodes and status hold stays
    TopicCluster stale = get("pertopic");
    stale.getSpec().topics.get(0).mesh = new TopicClusterSpec.MeshDegrees(4, 3, 8);
    stale.getSpec().topics.get(0).mesh.dout = 3;
    int putsBefore = nodes.values().stream().mapToInt(n -> n.topicPuts.get()).sum();
    var refused = reconciler.reconcile(stale);
    assertThat(refused.outcome()).isEqualTo("invalid");
    Condition notReady = Conditions.find(refused.status().conditions, Conditions.READY).orElseThrow();
    assertThat(notReady.getReason()).isEqualTo("InvalidTopicMeshParameters");
    assertThat(notReady.getMessage()).isEqualTo("spec.topics[news].mesh.dout=3: must be < dlo (3)");
    assertThat(json.writeValueAsString(refused.status().topicParams)).isEqualTo(before);
    assertThat(nodes.values().stream().mapToInt(n -> n.topicPuts.get()).sum()).isEqualTo(putsBefore);
    assertThat(eventReasons("pertopic")).contains("InvalidTopicMeshParameters");
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").get("mesh").get("d").asInt()).isEqualTo(3);
    }

    // the spec drops the topic's own degrees: the nodes go back to theirs
    edit("pertopic", c -> c.getSpec().topics.get(0).mesh = null);
    reconcile("pertopic");
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").has("mesh")).isFalse();
    }
    assertThat(get("pertopic").getStatus().topicParams.get(0).source).isEqualTo("Cluster");
  }

  @Test
  void topicsArePushedLiveToEveryNodeWithoutRestartingPods() throws Exception {
    create("topics", 3, s -> { });
    reconcile("topics");
    sts.sync(ns, "topics");
    fakeNodes("topics", 3);
    reconcile("topics");
    Map<String, String> uids = new LinkedHashMap<>();
    client.pods().inNamespace(ns).list().getItems().forEach(p -> uids.put(p.getMetadata().getName(), p.getMetadata().getUid()));
    String templateHash = client.apps().statefulSets().inNamespace(ns).withName("topics").get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION);

    edit("topics", c -> {
      TopicClusterSpec.Topic prices = new TopicClusterSpec.Topic("prices/eu");
      prices.score = new TopicClusterSpec.TopicScore();
      prices.score.topicWeight = 0.5;
      c.getSpec().topics.add(prices);
      c.getSpec().topics.removeIf(t -> t.name.equals("weather"));
    });
    reconcile("topics");
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics()).containsOnlyKeys("news", "prices/eu");
      assertThat(node.topics().get("prices/eu").get("validation").asText()).isEqualTo("StrictSign");
      assertThat(node.topics().get("prices/eu").get("score").get("topicWeight").asDouble()).isEqualTo(0.5);
      assertThat(node.topics().get("prices/eu").get("score").get("meshMessageDeliveriesWeight").asDouble())
          .as("P3 not asked for: written as 0").isZero();
    }
    String config = client.configMaps().inNamespace(ns).withName("topics-config").get().getData().get("node.yaml");
    assertThat(config).as("a restarted pod starts with them").contains("prices/eu").doesNotContain("weather");
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("topics").get().getSpec().getTemplate()
        .getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION)).isEqualTo(templateHash);
    Map<String, String> after = new LinkedHashMap<>();
    client.pods().inNamespace(ns).list().getItems().forEach(p -> after.put(p.getMetadata().getName(), p.getMetadata().getUid()));
    assertThat(after).as("no pod restarted").isEqualTo(uids);
    assertThat(get("topics").getStatus().rollout).isNull();

    // Nothing more to push: a second reconcile sends nothing.
    int puts = nodes.values().stream().mapToInt(n -> n.topicPuts.get()).sum();
    reconcile("topics");
    assertThat(nodes.values().stream().mapToInt(n -> n.topicPuts.get()).sum()).isEqualTo(puts);

    // A changed score is pushed again; a restarted node gets every topic back.
    edit("topics", c -> c.getSpec().topics.get(1).score.topicWeight = 0.25);
    nodes.get("topics-1").restart();
    reconcile("topics");
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics()).containsOnlyKeys("news", "prices/eu");
      assertThat(node.topics().get("prices/eu").get("score").get("topicWeight").asDouble()).isEqualTo(0.25);
    }
    assertThat(condition(get("topics"), Conditions.TUNED).getStatus()).isEqualTo("True");
  }

  @Test
  void p3IsHeldOffOnAnIdleTopicAndPushedOnceTrafficCanMeetTheThreshold() throws Exception {
    create("score", 3, s -> {
      TopicClusterSpec.Topic news = s.topics.get(0);
      news.score = new TopicClusterSpec.TopicScore();
      news.score.meshMessageDeliveriesWeight = -1.0;
      news.score.meshMessageDeliveriesThreshold = 4.0;
      news.score.meshMessageDeliveriesActivationMs = 5000L;
      news.score.meshMessageDeliveriesDecay = 0.9;
    });
    reconcile("score");
    sts.sync(ns, "score");
    fakeNodes("score", 3);
    nodes.values().forEach(n -> n.topicMessages("news", 0));
    reconcile("score");
    clock.advance(Duration.ofSeconds(15));
    reconcile("score");
    TopicCluster idle = get("score");
    assertThat(condition(idle, Conditions.SCORE_GUARDED).getStatus()).isEqualTo("True");
    assertThat(condition(idle, Conditions.SCORE_GUARDED).getReason()).isEqualTo("P3Disabled");
    assertThat(condition(idle, Conditions.SCORE_GUARDED).getMessage()).contains("topic news", "0.000 msg/s");
    assertThat(idle.getStatus().scoreGuard).extracting(g -> g.topic).containsExactly("news");
    assertThat(eventReasons("score")).contains("P3Disabled");
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").get("score").get("meshMessageDeliveriesWeight").asDouble()).isZero();
    }
    assertThat(condition(idle, Conditions.READY).getStatus()).isEqualTo("True");

    // 300 messages in 15 s = 20 msg/s over 2 mesh peers: c(5 s) = 10 * 4.10 = 41 >= 2 * 4.
    nodes.values().forEach(n -> n.topicMessages("news", 300));
    clock.advance(Duration.ofSeconds(15));
    reconcile("score");
    TopicCluster busy = get("score");
    assertThat(condition(busy, Conditions.SCORE_GUARDED).getStatus()).isEqualTo("False");
    assertThat(busy.getStatus().scoreGuard).isNull();
    for (FakeNode node : nodes.values()) {
      assertThat(node.topics().get("news").get("score").get("meshMessageDeliveriesWeight").asDouble()).isEqualTo(-1.0);
    }
  }

  // ---- bounded reconciles ---------------------------------------------------------------------

  @Test
  void aReconcileStaysBoundedWhenNodesAreUnreachable() throws Exception {
    List<Integer> closed = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        closed.add(socket.getLocalPort());
      }
    }
    try (var silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      // Half the pods point at closed ports, half at a port that accepts and never answers.
      var bounded = new TopicClusterReconciler(client, new NodeAdminClient(Duration.ofSeconds(5)), pod -> {
        int ordinal = Integer.parseInt(pod.getMetadata().getName().substring("far-".length()));
        int port = ordinal % 2 == 0 ? closed.get(ordinal) : silent.getLocalPort();
        return Optional.of(URI.create("http://127.0.0.1:" + port));
      }, clock, new SecureRandom(), new OperatorMetrics(new SimpleMeterRegistry()), Duration.ofMillis(500));
      create("far", 12, s -> { });
      reconcile("far");
      sts.sync(ns, "far");
      for (int i = 0; i < 2; i++) {
        TopicCluster cr = get("far");
        long start = System.nanoTime();
        var result = bounded.reconcile(cr);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("12 unreachable nodes, 5 s call timeout, 500 ms collect wait").isLessThan(Duration.ofSeconds(4));
        assertThat(result.status().meshHealth).isEqualTo("Unknown");
      }
    }
  }
}
