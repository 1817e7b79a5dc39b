package io.topicmesh.operator.reconciler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.topicmesh.operator.model.Hashing;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.node.NodeApiException;
import io.topicmesh.operator.node.NodeStatus;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings a node's subscriptions in line with the spec, live: {@code PUT /v1/topics/{t}} with the
 * topic's node.yaml entry for each topic the node lacks or was last given another entry, and
 * {@code DELETE /v1/topics/{t}} for each topic the node reports but the spec no longer has.
 *
 * <p>The node reports its subscriptions (status.topics) but not their parameters, so the operator
 * remembers, per pod, the hash of the entry it last pushed; a new pod (other UID) or a restarted node
 * (uptime went back) starts with nothing remembered and gets every entry again (PUT is idempotent).
 * Memory is bounded: pods that left are dropped, a deleted cluster is forgotten.
 */
final class TopicSync {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int MAX_CLUSTERS = 10_000;

  private static final class PodTopics {
    final String podUid;
    long uptimeSeconds;
    final Map<String, String> pushed = new ConcurrentHashMap<>();

    PodTopics(String podUid, long uptimeSeconds) {
      this.podUid = podUid;
      this.uptimeSeconds = uptimeSeconds;
    }
  }

  private final NodeAdminClient nodes;
  private final Map<String, Map<String, PodTopics>> clusters = new ConcurrentHashMap<>();

  TopicSync(NodeAdminClient nodes) {
    this.nodes = nodes;
  }

  /** What {@link #sync} would do for one node; empty when nothing. */
  record Work(List<String> puts, List<String> deletes) {
    boolean isEmpty() {
      return puts.isEmpty() && deletes.isEmpty();
    }
  }

  /** Drops the memory of pods no longer in the cluster. */
  void retain(String clusterUid, Set<String> pods) {
    if (!clusters.containsKey(clusterUid) && clusters.size() >= MAX_CLUSTERS) {
      clusters.clear(); // forget everything rather than grow: the next pass re-pushes (idempotent)
    }
    clusters.computeIfAbsent(clusterUid, k -> new ConcurrentHashMap<>()).keySet().retainAll(pods);
  }

  /** The PUTs and DELETEs the node needs (pure over the memory). */
  Work plan(String clusterUid, String pod, String podUid, NodeStatus status, List<Map<String, Object>> entries) {
    PodTopics memory = memory(clusterUid, pod, podUid, status.uptimeSeconds());
    Set<String> reported = new LinkedHashSet<>();
    status.topics().forEach(t -> reported.add(t.topic()));
    List<String> puts = new ArrayList<>();
    Set<String> desired = new LinkedHashSet<>();
    for (Map<String, Object> entry : entries) {
      String name = (String) entry.get("name");
      desired.add(name);
      if (!reported.contains(name) || !hash(entry).equals(memory.pushed.get(name))) {
        puts.add(name);
      }
    }
    List<String> deletes = reported.stream().filter(t -> !desired.contains(t)).toList();
    return new Work(puts, deletes);
  }

  /** Executes the work for one node; returns failure messages (empty on success). */
  List<String> sync(String clusterUid, String pod, String podUid, NodeStatus status, URI admin,
      io.topicmesh.operator.node.NodeAccess token,
      List<Map<String, Object>> entries) {
    Work work = plan(clusterUid, pod, podUid, status, entries);
    PodTopics memory = memory(clusterUid, pod, podUid, status.uptimeSeconds());
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    entries.forEach(e -> byName.put((String) e.get("name"), e));
    List<String> failures = new ArrayList<>();
    for (String topic : work.puts()) {
      Map<String, Object> entry = byName.get(topic);
      try {
        nodes.putTopic(admin, token, topic, JSON.valueToTree(entry));
        memory.pushed.put(topic, hash(entry));
      } catch (NodeApiException e) {
        memory.pushed.remove(topic);
        failures.add(pod + ": topic " + topic + ": " + e.getMessage());
      }
    }
    for (String topic : work.deletes()) {
      try {
        nodes.deleteTopic(admin, token, topic);
        memory.pushed.remove(topic);
      } catch (NodeApiException e) {
        failures.add(pod + ": unsubscribe " + topic + ": " + e.getMessage());
      }
    }
    return failures;
  }

  void forget(String clusterUid) {
    clusters.remove(clusterUid);
  }

  private PodTopics memory(String clusterUid, String pod, String podUid, long uptimeSeconds) {
    Map<String, PodTopics> pods = clusters.computeIfAbsent(clusterUid, k -> new ConcurrentHashMap<>());
    return pods.compute(pod, (k, m) -> {
      if (m == null || !m.podUid.equals(podUid) || uptimeSeconds < m.uptimeSeconds) {
        return new PodTopics(podUid, uptimeSeconds); // new pod or restarted node: it has only its node.yaml
      }
      m.uptimeSeconds = uptimeSeconds;
      return m;
    });
  }

  static String hash(Map<String, Object> entry) {
    ObjectNode node = JSON.valueToTree(entry);
    return Hashing.sha256Short(node.toString());
  }
}
