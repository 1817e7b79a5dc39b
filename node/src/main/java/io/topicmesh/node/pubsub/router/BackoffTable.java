package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * PRUNE backoffs (gossipsub v1.1): per topic and peer, the router time until which we must not
 * GRAFT the peer and must refuse its GRAFT. Entries only grow later (a shorter backoff never
 * shortens a longer one) and are dropped by {@link #clearExpired} once past expiry plus the slack.
 * Times are the router's monotonic milliseconds. Not thread-safe: used under the router mutex.
 * Size: at most one entry per (peer, topic) for topics we are meshed in; entries of gone peers
 * stay until they expire (at most {@link GossipRouter#MAX_BACKOFF_SECONDS}).
 */
final class BackoffTable {
  private final Map<String, Map<PeerId, Long>> byTopic = new HashMap<>();

  /** Backs {@code peer} off {@code topic} until {@code until}, unless it already is for longer. */
  void add(PeerId peer, String topic, long until) {
    byTopic.computeIfAbsent(topic, k -> new HashMap<>()).merge(peer, until, Math::max);
  }

  /** The expiry for (peer, topic), or null if none is recorded. */
  Long until(PeerId peer, String topic) {
    Map<PeerId, Long> m = byTopic.get(topic);
    return m == null ? null : m.get(peer);
  }

  /** Milliseconds left at {@code now}, 0 if none. */
  long remaining(PeerId peer, String topic, long now) {
    Long until = until(peer, topic);
    return until == null ? 0 : Math.max(0, until - now);
  }

  /**
   * Whether we may not GRAFT {@code peer} on {@code topic} yet: the backoff plus {@code
   * slackMillis} (go-libp2p-pubsub's slack of one heartbeat, so our GRAFT never reaches the peer a
   * little before its own backoff ends, which it would penalise).
   */
  boolean blocksGraft(PeerId peer, String topic, long now, long slackMillis) {
    Long until = until(peer, topic);
    return until != null && now < until + slackMillis;
  }

  /** Drops every entry whose expiry plus {@code slackMillis} has passed. */
  void clearExpired(long now, long slackMillis) {
    for (Iterator<Map<PeerId, Long>> it = byTopic.values().iterator(); it.hasNext(); ) {
      Map<PeerId, Long> m = it.next();
      m.values().removeIf(until -> until + slackMillis <= now);
      if (m.isEmpty()) {
        it.remove();
      }
    }
  }

  /** Number of (peer, topic) entries. */
  int size() {
    int n = 0;
    for (Map<PeerId, Long> m : byTopic.values()) {
      n += m.size();
    }
    return n;
  }
}
