package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.reconciler.Conditions;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults around the operator, with the operator as a real process (the shaded jar), a real
 * kube-apiserver behind a TCP proxy the test can take down ({@link ApiServerProxy}), the
 * StatefulSet simulator, and fake node admin APIs on per-pod loopback addresses at the admin port
 * (so the process reaches them at {@code podIP:9090} as inside a cluster).
 *
 * <ul>
 *   <li>operator restart: the spec changed while no operator ran is applied, nothing owned is
 *       recreated or needlessly updated, pods keep their template, status converges;</li>
 *   <li>API server unavailable (leader election off): the process keeps running and logs a bounded
 *       number of lines, no stack traces; informers resync, reconciliation resumes, nothing recreated;</li>
 *   <li>API server unavailable for longer than the leader lease's renew deadline (leader election
 *       on): the operator exits with status 1 and one line, a restarted process (as the kubelet
 *       does) waits for the API server and then recovers.</li>
 * </ul>
 * Figures go to stdout as {@code FAULTS ...} lines (docs/reliability.md records them).
 */
class OperatorFaultsIT {
  private static final Duration CONVERGE = Duration.ofSeconds(150);
  private static final Duration OUTAGE = Duration.ofSeconds(20);
  private static final int REPLICAS = 3;

  private KubernetesClient client;
  private String ns;
  private ApiServerProxy proxy;
  private Path kubeconfig;
  private StatefulSetSimulator sim;
  private String ipPrefix;
  private final Map<String, FakeNode> nodes = new ConcurrentHashMap<>();
  private final List<OperatorProcess> processes = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    client = RealApiServer.client();
    ns = RealApiServer.newNamespace("faults");
    URI master = URI.create(client.getConfiguration().getMasterUrl());
    proxy = new ApiServerProxy(master.getPort());
    String yaml = Files.readString(RealApiServer.kubeconfig());
    String direct = master.getHost() + ":" + master.getPort();
    assertThat(yaml).as("kubeconfig names the API server").contains(direct);
    kubeconfig = Files.createTempFile("topicmesh-faults-kubeconfig", ".yaml");
    Files.writeString(kubeconfig, yaml.replace(direct, "127.0.0.1:" + proxy.port()));
    sim = new StatefulSetSimulator(client);
    ipPrefix = "127.83." + ThreadLocalRandom.current().nextInt(1, 255) + ".";
    sim.podIp = pod -> ipPrefix + (10 + ordinal(pod));
  }

  @AfterEach
  void tearDown() throws IOException {
    processes.forEach(p -> p.process.destroyForcibly());
    proxy.close();
    nodes.values().forEach(FakeNode::close);
    Files.deleteIfExists(kubeconfig);
  }

  @Test
  void operatorRestartResumesWithoutRecreatingOrRestartingAnything() throws Exception {
    OperatorProcess first = start(true);
    String name = "restart";
    readyCluster(first, name);
    Map<String, Owned> before = owned(name);

    first.stop();
    assertThat(first.log()).contains("shutting down").doesNotContain("lost the leader lease");
    // While no operator runs: a live parameter changes (pushed to the nodes, no pod restart).
    long generation = setHeartbeat(name, 700);

    long t0 = System.nanoTime();
    OperatorProcess second = start(true);
    Duration resumed = awaitHeartbeat(name, 700);
    Duration converged = awaitConverged(name, generation);
    System.out.printf("FAULTS operator-restart spec-change-while-down: applied %d ms after the new process started,"
        + " status converged %d ms after%n", resumed.toMillis(), converged.toMillis());
    Map<String, Owned> after = owned(name);
    assertSameObjects(before, after, "ConfigMap/" + name + "-config");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(CONVERGE);

    // A restart with nothing changed: one full reconcile, and not one write to an owned object.
    second.stop();
    OperatorProcess third = start(true);
    long t1 = System.nanoTime();
    await("the new operator reconciles " + name).atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> reconciles(third, name) >= 2);
    Duration reconciled = Duration.ofNanos(System.nanoTime() - t1);
    awaitConverged(name, generation);
    System.out.printf("FAULTS operator-restart unchanged: %d ms to the second reconcile of the new process%n",
        reconciled.toMillis());
    assertThat(owned(name)).as("an unchanged restart writes nothing (uids and resourceVersions)").isEqualTo(after);
    assertNoStackTraces(first, second, third);
  }

  @Test
  void apiServerUnavailableOperatorKeepsRunningAndResumes() throws Exception {
    OperatorProcess operator = start(false);
    String name = "outage";
    readyCluster(operator, name);
    Map<String, Owned> before = owned(name);

    int linesBefore = operator.lines().size();
    proxy.down();
    long down = System.nanoTime();
    // While the API server is away a node's mesh for the topic shrinks to one peer of two: only the
    // operator's polling of the nodes (no Kubernetes event) can bring that into status.
    var peers = get(name).getStatus().peers;
    nodes.get(name + "-2").mesh("news", peers.get(0).peerId);
    await("the operator process stays up for the whole outage").during(OUTAGE).atMost(OUTAGE.plusSeconds(10))
        .pollInterval(Duration.ofMillis(500)).until(operator.process::isAlive);
    proxy.up();
    long outage = System.nanoTime() - down;
    List<String> logged = operator.lines();
    List<String> during = logged.subList(linesBefore, logged.size());
    System.out.printf("FAULTS api-server-outage (no leader election): %d s down, %d log lines during it%n",
        TimeUnit.NANOSECONDS.toSeconds(outage), during.size());
    during.forEach(l -> System.out.println("FAULTS   | " + l));
    assertThat(during).as("no stack traces").noneMatch(OperatorFaultsIT::stackFrame);
    assertThat(during).as("some line says what fails").isNotEmpty();
    assertThat(during.size()).as("log lines during a %d s outage", TimeUnit.NANOSECONDS.toSeconds(outage))
        .isLessThanOrEqualTo(maxLines(outage));

    long back = System.nanoTime();
    await("status reports the mesh change made during the outage").atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
        .until(() -> "Degraded".equals(get(name).getStatus().meshHealth));
    Duration noticed = Duration.ofNanos(System.nanoTime() - back);
    nodes.get(name + "-2").mesh("news", peers.get(0).peerId, peers.get(1).peerId);
    Duration healed = awaitConverged(name, get(name).getMetadata().getGeneration());
    System.out.printf("FAULTS api-server-outage (no leader election): mesh change made during the outage in status"
        + " %d ms after the return; healed mesh in status %d ms after that%n", noticed.toMillis(), healed.toMillis());

    long generation = setHeartbeat(name, 700);
    Duration resumed = awaitHeartbeat(name, 700);
    Duration converged = awaitConverged(name, generation);
    System.out.printf("FAULTS api-server-outage (no leader election): spec change after the return applied in %d ms,"
        + " status converged %d ms after%n", resumed.toMillis(), converged.toMillis());
    assertThat(operator.process.isAlive()).isTrue();
    assertSameObjects(before, owned(name), "ConfigMap/" + name + "-config");
    assertNoStackTraces(operator);
  }

  @Test
  void apiServerUnavailableLongerThanTheLeaseExitsAndARestartRecovers() throws Exception {
    OperatorProcess leader = start(true);
    String name = "lease";
    readyCluster(leader, name);
    Map<String, Owned> before = owned(name);

    // An outage shorter than the renew deadline: the leader stays, and renews once the API server is back.
    String holder = leaseHolder();
    assertThat(holder).as("the lease is held").isNotEmpty();
    proxy.down();
    await("the leader stays through a 4 s outage").during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8))
        .pollInterval(Duration.ofMillis(250)).until(leader.process::isAlive);
    proxy.up();
    java.time.Instant back = java.time.Instant.now();
    await("the leader renews its lease after the short outage").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250)).until(() -> leader.process.isAlive() && holder.equals(leaseHolder())
            && client.leases().inNamespace(ns).withName("topicmesh-operator-leader").get().getSpec().getRenewTime()
                .toInstant().isAfter(back));
    System.out.printf("FAULTS api-server-outage (leader election): a 4 s outage keeps the leader (%s)%n", holder);

    proxy.down();
    long down = System.nanoTime();
    // The renew deadline is 10 s: the leader stops leading and exits rather than reconcile without the
    // lease, and it must be gone before the lease (20 s from its last renewal, at or before the outage)
    // can be taken by a standby.
    await("the leader exits after its renew deadline").atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(250)).until(() -> !leader.process.isAlive());
    long exited = System.nanoTime() - down;
    assertThat(Duration.ofNanos(exited)).as("the old leader exits before its lease runs out")
        .isLessThan(Duration.ofSeconds(20));
    assertThat(leader.process.exitValue()).isEqualTo(1);
    assertThat(leader.log()).contains("lost the leader lease");
    // As the kubelet would: restart it at once, while the API server is still away; start-up waits for it.
    OperatorProcess restarted = start(true, false);
    Duration remaining = OUTAGE.minus(Duration.ofNanos(System.nanoTime() - down));
    if (!remaining.isNegative() && !remaining.isZero()) {
      await("the restarted process waits for the API server").during(remaining).atMost(remaining.plusSeconds(10))
          .pollInterval(Duration.ofMillis(500)).until(restarted.process::isAlive);
    }
    proxy.up();
    long outage = System.nanoTime() - down;
    System.out.printf("FAULTS api-server-outage (leader election): %d s down; the leader exited %d ms into it%n",
        TimeUnit.NANOSECONDS.toSeconds(outage), TimeUnit.NANOSECONDS.toMillis(exited));
    leader.lines().forEach(l -> System.out.println("FAULTS   leader | " + l));

    await("the restarted operator is ready").atMost(CONVERGE).pollInterval(Duration.ofMillis(300))
        .ignoreExceptions().until(() -> restarted.ready());
    long generation = setHeartbeat(name, 700);
    Duration resumed = awaitHeartbeat(name, 700);
    Duration converged = awaitConverged(name, generation);
    System.out.printf("FAULTS api-server-outage (leader election): restarted operator applied a spec change in %d ms,"
        + " status converged %d ms after%n", resumed.toMillis(), converged.toMillis());
    restarted.lines().forEach(l -> System.out.println("FAULTS   restarted | " + l));
    assertThat(restarted.log()).contains("leading as");
    assertSameObjects(before, owned(name), "ConfigMap/" + name + "-config");
    assertNoStackTraces(leader, restarted);
  }

  // ---- the cluster ----------------------------------------------------------------------------

  /** Creates the cluster, brings up its pods and fake nodes, and waits for Ready. */
  private void readyCluster(OperatorProcess operator, String name) throws Exception {
    TopicCluster cr = cluster(name, REPLICAS, "news");
    cr.getMetadata().setUid(null);
    cr.getMetadata().setGeneration(null);
    cr.getMetadata().setNamespace(ns);
    cr.getSpec().metrics.collectIntervalSeconds = 1;
    client.resource(cr).create();
    await("peers in status and the admin token (operator log: " + operator.logFile + ")").atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(250)).until(() -> {
          TopicCluster c = get(name);
          return c.getStatus() != null && c.getStatus().peers != null && c.getStatus().peers.size() == REPLICAS
              && client.secrets().inNamespace(ns).withName(name + "-admin-token").get() != null;
        });
    String token = new String(Base64.getDecoder().decode(client.secrets().inNamespace(ns)
        .withName(name + "-admin-token").get().getData().get("token")), StandardCharsets.UTF_8);
    var peers = get(name).getStatus().peers;
    for (int i = 0; i < REPLICAS; i++) {
      nodes.put(name + "-" + i, fakeNode(token, peers.get(i).peerId, i));
    }
    for (int i = 0; i < REPLICAS; i++) {
      List<String> others = new ArrayList<>();
      for (int j = 0; j < REPLICAS; j++) {
        if (j != i) {
          others.add(peers.get(j).peerId);
        }
      }
      nodes.get(name + "-" + i).mesh("news", others.toArray(String[]::new));
    }
    sim.sync(ns, name);
    Duration ready = awaitConverged(name, get(name).getMetadata().getGeneration());
    System.out.printf("FAULTS %s: Ready %d ms after the pods%n", name, ready.toMillis());
  }

  /** A fake node on the pod's own loopback address at the admin port; another /24 when that is taken. */
  private FakeNode fakeNode(String token, String peerId, int ordinal) throws IOException {
    for (int attempt = 0; ; attempt++) {
      try {
        return new FakeNode(token, peerId, new InetSocketAddress(ipPrefix + (10 + ordinal), TopicClusterModel.ADMIN_PORT));
      } catch (BindException e) {
        if (ordinal != 0 || attempt >= 5) {
          throw e;
        }
        ipPrefix = "127.83." + ThreadLocalRandom.current().nextInt(1, 255) + ".";
      }
    }
  }

  private TopicCluster get(String name) {
    return client.resources(TopicCluster.class).inNamespace(ns).withName(name).get();
  }

  private long setHeartbeat(String name, int millis) {
    return client.resources(TopicCluster.class).inNamespace(ns).withName(name).edit(c -> {
      c.getSpec().gossipsub.heartbeatIntervalMs = millis;
      return c;
    }).getMetadata().getGeneration();
  }

  /** Until the ConfigMap and every node have the heartbeat; the time it took. */
  private Duration awaitHeartbeat(String name, int millis) {
    long t0 = System.nanoTime();
    await("heartbeatIntervalMs=" + millis + " in the ConfigMap and on every node").atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
          String config = client.configMaps().inNamespace(ns).withName(name + "-config").get().getData()
              .values().iterator().next();
          return config.contains("heartbeatIntervalMs: " + millis) && nodes.entrySet().stream()
              .filter(e -> e.getKey().startsWith(name + "-"))
              .allMatch(e -> e.getValue().params().get("heartbeatIntervalMs").asInt() == millis);
        });
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  /** Until status is Ready, healthy and observes {@code generation}; the time it took. */
  private Duration awaitConverged(String name, long generation) {
    long t0 = System.nanoTime();
    await("status of " + name + " converges on generation " + generation).atMost(CONVERGE)
        .pollInterval(Duration.ofMillis(250)).ignoreExceptions().untilAsserted(() -> {
          TopicCluster c = get(name);
          assertThat(c.getMetadata().getGeneration()).isEqualTo(generation);
          assertThat(c.getStatus().observedGeneration).isEqualTo(generation);
          assertThat(Conditions.isTrue(c.getStatus().conditions, Conditions.READY))
              .as(String.valueOf(c.getStatus().conditions)).isTrue();
          assertThat(Conditions.find(c.getStatus().conditions, Conditions.READY).orElseThrow().getObservedGeneration())
              .isEqualTo(generation);
          assertThat(c.getStatus().meshHealth).isEqualTo("Healthy");
          assertThat(c.getStatus().nodes).isEqualTo(REPLICAS + "/" + REPLICAS);
        });
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  // ---- what the operator owns ----------------------------------------------------------------

  /** uid, resourceVersion and (pods, StatefulSet) the pod template hash. */
  record Owned(String uid, String resourceVersion, String templateHash) {
  }

  /** Everything owned by the cluster (owner reference to its uid), and its pods, by kind/name. */
  private Map<String, Owned> owned(String name) {
    String uid = get(name).getMetadata().getUid();
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.apps().statefulSets().inNamespace(ns).list().getItems());
    all.addAll(client.services().inNamespace(ns).list().getItems());
    all.addAll(client.configMaps().inNamespace(ns).list().getItems());
    all.addAll(client.secrets().inNamespace(ns).list().getItems());
    all.addAll(client.serviceAccounts().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    all.addAll(client.policy().v1().podDisruptionBudget().inNamespace(ns).list().getItems());
    all.addAll(client.network().v1().networkPolicies().inNamespace(ns).list().getItems());
    Map<String, Owned> owned = new TreeMap<>();
    for (HasMetadata o : all) {
      List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
      if (refs != null && refs.stream().anyMatch(r -> uid.equals(r.getUid()))) {
        String hash = o instanceof io.fabric8.kubernetes.api.model.apps.StatefulSet s
            ? s.getSpec().getTemplate().getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION)
            : null;
        owned.put(o.getKind() + "/" + o.getMetadata().getName(),
            new Owned(o.getMetadata().getUid(), o.getMetadata().getResourceVersion(), hash));
      }
    }
    for (Pod pod : client.pods().inNamespace(ns).withLabel(TopicClusterModel.INSTANCE_LABEL, name).list().getItems()) {
      // A pod's resourceVersion moves with its status (the simulated kubelet); its uid and template must not.
      owned.put("Pod/" + pod.getMetadata().getName(), new Owned(pod.getMetadata().getUid(), null,
          pod.getMetadata().getAnnotations().get(TopicClusterModel.TEMPLATE_HASH_ANNOTATION)));
    }
    assertThat(owned.keySet()).as("owned objects of " + name).contains("StatefulSet/" + name,
        "ConfigMap/" + name + "-config", "Secret/" + name + "-admin-token", "PodDisruptionBudget/" + name,
        "Pod/" + name + "-0");
    assertThat(owned.keySet().stream().filter(k -> k.startsWith("Service/")).count()).isPositive();
    return owned;
  }

  /** Same objects with the same uids and template hashes; resourceVersions unchanged except for {@code changed}. */
  private static void assertSameObjects(Map<String, Owned> before, Map<String, Owned> after, String... changed) {
    assertThat(after.keySet()).as("no object added or removed").isEqualTo(before.keySet());
    List<String> expectedChanges = List.of(changed);
    for (var e : before.entrySet()) {
      Owned now = after.get(e.getKey());
      assertThat(now.uid()).as(e.getKey() + " not recreated (uid)").isEqualTo(e.getValue().uid());
      assertThat(now.templateHash()).as(e.getKey() + " pod template unchanged (no restart)")
          .isEqualTo(e.getValue().templateHash());
      if (expectedChanges.contains(e.getKey())) {
        assertThat(now.resourceVersion()).as(e.getKey() + " updated for the spec change")
            .isNotEqualTo(e.getValue().resourceVersion());
      } else {
        assertThat(now.resourceVersion()).as(e.getKey() + " not written (resourceVersion)")
            .isEqualTo(e.getValue().resourceVersion());
      }
    }
  }

  // ---- the operator process ------------------------------------------------------------------

  private OperatorProcess start(boolean leaderElection) throws Exception {
    return start(leaderElection, true);
  }

  private OperatorProcess start(boolean leaderElection, boolean awaitReady) throws Exception {
    OperatorProcess p = OperatorProcess.start(kubeconfig, ns, leaderElection);
    processes.add(p);
    if (awaitReady) {
      await("operator /readyz (log: " + p.logFile + ")").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(p::ready);
    }
    return p;
  }

  /** Sum of the process's reconciles_total series for the cluster. */
  private double reconciles(OperatorProcess p, String name) throws Exception {
    String metrics = p.get("/metrics").body();
    return metrics.lines().filter(l -> l.startsWith("topicmesh_operator_reconciles_total{")
            && l.contains("cluster=\"" + name + "\"") && l.contains("namespace=\"" + ns + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private String leaseHolder() {
    var lease = client.leases().inNamespace(ns).withName("topicmesh-operator-leader").get();
    return lease == null || lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }

  private static boolean stackFrame(String line) {
    String t = line.strip();
    return t.startsWith("at ") && line.startsWith("\t") || t.startsWith("Caused by:") || t.matches("\\.\\.\\. \\d+ more");
  }

  private static void assertNoStackTraces(OperatorProcess... ps) throws IOException {
    for (OperatorProcess p : ps) {
      assertThat(p.lines()).as("stack traces in " + p.logFile).noneMatch(OperatorFaultsIT::stackFrame);
    }
  }

  /** One line per failing call is the bar: a few per second of outage, plus start and end lines. */
  private static int maxLines(long outageNanos) {
    return (int) (3 * TimeUnit.NANOSECONDS.toSeconds(outageNanos) + 20);
  }

  private static int ordinal(String pod) {
    return Integer.parseInt(pod.substring(pod.lastIndexOf('-') + 1));
  }

  /** {@code operator/target/topicmesh-operator.jar} as a process, its output in a file. */
  static final class OperatorProcess {
    final Process process;
    final Path logFile;
    final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private OperatorProcess(Process process, Path logFile, int httpPort) {
      this.process = process;
      this.logFile = logFile;
      this.httpPort = httpPort;
    }

    static OperatorProcess start(Path kubeconfig, String ns, boolean leaderElection) throws IOException {
      Path jar = Path.of("target", "topicmesh-operator.jar");
      assertThat(jar).as("built by the package phase").exists();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path log = Files.createTempFile("operator-faults", ".log");
      ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      pb.environment().put("WATCH_NAMESPACE", ns);
      pb.environment().put("LEADER_ELECTION", Boolean.toString(leaderElection));
      pb.environment().put("LEADER_ELECTION_NAMESPACE", ns);
      pb.environment().put("OPERATOR_HTTP_PORT", Integer.toString(port));
      return new OperatorProcess(pb.start(), log, port);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    boolean ready() throws IOException, InterruptedException {
      return get("/readyz").statusCode() == 200;
    }

    String log() throws IOException {
      return Files.readString(logFile);
    }

    List<String> lines() throws IOException {
      return Files.readAllLines(logFile);
    }

    /** SIGTERM; the process must be gone within 30 s. */
    void stop() throws InterruptedException, IOException {
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits within 30 s of SIGTERM (log: " + logFile + ")")
          .isTrue();
    }
  }
}
