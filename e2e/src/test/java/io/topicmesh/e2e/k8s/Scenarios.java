package io.topicmesh.e2e.k8s;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;

/** Steps several scenarios share. */
final class Scenarios {
  static final String DELIVERED = "topicmesh_pubsub_messages_delivered_total";
  static final String PUBLISHED = "topicmesh_pubsub_messages_published_total";

  private Scenarios() {}

  /**
   * Waits until the TopicCluster satisfies {@code p}; on timeout fails with the last status seen.
   * Returns the time it took.
   */
  static Duration awaitTc(KubernetesClient client, String ns, String name, Duration atMost, String what,
      Predicate<JsonNode> p) {
    AtomicReference<JsonNode> last = new AtomicReference<>();
    long t0 = System.nanoTime();
    try {
      await(what).atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
        JsonNode tc = Tc.get(client, ns, name);
        last.set(tc);
        return p.test(tc);
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(ns + "/" + name + ": " + what + " not reached within " + atMost
          + "; last seen: " + (last.get() == null ? "nothing" : Tc.brief(last.get())) + "; pods: "
          + podsBrief(client, ns, name));
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  static Duration awaitSettled(KubernetesClient client, String ns, String name, int replicas, Duration atMost) {
    return awaitTc(client, ns, name, atMost, "Ready with " + replicas + "/" + replicas + " nodes and healthy meshes",
        tc -> Tc.settled(tc, replicas) && Tc.pods(client, ns, name).stream().filter(Tc::podReady).count() == replicas);
  }

  static String podsBrief(KubernetesClient client, String ns, String name) {
    List<String> out = new ArrayList<>();
    for (Pod p : Tc.pods(client, ns, name)) {
      String state = p.getStatus() == null || p.getStatus().getContainerStatuses() == null
          || p.getStatus().getContainerStatuses().isEmpty() ? p.getStatus() == null ? "?" : p.getStatus().getPhase()
          : stateOf(p);
      out.add(p.getMetadata().getName() + "[" + (Tc.podReady(p) ? "Ready" : "NotReady") + " " + state
          + " restarts=" + Tc.restarts(p) + (p.getMetadata().getDeletionTimestamp() != null ? " terminating" : "")
          + " uid=" + p.getMetadata().getUid().substring(0, 8) + "]");
    }
    return out.toString();
  }

  private static String stateOf(Pod p) {
    var st = p.getStatus().getContainerStatuses().get(0).getState();
    if (st.getWaiting() != null) {
      return "waiting:" + st.getWaiting().getReason();
    }
    if (st.getTerminated() != null) {
      return "terminated:" + st.getTerminated().getReason();
    }
    return "running";
  }

  /** Pod name → UID and restart count, to show pods were not replaced or restarted. */
  static Map<String, String> identities(KubernetesClient client, String ns, String name) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Pod p : Tc.pods(client, ns, name)) {
      m.put(p.getMetadata().getName(), p.getMetadata().getUid() + " restarts=" + Tc.restarts(p));
    }
    return m;
  }

  /** Per pod: messages published plus messages delivered from others on {@code topic}, from /metrics. */
  static Map<String, Double> seenCounts(NodeApi api, List<String> pods, String topic) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (String pod : pods) {
      String text = api.metricsText(pod);
      m.put(pod, NodeApi.metric(text, DELIVERED, Map.of("topic", topic))
          + NodeApi.metric(text, PUBLISHED, Map.of("topic", topic)));
    }
    return m;
  }

  static List<String> podNames(KubernetesClient client, String ns, String name) {
    return Tc.pods(client, ns, name).stream().map(p -> p.getMetadata().getName()).toList();
  }

  /** Every pod's node params, as {@code pod → {d, dlo, dhi}}. */
  static Map<String, List<Integer>> degrees(NodeApi api, List<String> pods) throws IOException {
    Map<String, List<Integer>> m = new LinkedHashMap<>();
    for (String pod : pods) {
      JsonNode p = api.params(pod);
      m.put(pod, List.of(p.path("d").asInt(-1), p.path("dlo").asInt(-1), p.path("dhi").asInt(-1)));
    }
    return m;
  }

  static double seconds(long nanos) {
    return Math.round(nanos / 1e8) / 10.0;
  }
}
