package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenarios 1–5, 9 and 10 of issue 8 on the example TopicCluster, in order: install the chart and
 * apply the example; delivery; live parameters; live topics; auto tuning; a topic's own mesh degrees;
 * pod kill; deletion.
 */
@Order(1)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExampleClusterIT {
  private E2eEnv env;
  private KubernetesClient client;
  private String ns;
  private NodeApi api;
  private String name;
  private int replicas;
  private boolean exampleReady;
  private String deletedReason;

  @BeforeAll
  void setUp() {
    env = E2eEnv.get();
    client = env.client;
    ns = TestNamespace.create(getClass(), "e2e-example");
  }

  @AfterAll
  void tearDown() {
    if (api != null) {
      api.close();
    }
    TestNamespace.delete(ns);
  }

  private void requireExampleReady() {
    if (deletedReason != null) {
      fail("precondition: " + deletedReason);
    }
    if (!exampleReady) {
      fail("precondition: scenario 1 did not bring the example TopicCluster to Ready, so this scenario cannot run");
    }
    Scenarios.awaitSettled(client, ns, name, replicas, Duration.ofMinutes(2));
  }

  static List<Path> examples() {
    String prop = System.getProperty("e2e.examples", "");
    Path root = Path.of(System.getProperty("e2e.moduleDir", ".")).resolve("..").normalize();
    Path dir = !prop.isBlank() ? Path.of(prop)
        : Files.isDirectory(root.resolve("examples")) ? root.resolve("examples") : root.resolve("operator/examples");
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError("cannot list the examples in " + dir + ": " + e);
    }
  }

  // ---- 1 -------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void s01_installTheChartAndApplyTheExample() throws Exception {
    OperatorInstall.Installed inst = OperatorInstall.ensure();
    Figures.record("install.helm_seconds", Scenarios.seconds(inst.took().toNanos()), "s");

    // the operator runs as a pod, under the chart's ServiceAccount, never as an administrator
    List<Pod> ops = OperatorInstall.operatorPods(client, inst.namespace(), inst.deployment());
    assertThat(ops).as("operator pods of Deployment %s/%s", inst.namespace(), inst.deployment())
        .filteredOn(Tc::podReady).isNotEmpty();
    for (Pod p : ops) {
      assertThat(p.getSpec().getServiceAccountName()).as("ServiceAccount of operator pod %s", p.getMetadata().getName())
          .isEqualTo(inst.serviceAccount());
      assertThat(p.getSpec().getContainers().get(0).getImage()).as("operator image").isEqualTo(env.operatorImage);
    }
    for (ClusterRoleBinding b : client.rbac().clusterRoleBindings().list().getItems()) {
      boolean forSa = b.getSubjects() != null && b.getSubjects().stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
          && inst.serviceAccount().equals(s.getName()) && inst.namespace().equals(s.getNamespace()));
      if (forSa) {
        assertThat(b.getRoleRef().getName()).as("ClusterRoleBinding %s binds the operator to", b.getMetadata().getName())
            .isNotIn("cluster-admin", "admin", "edit");
      }
    }

    List<Path> files = examples();
    assertThat(files).as("example TopicClusters").isNotEmpty();
    GenericKubernetesResource demo = null;
    for (Path f : files) {
      GenericKubernetesResource tc = Tc.load(f);
      assertThat(tc.getKind()).as("kind in %s", f).isEqualTo(Tc.KIND);
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = (Map<String, Object>) tc.getAdditionalProperties().get("spec");
      if (!env.nodeImage.equals(spec.get("image"))) {
        System.out.println("e2e: " + f.getFileName() + ": image " + spec.get("image") + " -> " + env.nodeImage
            + " (e2e.nodeImage)");
        spec.put("image", env.nodeImage);
      }
      String override = System.getProperty("e2e.exampleReplicas", "");
      if (!override.isBlank()) {
        System.out.println("e2e: " + f.getFileName() + ": replicas " + spec.get("replicas") + " -> " + override
            + " (e2e.exampleReplicas)");
        spec.put("replicas", Integer.parseInt(override));
      }
      tc.getMetadata().setNamespace(ns);
      Tc.api(client).inNamespace(ns).resource(tc).create();
      if (demo == null) {
        demo = tc;
      }
    }
    name = demo.getMetadata().getName();
    replicas = ((Number) ((Map<?, ?>) demo.getAdditionalProperties().get("spec")).get("replicas")).intValue();
    api = new NodeApi(client, ns, name);

    for (Path f : files) {
      String n = Tc.load(f).getMetadata().getName();
      Duration took = Scenarios.awaitSettled(client, ns, n, n.equals(name) ? replicas
          : ((Number) ((Map<?, ?>) Tc.load(f).getAdditionalProperties().get("spec")).get("replicas")).intValue(),
          Duration.ofMinutes(5));
      Figures.record("example." + n + ".ready_seconds", Scenarios.seconds(took.toNanos()), "s");
    }
    exampleReady = true;

    // every printer column is filled: the API server evaluates the CRD's column JSONPaths on the
    // object and returns the table kubectl prints
    List<CustomResourceColumnDefinition> columns = client.apiextensions().v1().customResourceDefinitions()
        .withName(OperatorInstall.CRD).get().getSpec().getVersions().stream()
        .filter(v -> "v1alpha1".equals(v.getName())).findFirst().orElseThrow().getAdditionalPrinterColumns();
    assertThat(columns).as("CRD printer columns").isNotEmpty();
    for (Path f : files) {
      String n = Tc.load(f).getMetadata().getName();
      Map<String, Object> row = tableRow(n);
      for (CustomResourceColumnDefinition c : columns) {
        assertThat(row).as("printer columns of %s (row %s)", n, row).containsKey(c.getName());
        Object v = row.get(c.getName());
        assertThat(v == null ? "" : v.toString()).as("column %s (%s) of %s; row %s", c.getName(), c.getJsonPath(), n, row)
            .isNotBlank().isNotEqualTo("<none>");
      }
      JsonNode tc = Tc.get(client, ns, n);
      assertThat(row.get("Ready")).as("Ready column").hasToString("True");
      assertThat(String.valueOf(row.get("Nodes"))).as("Nodes column")
          .isEqualTo(tc.path("status").path("readyReplicas").asInt() + "/" + tc.path("spec").path("replicas").asInt());
      assertThat(String.valueOf(row.get("Topics"))).as("Topics column")
          .isEqualTo(String.valueOf(tc.path("spec").path("topics").size()));
      assertThat(String.valueOf(row.get("Mesh"))).as("Mesh column").isEqualTo("Healthy");
    }

    // the nodes form one mesh per topic: every node reports itself ready with mesh peers in every
    // topic. The operator's Ready comes from its last collection; a node can still be swapping a
    // duplicate connection for the one the host keeps (a mesh peer leaves and returns within a
    // heartbeat), so each node gets a short deadline to agree rather than one snapshot.
    for (String pod : Scenarios.podNames(client, ns, name)) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        JsonNode st = api.status(pod);
        assertThat(st.path("ready").asBoolean()).as("%s /v1/status ready (%s)", pod, st.path("readyReason").asText())
            .isTrue();
        for (JsonNode t : st.path("topics")) {
          assertThat(t.path("mesh").size()).as("%s mesh of %s: %s", pod, t.path("topic").asText(), t).isPositive();
        }
      });
    }
  }

  /** The TopicCluster's row of {@code kubectl get tc}: the server-side Table, column name → cell. */
  private Map<String, Object> tableRow(String tcName) throws Exception {
    var http = client.getHttpClient();
    String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/apis/topicmesh.io/v1alpha1/namespaces/"
        + ns + "/topicclusters/" + tcName;
    var req = http.newHttpRequestBuilder().uri(url)
        .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
    var resp = http.sendAsync(req, String.class).get(30, TimeUnit.SECONDS);
    assertThat(resp.code()).as("Table GET %s: %s", url, resp.body()).isEqualTo(200);
    JsonNode table = Tc.JSON.readTree(resp.body());
    JsonNode cells = table.path("rows").path(0).path("cells");
    Map<String, Object> row = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode c : table.path("columnDefinitions")) {
      JsonNode cell = cells.path(i++);
      row.put(c.path("name").asText(), cell.isNull() || cell.isMissingNode() ? null : cell.isTextual() ? cell.asText()
          : cell.toString());
    }
    System.out.println("e2e: kubectl get tc " + tcName + ": " + row);
    return row;
  }

  // ---- 2 -------------------------------------------------------------------------------------

  @Test
  @Order(2)
  void s02_deliveryThroughANodeAndThroughTheClientService() throws Exception {
    requireExampleReady();
    String topic = firstTopic();
    List<String> pods = Scenarios.podNames(client, ns, name);
    Map<String, Double> before = Scenarios.seenCounts(api, pods, topic);

    int viaNode = 20;
    for (int i = 0; i < viaNode; i++) {
      JsonNode r = api.publish(pods.get(0), topic, "via-node-" + i);
      assertThat(r.path("id").asText()).as("publish answer %s", r).isNotBlank();
    }
    // through the client Service, as `kubectl port-forward svc/<name>` does
    int viaServiceForward = 10;
    try (LocalPortForward pf = client.services().inNamespace(ns).withName(name).portForward(NodeApi.ADMIN_PORT)) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String token = new String(java.util.Base64.getDecoder().decode(
          client.secrets().inNamespace(ns).withName(name + "-admin-token").get().getData().get("token"))).trim();
      for (int i = 0; i < viaServiceForward; i++) {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pf.getLocalPort()
                + "/v1/topics/" + NodeApi.encode(topic) + "/publish"))
            .header("Authorization", "Bearer " + token).header("Content-Type", "text/plain")
            .timeout(Duration.ofSeconds(15))
            .POST(HttpRequest.BodyPublishers.ofString("via-service-forward-" + i)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("publish through svc/%s: %s", name, r.body()).isEqualTo(200);
      }
    }
    // and from inside the cluster, through the Service's ClusterIP (kube-proxy)
    publishFromAPodThroughTheClusterIp(topic, "via-cluster-ip");
    int total = viaNode + viaServiceForward + 1;

    Map<String, Double> last = new HashMap<>();
    try {
      await("every node delivers all " + total + " messages").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            Map<String, Double> now = Scenarios.seenCounts(api, pods, topic);
            last.clear();
            now.forEach((p, v) -> last.put(p, v - before.get(p)));
            return last.values().stream().allMatch(v -> v >= total);
          });
    } catch (ConditionTimeoutException e) {
      fail("messages published or delivered per node on " + topic + " (metrics delta; expected " + total + " each): "
          + last);
    }
    assertThat(last).as("per node, messages published + delivered on %s (each message exactly once)", topic)
        .allSatisfy((p, v) -> assertThat(v).as(p).isEqualTo((double) total));
  }

  private String firstTopic() {
    return Tc.get(client, ns, name).path("spec").path("topics").path(0).path("name").asText();
  }

  private void publishFromAPodThroughTheClusterIp(String topic, String text) {
    Service svc = client.services().inNamespace(ns).withName(name).get();
    assertThat(svc).as("client Service %s", name).isNotNull();
    String ip = svc.getSpec().getClusterIP();
    String podName = "e2e-publisher";
    Pod pod = new PodBuilder().withNewMetadata().withName(podName).endMetadata().withNewSpec()
        .withRestartPolicy("Never")
        .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(10001L).endSecurityContext()
        .addNewVolume().withName("token").withNewSecret().withSecretName(name + "-admin-token").endSecret().endVolume()
        .addNewVolume().withName("tmp").withNewEmptyDir().endEmptyDir().endVolume()
        .addToContainers(new ContainerBuilder().withName("pub").withImage(env.nodeImage)
            .withImagePullPolicy("IfNotPresent")
            .withCommand("java", "-jar", "/app/topicmesh-node.jar", "pub", "--admin", "http://" + ip + ":"
                + NodeApi.ADMIN_PORT, "--token-file", "/var/run/e2e/token", "--topic", topic, "--data", text)
            .addNewVolumeMount().withName("token").withMountPath("/var/run/e2e").withReadOnly(true).endVolumeMount()
            .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
            .withNewResources().addToRequests("cpu", new io.fabric8.kubernetes.api.model.Quantity("50m"))
            .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi")).endResources()
            .build())
        .endSpec().build();
    client.pods().inNamespace(ns).resource(pod).create();
    try {
      await("pod " + podName + " publishes through " + ip + ":" + NodeApi.ADMIN_PORT + " and exits")
          .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Pod p = client.pods().inNamespace(ns).withName(podName).get();
            return p != null && Set.of("Succeeded", "Failed").contains(p.getStatus().getPhase());
          });
      Pod p = client.pods().inNamespace(ns).withName(podName).get();
      String log = client.pods().inNamespace(ns).withName(podName).getLog();
      assertThat(p.getStatus().getPhase()).as("publisher pod through the ClusterIP; its log:\n%s", log)
          .isEqualTo("Succeeded");
      assertThat(log).as("publisher pod log").contains("published");
    } finally {
      client.pods().inNamespace(ns).withName(podName).withGracePeriod(0).delete();
    }
  }

  // ---- 3 -------------------------------------------------------------------------------------

  @Test
  @Order(3)
  void s03_liveParametersReachEveryNodeWithoutRestarts() throws Exception {
    requireExampleReady();
    List<String> pods = Scenarios.podNames(client, ns, name);
    int heartbeatMs = api.params(pods.get(0)).path("heartbeatIntervalMs").asInt();
    assertThat(heartbeatMs).as("heartbeatIntervalMs of %s", pods.get(0)).isPositive();
    Map<String, String> identities = Scenarios.identities(client, ns, name);
    Map<String, List<Integer>> current = Scenarios.degrees(api, pods);
    List<Integer> target = List.of(3, 2, 5);
    assertThat(current.values()).as("degrees before the change").doesNotContain(target);

    long t0 = System.nanoTime();
    Tc.mergePatch(client, ns, name,
        "{\"spec\":{\"tuning\":{\"mode\":\"Static\"},\"gossipsub\":{\"d\":3,\"dlo\":2,\"dhi\":5,\"dout\":1}}}");
    Map<String, Long> firstSeen = new LinkedHashMap<>();
    long[] roundNanos = {0};
    Map<String, List<Integer>> last = new LinkedHashMap<>();
    try {
      await("D/Dlo/Dhi 3/2/5 on every node").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> {
            long r0 = System.nanoTime();
            for (String pod : pods) {
              JsonNode p = api.params(pod);
              List<Integer> d = List.of(p.path("d").asInt(), p.path("dlo").asInt(), p.path("dhi").asInt());
              last.put(pod, d);
              if (d.equals(target)) {
                firstSeen.putIfAbsent(pod, System.nanoTime());
              }
            }
            roundNanos[0] = Math.max(roundNanos[0], System.nanoTime() - r0);
            return firstSeen.size() == pods.size();
          });
    } catch (ConditionTimeoutException e) {
      fail("D/Dlo/Dhi not 3/2/5 on every node within 60s of the spec change; nodes report " + last + "; TopicCluster "
          + Tc.brief(Tc.get(client, ns, name)));
    }
    long first = firstSeen.values().stream().mapToLong(Long::longValue).min().orElseThrow();
    long lastSeen = firstSeen.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    Figures.record("live_params.spec_to_all_nodes_ms", (lastSeen - t0) / 1_000_000, "ms");
    Figures.record("live_params.first_to_last_node_ms", (lastSeen - first) / 1_000_000, "ms");
    // once the operator pushed the change (the first node shows it), every node has it within two
    // heartbeats, give or take the time one polling round over all nodes takes
    assertThat((lastSeen - first) / 1_000_000).as("ms from the first to the last node showing the new degrees "
        + "(heartbeat %d ms, polling round %d ms)", heartbeatMs, roundNanos[0] / 1_000_000)
        .isLessThanOrEqualTo(2L * heartbeatMs + roundNanos[0] / 1_000_000);

    Scenarios.awaitTc(client, ns, name, Duration.ofSeconds(60), "status.effectiveParams 3/2/5 and settled",
        tc -> tc.path("status").path("effectiveParams").path("d").asInt() == 3
            && tc.path("status").path("effectiveParams").path("dlo").asInt() == 2
            && tc.path("status").path("effectiveParams").path("dhi").asInt() == 5 && Tc.settled(tc, replicas));
    assertThat(Scenarios.identities(client, ns, name)).as("pod UIDs and restart counts after a live parameter change")
        .isEqualTo(identities);
  }

  // ---- 4 -------------------------------------------------------------------------------------

  @Test
  @Order(4)
  void s04_liveTopicsAreSubscribedWithoutRestarts() throws Exception {
    requireExampleReady();
    String added = "e2e-live";
    Map<String, String> identities = Scenarios.identities(client, ns, name);
    List<String> pods = Scenarios.podNames(client, ns, name);
    ArrayNode topics = ((ArrayNode) Tc.get(client, ns, name).path("spec").path("topics")).deepCopy();
    ObjectNode t = topics.addObject();
    t.put("name", added);
    ObjectNode patch = Tc.JSON.createObjectNode();
    patch.putObject("spec").set("topics", topics);
    long t0 = System.nanoTime();
    Tc.mergePatch(client, ns, name, patch.toString());

    Map<String, List<String>> last = new LinkedHashMap<>();
    try {
      await("every node subscribed to " + added).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
          .until(() -> {
            for (String pod : pods) {
              try {
                last.put(pod, topicNames(api.getJson(pod, "/v1/topics")));
              } catch (IOException e) {
                last.put(pod, List.of("error: " + e.getMessage()));
              }
            }
            return last.values().stream().allMatch(l -> l.contains(added));
          });
    } catch (ConditionTimeoutException e) {
      fail("not every node subscribed to " + added + " within 90s; GET /v1/topics: " + last + "; pods now "
          + Scenarios.podsBrief(client, ns, name));
    }
    Figures.record("live_topics.spec_to_all_nodes_ms", (System.nanoTime() - t0) / 1_000_000, "ms");
    Scenarios.awaitTc(client, ns, name, Duration.ofSeconds(90), "settled with " + (topics.size()) + " topics",
        tc -> Tc.settled(tc, replicas) && tc.path("status").path("topicCount").asInt() == topics.size());
    assertThat(Scenarios.identities(client, ns, name)).as("pod UIDs and restart counts after adding a topic")
        .isEqualTo(identities);

    Map<String, Double> before = Scenarios.seenCounts(api, pods, added);
    int n = 5;
    for (int i = 0; i < n; i++) {
      api.publish(pods.get(pods.size() - 1), added, "live-" + i);
    }
    Map<String, Double> delta = new LinkedHashMap<>();
    try {
      await("every node delivers the new topic's messages").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            Scenarios.seenCounts(api, pods, added).forEach((p, v) -> delta.put(p, v - before.get(p)));
            return delta.values().stream().allMatch(v -> v >= n);
          });
    } catch (ConditionTimeoutException e) {
      fail("messages on " + added + " published + delivered per node (expected " + n + "): " + delta);
    }
  }

  private static List<String> topicNames(JsonNode topicsAnswer) {
    List<String> out = new ArrayList<>();
    for (JsonNode t : topicsAnswer.path("topics")) {
      out.add(t.isTextual() ? t.asText() : t.path("name").asText(t.path("topic").asText()));
    }
    return out;
  }

  // ---- 5 -------------------------------------------------------------------------------------

  @Test
  @Order(5)
  void s05_autoTuningDecidesUnderLoadAndTheNodesFollow() throws Exception {
    requireExampleReady();
    List<String> pods = Scenarios.podNames(client, ns, name);
    int startD = Math.min(4, replicas - 1);
    assertThat(startD).as("D to start tuning from (replicas - 1 caps it)").isGreaterThan(3);
    // Auto within [3, 8], starting at D=4 with a strict duplicates objective: under load the tuner
    // lowers D; collection every 2 s and a short cooldown keep the scenario short
    Tc.mergePatch(client, ns, name, "{\"spec\":{\"gossipsub\":{\"d\":" + startD + ",\"dlo\":3,\"dhi\":8,\"dout\":2},"
        + "\"tuning\":{\"mode\":\"Auto\",\"bounds\":{\"dMin\":3,\"dMax\":8},\"cooldownSeconds\":10,"
        + "\"objectives\":{\"maxDuplicatesPerMessage\":0.5}},\"metrics\":{\"collectIntervalSeconds\":2}}}");
    Scenarios.awaitTc(client, ns, name, Duration.ofSeconds(90), "Auto at D=" + startD + " and settled",
        tc -> tc.path("status").path("effectiveParams").path("d").asInt() == startD && Tc.settled(tc, replicas));
    JsonNode before = Tc.get(client, ns, name).path("status").path("lastTuning");
    Set<String> tunedBefore = tunedEvents().stream().map(e -> e.getMetadata().getName() + "#" + e.getCount())
        .collect(Collectors.toSet());

    String topic = firstTopic();
    long t0 = System.nanoTime();
    JsonNode decision;
    try (MessageLog load = new MessageLog(client, api, ns, name, topic)) {
      load.startPublishing(Duration.ofMillis(100), load.roundRobin());
      Scenarios.awaitTc(client, ns, name, Duration.ofSeconds(120), "a tuning decision under load (status.lastTuning)",
          tc -> {
            JsonNode lt = tc.path("status").path("lastTuning");
            return !lt.isMissingNode() && !lt.equals(before) && lt.path("to").path("d").asInt() != startD;
          });
      long reacted = System.nanoTime();
      Figures.record("tuning.reaction_seconds", Scenarios.seconds(reacted - t0), "s");
      decision = Tc.get(client, ns, name).path("status").path("lastTuning");
      System.out.println("e2e: tuning decision " + decision);
      assertThat(decision.path("reason").asText()).as("lastTuning.reason").isNotBlank();
      int d = decision.path("to").path("d").asInt();
      List<Integer> expected = List.of(d, decision.path("to").path("dlo").asInt(), decision.path("to").path("dhi").asInt());
      Map<String, List<Integer>> last = new LinkedHashMap<>();
      try {
        await("the tuned degrees " + expected + " on every node").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200)).until(() -> {
              last.putAll(Scenarios.degrees(api, pods));
              return last.values().stream().allMatch(expected::equals);
            });
      } catch (ConditionTimeoutException e) {
        fail("tuned degrees " + expected + " not on every node: " + last);
      }
      Figures.record("tuning.decision_to_all_nodes_ms", (System.nanoTime() - reacted) / 1_000_000, "ms");
      load.stopPublishing();
      MessageLog.Loss loss = load.loss();
      Figures.record("tuning.missed_deliveries", loss.missed(), "deliveries");
      System.out.println("e2e: load during tuning: " + loss);
    }
    try {
      await("a Tuned Event for the decision").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> tunedEvents().stream().anyMatch(e -> !tunedBefore.contains(e.getMetadata().getName() + "#"
              + e.getCount())));
    } catch (ConditionTimeoutException e) {
      fail("no new Event with reason Tuned for TopicCluster " + name + "; Events now: "
          + client.v1().events().inNamespace(ns).list().getItems().stream()
              .map(ev -> ev.getReason() + ":" + ev.getInvolvedObject().getName() + ":" + ev.getMessage()).toList());
    }
  }

  // ---- 11 (issue 12) ---------------------------------------------------------------------------

  /**
   * A topic's own mesh degrees ({@code spec.topics[].mesh}) reach every node live (the node's
   * {@code GET /v1/topics} shows them in force for that topic only), are recorded in
   * {@code status.topicParams}, restart no pod, and removing them returns the topic to the node's.
   */
  @Test
  @Order(6)
  void s11_aTopicsOwnMeshDegreesReachEveryNodeLive() throws Exception {
    requireExampleReady();
    List<String> pods = Scenarios.podNames(client, ns, name);
    Map<String, String> identities = Scenarios.identities(client, ns, name);
    String topic = firstTopic();
    Tc.mergePatch(client, ns, name, "{\"spec\":{\"tuning\":{\"mode\":\"Static\"}}}");
    Tc.api(client).inNamespace(ns).withName(name).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
        "[{\"op\":\"test\",\"path\":\"/spec/topics/0/name\",\"value\":" + Tc.JSON.writeValueAsString(topic) + "},"
            + "{\"op\":\"add\",\"path\":\"/spec/topics/0/mesh\",\"value\":{\"d\":3,\"dlo\":2,\"dhi\":4,\"dout\":1}}]");
    List<Integer> target = List.of(3, 2, 4, 1);
    Map<String, String> last = new LinkedHashMap<>();
    try {
      await("topic " + topic + " at D/Dlo/Dhi/Dout " + target + " on every node").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            boolean all = true;
            for (String pod : pods) {
              JsonNode mine = topicSettings(pod, topic);
              JsonNode in = mine.path("meshParams");
              last.put(pod, mine.toString());
              all &= List.of(in.path("d").asInt(), in.path("dlo").asInt(), in.path("dhi").asInt(), in.path("dout").asInt())
                  .equals(target) && mine.path("mesh").isObject();
            }
            return all;
          });
    } catch (ConditionTimeoutException e) {
      fail("topic " + topic + " not at " + target + " on every node within 60s; nodes report " + last
          + "; TopicCluster " + Tc.brief(Tc.get(client, ns, name)));
    }
    Scenarios.awaitTc(client, ns, name, Duration.ofSeconds(60), "status.topicParams: " + topic + " source Topic d=3",
        tc -> {
          for (JsonNode e : tc.path("status").path("topicParams")) {
            if (topic.equals(e.path("topic").asText())) {
              return "Topic".equals(e.path("source").asText()) && e.path("d").asInt() == 3;
            }
          }
          return false;
        });

    // no mesh block: the topic runs the node's degrees again
    Tc.api(client).inNamespace(ns).withName(name).patch(
        io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON),
        "[{\"op\":\"remove\",\"path\":\"/spec/topics/0/mesh\"}]");
    try {
      await("topic " + topic + " back on the node's degrees").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            boolean all = true;
            for (String pod : pods) {
              JsonNode mine = topicSettings(pod, topic);
              JsonNode p = api.params(pod);
              last.put(pod, mine + " params " + p);
              all &= mine.path("mesh").isNull() && mine.path("meshParams").path("d").asInt() == p.path("d").asInt()
                  && mine.path("meshParams").path("dlo").asInt() == p.path("dlo").asInt();
            }
            return all;
          });
    } catch (ConditionTimeoutException e) {
      fail("topic " + topic + " not back on the node's degrees within 60s; nodes report " + last);
    }
    assertThat(Scenarios.identities(client, ns, name)).as("pod UIDs and restart counts after per-topic changes")
        .isEqualTo(identities);
  }

  /** The node's settings of one topic ({@code GET /v1/topics}), or a missing node. */
  private JsonNode topicSettings(String pod, String topic) throws IOException {
    for (JsonNode t : api.getJson(pod, "/v1/topics").path("topics")) {
      if (topic.equals(t.path("name").asText())) {
        return t;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  private List<Event> tunedEvents() {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> "Tuned".equals(e.getReason()) && name.equals(e.getInvolvedObject().getName())).toList();
  }

  // ---- 9 -------------------------------------------------------------------------------------

  @Test
  @Order(9)
  void s09_aKilledPodHeals() throws Exception {
    requireExampleReady();
    int heartbeatMs = api.params(Scenarios.podNames(client, ns, name).get(0)).path("heartbeatIntervalMs").asInt();
    String victim = name + "-1";
    Pod p = client.pods().inNamespace(ns).withName(victim).get();
    String uid = p.getMetadata().getUid();
    long t0 = System.nanoTime();
    client.pods().inNamespace(ns).withName(victim).withGracePeriod(0).delete();
    List<String> observed = new ArrayList<>();
    boolean[] dip = {false};
    String[] lastBrief = {""};
    try {
      await("the cluster heals after " + victim + " was killed").atMost(Duration.ofSeconds(180))
          .pollInterval(Duration.ofMillis(250)).until(() -> {
            JsonNode tc = Tc.get(client, ns, name);
            String b = tc.path("status").path("nodes").asText() + " Ready=" + Tc.condition(tc, "Ready").path("status")
                .asText() + " mesh=" + tc.path("status").path("meshHealth").asText();
            if (!b.equals(lastBrief[0])) {
              observed.add(Diagnostics.seconds(Duration.ofNanos(System.nanoTime() - t0)) + " " + b);
              lastBrief[0] = b;
            }
            if (tc.path("status").path("readyReplicas").asInt() < replicas || !Tc.conditionIs(tc, "Ready", "True")
                || !"Healthy".equals(tc.path("status").path("meshHealth").asText())) {
              dip[0] = true;
            }
            Pod now = client.pods().inNamespace(ns).withName(victim).get();
            return dip[0] && now != null && !uid.equals(now.getMetadata().getUid()) && Tc.podReady(now)
                && Tc.settled(tc, replicas);
          });
    } catch (ConditionTimeoutException e) {
      fail("no heal within 180s after killing " + victim + "; status seen: " + observed + "; pods "
          + Scenarios.podsBrief(client, ns, name));
    }
    double heal = Scenarios.seconds(System.nanoTime() - t0);
    System.out.println("e2e: status after the pod kill: " + observed);
    Figures.record("pod_kill.heal_seconds", heal, "s");
    Figures.record("pod_kill.heal_heartbeats", Math.round(heal * 1000 / heartbeatMs), "heartbeats");
    assertThat(observed).as("status shows the dip and the recovery").hasSizeGreaterThanOrEqualTo(2);
    // a restart is a container start, a JVM start and a mesh formation: bounded, not "a few heartbeats"
    double max = Double.parseDouble(System.getProperty("e2e.healMaxSeconds", "60"));
    assertThat(heal).as("seconds from the kill to a settled cluster (heartbeat %d ms; status seen %s)", heartbeatMs,
        observed).isLessThanOrEqualTo(max);
  }

  // ---- 10 ------------------------------------------------------------------------------------

  @Test
  @Order(10)
  void s10_deletionRemovesEverythingOwned() {
    if (!exampleReady) {
      fail("precondition: scenario 1 did not bring the example TopicCluster to Ready");
    }
    JsonNode tc = Tc.get(client, ns, name);
    assertThat(tc.isMissingNode()).as("TopicCluster %s exists", name).isFalse();
    String uid = tc.path("metadata").path("uid").asText();
    List<HasMetadata> owned = new ArrayList<>();
    owned.addAll(client.apps().statefulSets().inNamespace(ns).list().getItems());
    owned.addAll(client.services().inNamespace(ns).list().getItems());
    owned.addAll(client.configMaps().inNamespace(ns).list().getItems());
    owned.addAll(client.secrets().inNamespace(ns).list().getItems());
    owned.addAll(client.serviceAccounts().inNamespace(ns).list().getItems());
    owned.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    owned.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    owned.addAll(client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems());
    owned.removeIf(o -> o.getMetadata().getOwnerReferences().stream().map(OwnerReference::getUid)
        .noneMatch(uid::equals));
    assertThat(owned).as("objects owned by the TopicCluster").extracting(HasMetadata::getKind)
        .contains("StatefulSet", "Service", "ConfigMap", "Secret");
    System.out.println("e2e: owned by " + name + ": " + owned.stream().map(o -> o.getKind() + "/"
        + o.getMetadata().getName()).toList());

    long t0 = System.nanoTime();
    Tc.api(client).inNamespace(ns).withName(name).delete();
    deletedReason = "the TopicCluster was deleted by scenario 10";
    await("TopicCluster " + name + " gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
        .until(() -> Tc.api(client).inNamespace(ns).withName(name).get() == null);
    List<String> left = new ArrayList<>();
    try {
      await("owned objects and pods garbage-collected").atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500)).until(() -> {
            left.clear();
            for (HasMetadata o : owned) {
              if (client.resource(o).get() != null) {
                left.add(o.getKind() + "/" + o.getMetadata().getName());
              }
            }
            Tc.pods(client, ns, name).forEach(p -> left.add("Pod/" + p.getMetadata().getName()));
            return left.isEmpty();
          });
    } catch (ConditionTimeoutException e) {
      fail("still present 120s after deleting " + name + ": " + left);
    }
    Figures.record("deletion.gc_seconds", Scenarios.seconds(System.nanoTime() - t0), "s");
  }
}
