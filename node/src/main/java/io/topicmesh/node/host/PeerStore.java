package io.topicmesh.node.host;

import io.topicmesh.node.identity.PeerId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What identify told us about peers, bounded: beyond {@link #capacity()} peers the least recently
 * updated or read entry is evicted. Thread-safe.
 */
public final class PeerStore {
  private final int capacity;
  private final Map<PeerId, PeerInfo> peers;

  public PeerStore(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("peer store capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.peers = new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<PeerId, PeerInfo> eldest) {
        return size() > PeerStore.this.capacity;
      }
    };
  }

  public int capacity() {
    return capacity;
  }

  public synchronized void put(PeerInfo info) {
    peers.put(info.peer(), info);
  }

  public synchronized Optional<PeerInfo> get(PeerId peer) {
    return Optional.ofNullable(peers.get(peer));
  }

  public synchronized int size() {
    return peers.size();
  }

  /** A snapshot of all entries, least recently used first. */
  public synchronized List<PeerInfo> all() {
    return new ArrayList<>(peers.values());
  }
}
