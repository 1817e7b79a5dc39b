package io.topicmesh.node.daemon;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Message traffic per (peer, topic): what the mesh view draws on each edge. Counts the messages (and
 * their data bytes) of every RPC sent to and received from a peer, duplicates included, since they
 * are traffic on the edge; and the duplicates received. Counters only: the view turns them into
 * rates between two polls. A peer's counters go when it leaves the router, a topic's when this node
 * leaves it; at most {@link #MAX_EDGES} (peer, topic) pairs are kept, later ones are not counted.
 */
public final class EdgeTraffic implements RouterObserver {
  /** Most (peer, topic) pairs counted; beyond it new pairs are skipped (and {@link #skipped} grows). */
  static final int MAX_EDGES = 65_536;

  /** Counters of one (peer, topic) edge. */
  public static final class Counters {
    final LongAdder messagesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder duplicatesIn = new LongAdder();

    public long messagesIn() {
      return messagesIn.sum();
    }

    public long messagesOut() {
      return messagesOut.sum();
    }

    public long bytesIn() {
      return bytesIn.sum();
    }

    public long bytesOut() {
      return bytesOut.sum();
    }

    public long duplicatesIn() {
      return duplicatesIn.sum();
    }
  }

  private final Map<PeerId, Map<String, Counters>> edges = new ConcurrentHashMap<>();
  private final AtomicInteger size = new AtomicInteger();
  private final LongAdder skipped = new LongAdder();

  @Override
  public void rpcReceived(PeerId peer, Rpc rpc) {
    for (PubsubMessage m : rpc.publish()) {
      Counters c = counters(peer, m.topic());
      if (c != null) {
        c.messagesIn.increment();
        c.bytesIn.add(m.data().size());
      }
    }
  }

  @Override
  public void rpcSent(PeerId peer, Rpc rpc) {
    for (PubsubMessage m : rpc.publish()) {
      Counters c = counters(peer, m.topic());
      if (c != null) {
        c.messagesOut.increment();
        c.bytesOut.add(m.data().size());
      }
    }
  }

  @Override
  public void duplicate(String topic, MessageId id, PeerId source) {
    if (source != null) {
      Counters c = counters(source, topic);
      if (c != null) {
        c.duplicatesIn.increment();
      }
    }
  }

  @Override
  public void peerRemoved(PeerId peer, PubsubProtocol protocol) {
    Map<String, Counters> gone = edges.remove(peer);
    if (gone != null) {
      size.addAndGet(-gone.size());
    }
  }

  @Override
  public void left(String topic) {
    for (Map<String, Counters> byTopic : edges.values()) {
      if (byTopic.remove(topic) != null) {
        size.decrementAndGet();
      }
    }
  }

  private Counters counters(PeerId peer, String topic) {
    Map<String, Counters> byTopic = edges.get(peer);
    Counters c = byTopic == null ? null : byTopic.get(topic);
    if (c != null) {
      return c;
    }
    if (size.get() >= MAX_EDGES) {
      skipped.increment();
      return null;
    }
    byTopic = edges.computeIfAbsent(peer, p -> new ConcurrentHashMap<>());
    return byTopic.computeIfAbsent(topic, t -> {
      size.incrementAndGet();
      return new Counters();
    });
  }

  /** The counters of one edge, or null when nothing was counted on it. */
  public Counters get(PeerId peer, String topic) {
    Map<String, Counters> byTopic = edges.get(peer);
    return byTopic == null ? null : byTopic.get(topic);
  }

  /** (peer, topic) pairs counted now. */
  int size() {
    return size.get();
  }

  /** Counts not taken because {@link #MAX_EDGES} pairs were already kept. */
  long skipped() {
    return skipped.sum();
  }
}
