package io.topicmesh.node.pubsub.router;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-topic mesh degrees over the router-wide {@link GossipParams}: a topic without an override
 * uses the global degrees. Overrides, like parameter sets, are staged and take effect at the next
 * heartbeat. Bounded by {@link #MAX_TOPICS}. Not thread-safe: used under the router mutex, except
 * {@link #stage}, which only touches the staging map under its own lock.
 */
final class TopicMeshTable {
  /** Topics that may carry an override. */
  static final int MAX_TOPICS = 10_000;

  private final Map<String, TopicMeshParams> overrides = new LinkedHashMap<>();
  /** Staged changes: a value of {@link #CLEAR} removes the override. */
  private final Map<String, TopicMeshParams> staged = new LinkedHashMap<>();
  private static final TopicMeshParams CLEAR = new TopicMeshParams(0, 0, 0, 0, 0, 0);

  /** Stages an override for {@code topic} (null: back to the global degrees). */
  synchronized void stage(String topic, TopicMeshParams p) {
    if (p != null && !overrides.containsKey(topic) && !staged.containsKey(topic)
        && overrides.size() + staged.size() >= MAX_TOPICS) {
      throw new IllegalStateException("per-topic mesh parameters are limited to " + MAX_TOPICS + " topics");
    }
    staged.put(topic, p == null ? CLEAR : p);
  }

  /** Applies what was staged (at a heartbeat); returns the topics whose degrees changed. */
  synchronized Map<String, TopicMeshParams> applyStaged() {
    Map<String, TopicMeshParams> changed = new LinkedHashMap<>();
    for (Map.Entry<String, TopicMeshParams> e : staged.entrySet()) {
      if (e.getValue() == CLEAR) {
        if (overrides.remove(e.getKey()) != null) {
          changed.put(e.getKey(), null);
        }
      } else if (!e.getValue().equals(overrides.put(e.getKey(), e.getValue()))) {
        changed.put(e.getKey(), e.getValue());
      }
    }
    staged.clear();
    return changed;
  }

  /** The degrees in force for {@code topic}. */
  synchronized TopicMeshParams forTopic(String topic, GossipParams global) {
    TopicMeshParams p = overrides.get(topic);
    return p != null ? p : TopicMeshParams.of(global);
  }

  /** The overrides asked for: those in force with the staged changes over them. */
  synchronized Map<String, TopicMeshParams> overrides() {
    Map<String, TopicMeshParams> out = new LinkedHashMap<>(overrides);
    staged.forEach((t, p) -> {
      if (p == CLEAR) {
        out.remove(t);
      } else {
        out.put(t, p);
      }
    });
    return Map.copyOf(out);
  }
}
