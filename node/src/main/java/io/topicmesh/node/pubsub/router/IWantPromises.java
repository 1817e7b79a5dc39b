package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * IWANT follow-up (gossipsub v1.1, go-libp2p-pubsub's gossip tracer): a peer that advertised ids
 * in IHAVE and was asked for them with IWANT must deliver within the follow-up time. One id of
 * each IWANT, picked at random, stands for the request; if no copy of it has arrived by the
 * deadline, the peer broke its promise and is penalised (P7). Times are the router's monotonic
 * milliseconds. Bounded by {@link #MAX_PROMISES} message ids. Not thread-safe: router mutex.
 */
final class IWantPromises {
  /** Bound on message ids with outstanding promises. */
  static final int MAX_PROMISES = 100_000;

  private final Map<MessageId, Map<PeerId, Long>> byMessage = new LinkedHashMap<>();

  /**
   * Records that {@code peer} owes one of {@code asked} by {@code deadline}. Draws from {@code
   * random} only when the promise is kept (so a full table consumes no randomness). The first
   * deadline of a (message, peer) pair stands.
   */
  void add(PeerId peer, List<MessageId> asked, long deadline, RandomGenerator random) {
    if (asked.isEmpty() || byMessage.size() >= MAX_PROMISES) {
      return;
    }
    MessageId promised = asked.get(random.nextInt(asked.size()));
    byMessage.computeIfAbsent(promised, k -> new HashMap<>()).putIfAbsent(peer, deadline);
  }

  /** A copy of {@code id} arrived (from anyone): every promise for it is kept. */
  void fulfilled(MessageId id) {
    if (!byMessage.isEmpty()) { // usually empty: no hash look-up per message then
      byMessage.remove(id);
    }
  }

  /**
   * Removes the promises whose deadline is at or before {@code now} and returns their peers, one
   * element per broken promise, in insertion order.
   */
  List<PeerId> expire(long now) {
    List<PeerId> broken = new ArrayList<>();
    for (Iterator<Map<PeerId, Long>> it = byMessage.values().iterator(); it.hasNext(); ) {
      Map<PeerId, Long> byPeer = it.next();
      for (Iterator<Map.Entry<PeerId, Long>> e = byPeer.entrySet().iterator(); e.hasNext(); ) {
        Map.Entry<PeerId, Long> en = e.next();
        if (en.getValue() <= now) {
          broken.add(en.getKey());
          e.remove();
        }
      }
      if (byPeer.isEmpty()) {
        it.remove();
      }
    }
    return broken;
  }

  /** Message ids with outstanding promises. */
  int size() {
    return byMessage.size();
  }
}
