package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gossip message cache (gossipsub v1.0, "Message Cache"): messages of the last {@code
 * historyLength} heartbeats, served to IWANT; the newest {@code historyGossip} windows are
 * advertised in IHAVE. {@link #shift()} runs once per heartbeat; there is no clock inside. IWANT
 * retransmissions are counted per peer and message so a peer cannot pull one message forever.
 *
 * <p>Bounds: at most {@code maxMessages} entries and {@code maxBytes} of message data (plus a fixed
 * per-entry overhead); beyond either the oldest are evicted first. Not thread-safe: used under the
 * router mutex.
 *
 * @param <P> peer key
 */
public final class MessageCache<P> {
  private record Entry<P>(PubsubMessage message, Map<P, Integer> iwants) {}

  private record Slot(MessageId id, String topic) {}

  private final Map<MessageId, Entry<P>> messages = new HashMap<>();
  private final Deque<List<Slot>> windows = new ArrayDeque<>();
  private int historyLength;
  private int historyGossip;
  private final int maxMessages;
  private final long maxBytes;
  private long bytes;

  /** Accounting overhead per entry (ids, keys, map nodes), so empty messages count too. */
  static final int ENTRY_OVERHEAD = 256;

  public MessageCache(int historyLength, int historyGossip, int maxMessages) {
    this(historyLength, historyGossip, maxMessages, Long.MAX_VALUE);
  }

  public MessageCache(int historyLength, int historyGossip, int maxMessages, long maxBytes) {
    if (historyGossip > historyLength || historyGossip < 1 || maxMessages < 1) {
      throw new IllegalArgumentException(
          "need 1 <= historyGossip <= historyLength and maxMessages >= 1, got "
              + historyGossip + ", " + historyLength + ", " + maxMessages);
    }
    this.historyLength = historyLength;
    this.historyGossip = historyGossip;
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    windows.addFirst(new ArrayList<>());
  }

  /** Applies new window sizes; extra old windows go at the next shift. */
  public void resize(int historyLength, int historyGossip) {
    this.historyLength = historyLength;
    this.historyGossip = historyGossip;
  }

  /** Adds a message to the current window; a duplicate id is ignored. */
  public void put(MessageId id, PubsubMessage message) {
    if (messages.containsKey(id)) {
      return;
    }
    long cost = cost(message);
    while (!messages.isEmpty() && (messages.size() >= maxMessages || bytes + cost > maxBytes)) {
      evictOldest();
    }
    messages.put(id, new Entry<>(message, new HashMap<>()));
    bytes += cost;
    windows.peekFirst().add(new Slot(id, message.topic()));
  }

  public boolean contains(MessageId id) {
    return messages.containsKey(id);
  }

  public PubsubMessage get(MessageId id) {
    Entry<P> e = messages.get(id);
    return e == null ? null : e.message();
  }

  /**
   * The message for an IWANT from {@code peer}, or null if unknown or already sent to that peer
   * {@code limit} times.
   */
  public PubsubMessage getForPeer(MessageId id, P peer, int limit) {
    Entry<P> e = messages.get(id);
    if (e == null) {
      return null;
    }
    int n = e.iwants().merge(peer, 1, Integer::sum);
    return n > limit ? null : e.message();
  }

  /** Ids in the gossip windows for a topic, newest window first. */
  public List<MessageId> gossipIds(String topic) {
    List<MessageId> out = new ArrayList<>();
    Set<MessageId> seen = new LinkedHashSet<>();
    int i = 0;
    for (List<Slot> w : windows) {
      if (i++ >= historyGossip) {
        break;
      }
      for (Slot s : w) {
        if (s.topic().equals(topic) && messages.containsKey(s.id()) && seen.add(s.id())) {
          out.add(s.id());
        }
      }
    }
    return out;
  }

  /** Opens a new window and drops the ones older than {@code historyLength}. */
  public void shift() {
    while (windows.size() >= historyLength) {
      for (Slot s : windows.removeLast()) {
        forget(s.id());
      }
    }
    windows.addFirst(new ArrayList<>());
  }

  public int size() {
    return messages.size();
  }

  /** Accounted bytes of the cached messages. */
  public long bytes() {
    return bytes;
  }

  private boolean forget(MessageId id) {
    Entry<P> e = messages.remove(id);
    if (e == null) {
      return false;
    }
    bytes -= cost(e.message());
    return true;
  }

  private static long cost(PubsubMessage m) {
    return (long) m.data().size() + m.topic().length() + ENTRY_OVERHEAD;
  }

  private void evictOldest() {
    for (var it = windows.descendingIterator(); it.hasNext(); ) {
      List<Slot> w = it.next();
      while (!w.isEmpty()) {
        Slot s = w.remove(0);
        if (forget(s.id())) {
          return;
        }
      }
    }
  }
}
