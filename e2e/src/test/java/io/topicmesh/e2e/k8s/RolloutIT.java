package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenarios 7 (rolling update to another image tag: mesh-gated, one pod at a time, messages lost
 * measured) and 8 (a crash-looping image gives Degraded with a reason; fixing the spec recovers
 * without deleting pods by hand), on one 3-node cluster.
 */
@Order(5)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RolloutIT {
  static final String NAME = "roll";
  static final int REPLICAS = 3;
  private E2eEnv env;
  private KubernetesClient client;
  private String ns;
  private NodeApi api;
  private boolean rolledToAlt;

  /** What the pods and the TopicCluster looked like at one moment. */
  record Sample(long atMs, Map<Integer, String> uids, List<Integer> unavailable, String meshHealth,
      Map<Integer, String> images, boolean nodesMeshed, String meshes) {}

  /**
   * The nodes' own view, asked only when every pod is Ready: each node's mesh in each topic has at
   * least min(Dlo, other nodes) peers.
   */
  private String nodeMeshes(List<Pod> pods) {
    StringBuilder b = new StringBuilder();
    boolean ok = true;
    for (Pod p : pods) {
      String pod = p.getMetadata().getName();
      try {
        JsonNode st = api.status(pod);
        int want = Math.min(st.path("params").path("dlo").asInt(1), pods.size() - 1);
        b.append(pod.substring(pod.lastIndexOf('-') + 1)).append(':');
        if (st.path("topics").isEmpty()) {
          ok = false;
          b.append("no-topics");
        }
        for (JsonNode t : st.path("topics")) {
          b.append(t.path("mesh").size());
          ok &= t.path("mesh").size() >= want;
        }
        b.append(' ');
      } catch (java.io.IOException | RuntimeException e) {
        ok = false;
        b.append(pod).append(":error(").append(e.getMessage()).append(") ");
      }
    }
    return (ok ? "OK " : "LOW ") + b.toString().trim();
  }

  @BeforeAll
  void setUp() {
    env = E2eEnv.get();
    OperatorInstall.ensure();
    client = env.client;
    ns = TestNamespace.create(getClass(), "e2e-rollout");
    api = new NodeApi(client, ns, NAME);
    String yaml = ScalingIT.clusterYaml(NAME, ns, env.nodeImage, REPLICAS)
        + "  rollout: {meshHealthGate: true, healthTimeoutSeconds: 30}\n";
    Tc.api(client).inNamespace(ns).resource(Tc.fromYaml(yaml)).create();
  }

  @AfterAll
  void tearDown() {
    api.close();
    TestNamespace.delete(ns);
  }

  /** Samples pods, status and (when all pods are Ready) the nodes' meshes every 100 ms until stopped. */
  private final class Sampler implements AutoCloseable {
    final List<Sample> samples = new CopyOnWriteArrayList<>();
    final AtomicBoolean stop = new AtomicBoolean();
    final long t0 = System.nanoTime();
    final Thread thread = new Thread(() -> {
      while (!stop.get()) {
        try {
          Map<Integer, String> uids = new LinkedHashMap<>();
          Map<Integer, String> images = new LinkedHashMap<>();
          List<Integer> unavailable = new ArrayList<>();
          Map<Integer, Pod> byOrdinal = new LinkedHashMap<>();
          Tc.pods(client, ns, NAME).forEach(p -> byOrdinal.put(Tc.ordinal(p), p));
          for (int i = 0; i < REPLICAS; i++) {
            Pod p = byOrdinal.get(i);
            if (p == null || !Tc.podReady(p)) {
              unavailable.add(i);
            }
            if (p != null) {
              uids.put(i, p.getMetadata().getUid());
              images.put(i, p.getSpec().getContainers().get(0).getImage());
            }
          }
          String mesh = Tc.get(client, ns, NAME).path("status").path("meshHealth").asText();
          String meshes = unavailable.isEmpty() ? nodeMeshes(List.copyOf(byOrdinal.values())) : "";
          samples.add(new Sample((System.nanoTime() - t0) / 1_000_000, uids, unavailable, mesh, images,
              meshes.startsWith("OK"), meshes));
        } catch (RuntimeException e) {
          System.out.println("e2e: sampler: " + e.getMessage());
        }
        try {
          Thread.sleep(100); // sampling cadence, not a wait for a condition
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "e2e-sampler");

    Sampler() {
      thread.setDaemon(true);
      thread.start();
    }

    int maxUnavailable() {
      return samples.stream().mapToInt(s -> s.unavailable.size()).max().orElse(0);
    }

    /** Ordinals in the order their pod was replaced (a new UID appeared). */
    List<Integer> replacementOrder() {
      List<Integer> order = new ArrayList<>();
      Map<Integer, String> first = samples.isEmpty() ? Map.of() : samples.get(0).uids;
      for (Sample s : samples) {
        s.uids.forEach((o, uid) -> {
          if (first.containsKey(o) && !first.get(o).equals(uid) && !order.contains(o)) {
            order.add(o);
          }
        });
        for (Integer o : s.unavailable) {
          if (!order.contains(o) && !s.uids.containsKey(o)) {
            order.add(o);
          }
        }
      }
      return order;
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.interrupt();
      thread.join(5000);
    }
  }

  private static String timeline(List<Sample> samples) {
    List<String> out = new ArrayList<>();
    String prev = "";
    for (Sample s : samples) {
      String line = "unavailable=" + s.unavailable + " mesh=" + s.meshHealth + " nodes=[" + s.meshes + "] uids=" + s.uids.values().stream()
          .map(u -> u.substring(0, 6)).toList();
      if (!line.equals(prev)) {
        out.add(s.atMs + "ms " + line);
        prev = line;
      }
    }
    return String.join("\n  ", out);
  }

  @Test
  @Order(7)
  void s07_rollingUpdateIsMeshGatedOnePodAtATime() throws Exception {
    Duration ready = Scenarios.awaitSettled(client, ns, NAME, REPLICAS, Duration.ofMinutes(4));
    Figures.record("rollout.cluster_ready_seconds", Scenarios.seconds(ready.toNanos()), "s");
    long t0 = System.nanoTime();
    MessageLog.Loss loss;
    List<String> errors;
    try (Sampler sampler = new Sampler(); MessageLog log = new MessageLog(client, api, ns, NAME, ScalingIT.TOPIC)) {
      log.startPublishing(Duration.ofMillis(200), log.roundRobin());
      Tc.mergePatch(client, ns, NAME, "{\"spec\":{\"image\":\"" + env.nodeImageAlt + "\"}}");
      Scenarios.awaitTc(client, ns, NAME, Duration.ofMinutes(6), "every pod on " + env.nodeImageAlt + ", settled",
          tc -> Tc.settled(tc, REPLICAS) && Tc.pods(client, ns, NAME).stream().allMatch(p -> Tc.podReady(p)
              && env.nodeImageAlt.equals(p.getSpec().getContainers().get(0).getImage())));
      rolledToAlt = true;
      Figures.record("rollout.duration_seconds", Scenarios.seconds(System.nanoTime() - t0), "s");
      log.stopPublishing();
      sampler.close();
      String tl = timeline(sampler.samples);
      System.out.println("e2e: rollout timeline:\n  " + tl);
      loss = log.loss();
      errors = log.publishErrors();
      System.out.println("e2e: rollout messages: " + loss + "; observers " + log.observers());
      Figures.record("rollout.messages_published", loss.published(), "messages");
      Figures.record("rollout.messages_lost", loss.messagesWithMiss(), "messages");
      Figures.record("rollout.missed_deliveries", loss.missed(), "deliveries");
      Figures.record("rollout.publish_errors", loss.publishErrors(), "messages");

      assertThat(sampler.maxUnavailable()).as("pods unavailable at once during the rollout; timeline:\n  %s", tl)
          .isLessThanOrEqualTo(1);
      List<Integer> order = sampler.replacementOrder();
      assertThat(order).as("ordinals in the order they were replaced; timeline:\n  %s", tl)
          .containsExactly(2, 1, 0);
      // between steps the meshes were healthy: before each replacement after the first, a sample shows
      // every pod Ready and the mesh Healthy
      for (int k = 1; k < order.size(); k++) {
        int prevOrdinal = order.get(k - 1);
        int next = order.get(k);
        boolean healthyBetween = false;
        String prevNewUid = null;
        for (Sample s : sampler.samples) {
          if (prevNewUid == null && s.unavailable.isEmpty()
              && !s.uids.get(prevOrdinal).equals(sampler.samples.get(0).uids.get(prevOrdinal))) {
            prevNewUid = s.uids.get(prevOrdinal);
          }
          if (prevNewUid != null && s.unavailable.isEmpty() && (s.nodesMeshed || "Healthy".equals(s.meshHealth))) {
            healthyBetween = true;
          }
          if (s.unavailable.contains(next) || !s.uids.get(next).equals(sampler.samples.get(0).uids.get(next))) {
            break;
          }
        }
        if (!healthyBetween) {
          // the gate can act within one sampling interval of the pod turning Ready (a node is Ready only
          // once meshed up to Dlo); then the operator's PodReplaced Event is the evidence it checked
          String pod = NAME + "-" + prevOrdinal;
          List<String> replaced = client.v1().events().inNamespace(ns).list().getItems().stream()
              .filter(e -> "PodReplaced".equals(e.getReason()) && e.getMessage() != null
                  && e.getMessage().contains(pod + " ") && e.getMessage().contains("mesh"))
              .map(e -> e.getMessage()).toList();
          System.out.println("e2e: no sample between the steps at " + pod + "; operator Events: " + replaced);
          healthyBetween = !replaced.isEmpty();
        }
        assertThat(healthyBetween).as("a moment with all pods Ready and healthy meshes (every node's own mesh, or "
            + "status.meshHealth, or else a PodReplaced Event saying so) after %s-%d returned and before %s-%d was replaced; timeline:\n  %s", NAME, prevOrdinal,
            NAME, next, tl).isTrue();
      }
    }
    assertThat(loss.messagesWithMiss()).as("messages lost during the rollout: %s", loss.examples()).isZero();
    assertThat(loss.published()).as("messages published during the rollout").isPositive();
    System.out.println("e2e: publish errors during the rollout (" + errors.size() + "): "
        + errors.stream().limit(5).toList());
  }

  @Test
  @Order(8)
  void s08_aCrashLoopingImageIsDegradedAndFixingTheSpecRecovers() throws Exception {
    Scenarios.awaitSettled(client, ns, NAME, REPLICAS, Duration.ofMinutes(4));
    String good = rolledToAlt ? env.nodeImageAlt : Tc.get(client, ns, NAME).path("spec").path("image").asText();
    Map<String, String> before = Scenarios.identities(client, ns, NAME);
    long t0 = System.nanoTime();
    JsonNode degraded;
    try (Sampler sampler = new Sampler()) {
      Tc.mergePatch(client, ns, NAME, "{\"spec\":{\"image\":\"" + env.nodeImageBroken + "\"}}");
      Scenarios.awaitTc(client, ns, NAME, Duration.ofMinutes(3), "Degraded=True with a reason",
          tc -> Tc.conditionIs(tc, "Degraded", "True") && !Tc.condition(tc, "Degraded").path("reason").asText().isBlank());
      Figures.record("bad_image.degraded_seconds", Scenarios.seconds(System.nanoTime() - t0), "s");
      degraded = Tc.condition(Tc.get(client, ns, NAME), "Degraded");
      System.out.println("e2e: bad image -> Degraded " + degraded);
      assertThat(degraded.path("message").asText()).as("Degraded message").isNotBlank();
      long broken = Tc.pods(client, ns, NAME).stream()
          .filter(p -> env.nodeImageBroken.equals(p.getSpec().getContainers().get(0).getImage())).count();
      assertThat(broken).as("pods on the broken image (one at a time): %s", Scenarios.podsBrief(client, ns, NAME))
          .isEqualTo(1);
      assertThat(sampler.maxUnavailable()).as("pods unavailable at once with a broken image; timeline:\n  %s",
          timeline(sampler.samples)).isLessThanOrEqualTo(1);

      long t1 = System.nanoTime();
      Tc.mergePatch(client, ns, NAME, "{\"spec\":{\"image\":\"" + good + "\"}}");
      Scenarios.awaitTc(client, ns, NAME, Duration.ofMinutes(4), "recovered on " + good + " (no pod deleted by hand)",
          tc -> Tc.settled(tc, REPLICAS) && !Tc.conditionIs(tc, "Degraded", "True")
              && Tc.pods(client, ns, NAME).stream().allMatch(p -> Tc.podReady(p)
                  && good.equals(p.getSpec().getContainers().get(0).getImage())));
      Figures.record("bad_image.recovery_seconds", Scenarios.seconds(System.nanoTime() - t1), "s");
      assertThat(sampler.maxUnavailable()).as("pods unavailable at once; timeline:\n  %s", timeline(sampler.samples))
          .isLessThanOrEqualTo(1);
    }
    Map<String, String> after = Scenarios.identities(client, ns, NAME);
    long kept = before.entrySet().stream().filter(e -> e.getValue().equals(after.get(e.getKey()))).count();
    if (kept < REPLICAS - 1) {
      fail("only the broken pod should have been replaced; before " + before + ", after " + after);
    }
  }
}
