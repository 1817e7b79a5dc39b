package io.topicmesh.node.pubsub.router;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Time-based seen set (go-libp2p-pubsub's timecache, first-seen strategy): an id is remembered for
 * {@code ttlMillis} after it was first added. Entries expire in insertion order, so expiry is a
 * walk from the head. Bound: at most {@code maxEntries}; beyond it the oldest entry is forgotten
 * early (a too-early forget risks a duplicate delivery, never unbounded memory). Not thread-safe.
 *
 * @param <K> key type
 */
public final class SeenCache<K> {
  private final LinkedHashMap<K, Long> expiries = new LinkedHashMap<>();
  private final LongSupplier clockMillis;
  private long ttlMillis;
  private final int maxEntries;
  /**
   * A lower bound on the earliest expiry in the table ({@code Long.MAX_VALUE} when empty), so that
   * a look-up before it needs no walk (each walk touches the table's oldest entry).
   */
  private long earliestExpiry = Long.MAX_VALUE;

  public SeenCache(long ttlMillis, int maxEntries, LongSupplier clockMillis) {
    if (ttlMillis <= 0 || maxEntries < 1) {
      throw new IllegalArgumentException("need ttlMillis > 0 and maxEntries >= 1");
    }
    this.ttlMillis = ttlMillis;
    this.maxEntries = maxEntries;
    this.clockMillis = clockMillis;
  }

  public void setTtl(long ttlMillis) {
    this.ttlMillis = ttlMillis;
  }

  /** Adds {@code key}; returns true if it was not already seen (within the TTL). */
  public boolean add(K key) {
    long now = clockMillis.getAsLong();
    sweep(now);
    if (expiries.containsKey(key)) {
      return false;
    }
    if (expiries.size() >= maxEntries) {
      Iterator<K> it = expiries.keySet().iterator();
      it.next();
      it.remove();
    }
    long expiry = now + ttlMillis;
    expiries.put(key, expiry);
    earliestExpiry = Math.min(earliestExpiry, expiry);
    return true;
  }

  public boolean contains(K key) {
    sweep(clockMillis.getAsLong());
    return expiries.containsKey(key);
  }

  /** Forgets {@code key} (a throttled message may be accepted when it comes again). */
  public void remove(K key) {
    expiries.remove(key);
  }

  public int size() {
    return expiries.size();
  }

  /** Drops expired entries. */
  public void sweep(long now) {
    if (now < earliestExpiry) {
      return;
    }
    Iterator<Map.Entry<K, Long>> it = expiries.entrySet().iterator();
    while (it.hasNext()) {
      long expiry = it.next().getValue();
      if (expiry > now) {
        earliestExpiry = expiry;
        return;
      }
      it.remove();
    }
    earliestExpiry = Long.MAX_VALUE;
  }
}
