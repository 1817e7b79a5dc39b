package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch publishing, after go-libp2p-pubsub's {@code PublishBatch} with its default
 * {@code RoundRobinMessageIDScheduler}: the messages of a batch are validated one by one, then
 * queued together so that every message's first copy is queued before any message's second copy.
 * go takes one RPC per message and recipient from each message in turn, in Go's random map order;
 * we make the spread deterministic by rotating each message's recipients by its position in the
 * batch, so the peers' first RPCs carry different messages and one copy of every message leaves
 * early instead of the batch's head going out to every peer first.
 *
 * <p>Not thread-safe: used under the router mutex.
 */
final class PublishBatch {
  /** One message of the batch: once validated, the router's pending record. */
  private static final class Entry {
    Object accepted;
    boolean done;
  }

  private final Map<MessageId, Entry> entries = new LinkedHashMap<>();
  private int outstanding;

  void add(MessageId id) {
    entries.put(id, new Entry());
    outstanding++;
  }

  /** The message passed validation: it waits for the rest of the batch. */
  void accepted(MessageId id, Object pending) {
    Entry e = entries.get(id);
    if (e != null && !e.done) {
      e.accepted = pending;
      e.done = true;
      outstanding--;
    }
  }

  /** The message failed validation: the batch goes on without it. */
  void failed(MessageId id) {
    Entry e = entries.get(id);
    if (e != null && !e.done) {
      e.done = true;
      outstanding--;
    }
  }

  /** Every message was validated (or failed): the batch can be queued. */
  boolean ready() {
    return outstanding == 0;
  }

  /** The validated messages' pending records, in batch order. */
  @SuppressWarnings("unchecked")
  <P> List<P> acceptedInOrder() {
    List<P> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.accepted != null) {
        out.add((P) e.accepted);
      }
    }
    return out;
  }

  /** One queued copy: message {@code message} (index into the accepted list) to {@code peer}. */
  record Send(int message, PeerId peer) {}

  /**
   * The order in which to queue copies: round r sends every message's r-th recipient, message
   * {@code i}'s recipients rotated left by {@code i}.
   */
  static List<Send> roundRobin(List<List<PeerId>> recipients) {
    List<Send> out = new ArrayList<>();
    int rounds = 0;
    for (List<PeerId> r : recipients) {
      rounds = Math.max(rounds, r.size());
    }
    for (int round = 0; round < rounds; round++) {
      for (int i = 0; i < recipients.size(); i++) {
        List<PeerId> r = recipients.get(i);
        if (round < r.size()) {
          out.add(new Send(i, r.get((round + i) % r.size())));
        }
      }
    }
    return out;
  }
}
