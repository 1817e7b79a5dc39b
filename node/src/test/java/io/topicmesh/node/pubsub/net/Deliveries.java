package io.topicmesh.node.pubsub.net;

import io.topicmesh.node.pubsub.router.ReceivedMessage;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** Counts application deliveries per message id at one of our nodes (own messages excluded). */
final class Deliveries implements Consumer<ReceivedMessage> {
  final Map<MessageId, AtomicInteger> counts = new ConcurrentHashMap<>();
  final Map<MessageId, ReceivedMessage> messages = new ConcurrentHashMap<>();

  @Override
  public void accept(ReceivedMessage m) {
    if (m.local()) {
      return;
    }
    messages.putIfAbsent(m.id(), m);
    counts.computeIfAbsent(m.id(), k -> new AtomicInteger()).incrementAndGet();
  }

  int count(MessageId id) {
    AtomicInteger n = counts.get(id);
    return n == null ? 0 : n.get();
  }
}
