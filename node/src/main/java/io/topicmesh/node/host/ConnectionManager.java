package io.topicmesh.node.host;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.UpgradeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection per peer and bounds the number of TCP connections.
 *
 * <p><b>Slots.</b> Every TCP connection, upgrading or upgraded, holds one of {@code
 * maxConnections} slots from {@link #tryReserve()} until it closes; with none free an inbound
 * connection is closed at once and a dial fails, both counted as {@code max-connections}.
 *
 * <p><b>Duplicates.</b> A connection that has been up for at least {@code settledAge} (5 s by
 * default) is kept against a newer one to the same peer: the newer one is a late dial, typically
 * discovery dialing an address that carried no peer id while the peer had already dialed us, and
 * replacing the settled connection would tear down every stream on it (the pubsub session with
 * it, so a publish in that moment reaches nobody). Both ends see the settled connection's age to
 * within a round trip, so they agree. When simultaneous dials leave two young connections, both
 * sides keep the connection whose <em>initiator</em> has the smaller peer id (byte order of the
 * multihash), so they agree without talking; two with the same initiator (which our own dialer
 * avoids) keep the older one. Should the two ends ever disagree (a pair straddling the age
 * threshold under heavy delay), each closes a different one and the redialer reconnects. The
 * loser is closed and counted as {@code duplicate}.
 */
final class ConnectionManager {
  private static final Logger log = LoggerFactory.getLogger(ConnectionManager.class);

  private final int maxConnections;
  private final HostMetrics metrics;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<PeerId, Connection> byPeer = new HashMap<>();
  private final Map<Connection, Long> keptSinceNanos = new HashMap<>();
  private final long settledAgeNanos;
  private final LongSupplier nanoClock;
  private int slots;

  ConnectionManager(int maxConnections, HostMetrics metrics) {
    this(maxConnections, metrics, Duration.ofSeconds(5), System::nanoTime);
  }

  ConnectionManager(int maxConnections, HostMetrics metrics, Duration settledAge, LongSupplier nanoClock) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
    }
    this.maxConnections = maxConnections;
    this.metrics = metrics;
    this.settledAgeNanos = settledAge.toNanos();
    this.nanoClock = nanoClock;
  }

  int maxConnections() {
    return maxConnections;
  }

  void addListener(ConnectionListener l) {
    listeners.add(l);
  }

  /** Takes a connection slot; false if all {@code maxConnections} are in use. */
  synchronized boolean tryReserve() {
    if (slots >= maxConnections) {
      return false;
    }
    slots++;
    return true;
  }

  /** Gives back a slot taken by {@link #tryReserve()} (when its TCP connection closed). */
  synchronized void release() {
    slots--;
  }

  synchronized int slotsInUse() {
    return slots;
  }

  /**
   * Adds an upgraded connection. Returns the connection now kept for its peer: {@code conn}, or the
   * existing one if {@code conn} lost the duplicate rule (then {@code conn} is being closed).
   */
  Connection add(Connection conn) {
    Connection keep;
    Connection drop = null;
    long existingAgeMs = -1;
    boolean settled = false;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      Connection existing = byPeer.get(conn.remotePeer());
      long existingAge = existing == null ? 0 : now - keptSinceNanos.getOrDefault(existing, now);
      if (existing == null || !existing.isOpen()) {
        byPeer.put(conn.remotePeer(), conn);
        keptSinceNanos.put(conn, now);
        keep = conn;
      } else if (replaceExisting(conn.initiatorPeer(), existing.initiatorPeer(), existingAge, settledAgeNanos)) {
        byPeer.put(conn.remotePeer(), conn);
        keptSinceNanos.remove(existing);
        keptSinceNanos.put(conn, now);
        keep = conn;
        drop = existing;
      } else {
        keep = existing;
        drop = conn;
      }
      if (existing != null) {
        existingAgeMs = existingAge / 1_000_000;
        settled = existingAge >= settledAgeNanos;
      }
    }
    if (keep == conn) {
      metrics.connectionOpened(conn.direction());
      log.info("connected peer={} direction={} remote={} security={} muxer={} conn={}",
          conn.remotePeer(), conn.direction().label(), conn.remoteAddress(), conn.securityProtocol(),
          conn.muxerProtocol(), conn.id());
      notifyListeners(l -> l.connectionOpened(conn));
      conn.closeFuture().addListener(f -> removed(conn));
    }
    if (drop != null) {
      String rule = settled ? "settled" : "initiator";
      log.info("duplicate connection peer={} closing conn={} ({}), keeping conn={} ({}) rule={} older-age={}ms",
          conn.remotePeer(), drop.id(), drop.direction().label(), keep.id(), keep.direction().label(), rule,
          existingAgeMs);
      metrics.connectionFailed(drop.direction(), UpgradeException.Reason.DUPLICATE);
      drop.close();
    }
    return keep;
  }

  /**
   * True if a new connection initiated by {@code candidateInitiator} replaces an existing one
   * initiated by {@code existingInitiator}: only when its initiator's id is strictly smaller, so
   * both ends, each seeing the two connections in its own order, keep the same one.
   */
  static boolean keepCandidate(PeerId candidateInitiator, PeerId existingInitiator) {
    return candidateInitiator.compareTo(existingInitiator) < 0;
  }

  /**
   * True if a new connection replaces the existing one to the same peer: never once the existing
   * one has been kept for {@code settledAgeNanos} or more, otherwise by {@link #keepCandidate}.
   */
  static boolean replaceExisting(PeerId candidateInitiator, PeerId existingInitiator, long existingAgeNanos,
      long settledAgeNanos) {
    if (existingAgeNanos >= settledAgeNanos) {
      return false;
    }
    return keepCandidate(candidateInitiator, existingInitiator);
  }

  private void removed(Connection conn) {
    synchronized (this) {
      if (byPeer.get(conn.remotePeer()) == conn) {
        byPeer.remove(conn.remotePeer());
      }
      keptSinceNanos.remove(conn);
    }
    metrics.connectionClosed(conn.direction());
    log.info("disconnected peer={} direction={} conn={}", conn.remotePeer(), conn.direction().label(), conn.id());
    notifyListeners(l -> l.connectionClosed(conn));
  }

  /** Calls every listener; one that throws is logged and does not stop the others or the host. */
  void notifyListeners(java.util.function.Consumer<ConnectionListener> event) {
    for (ConnectionListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        log.warn("connection listener {} failed", l, e);
      }
    }
  }

  synchronized Optional<Connection> get(PeerId peer) {
    Connection c = byPeer.get(peer);
    return c != null && c.isOpen() ? Optional.of(c) : Optional.empty();
  }

  synchronized List<Connection> all() {
    return new ArrayList<>(byPeer.values());
  }
}
