package io.topicmesh.node.host;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.UpgradeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection per peer and bounds the number of TCP connections.
 *
 * <p><b>Slots.</b> Every TCP connection, upgrading or upgraded, holds one of {@code
 * maxConnections} slots from {@link #tryReserve()} until it closes; with none free an inbound
 * connection is closed at once and a dial fails, both counted as {@code max-connections}.
 *
 * <p><b>Duplicates.</b> When simultaneous dials leave two connections to one peer, both sides
 * keep the connection whose <em>initiator</em> has the smaller peer id (byte order of the
 * multihash), so they agree without talking. Two connections with the same initiator (which our
 * own dialer avoids) keep the older one. The loser is closed and counted as {@code duplicate}.
 */
final class ConnectionManager {
  private static final Logger log = LoggerFactory.getLogger(ConnectionManager.class);

  private final int maxConnections;
  private final HostMetrics metrics;
  private final List<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<PeerId, Connection> byPeer = new HashMap<>();
  private int slots;

  ConnectionManager(int maxConnections, HostMetrics metrics) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
    }
    this.maxConnections = maxConnections;
    this.metrics = metrics;
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
    synchronized (this) {
      Connection existing = byPeer.get(conn.remotePeer());
      if (existing == null || !existing.isOpen()) {
        byPeer.put(conn.remotePeer(), conn);
        keep = conn;
      } else if (keepCandidate(conn.initiatorPeer(), existing.initiatorPeer())) {
        byPeer.put(conn.remotePeer(), conn);
        keep = conn;
        drop = existing;
      } else {
        keep = existing;
        drop = conn;
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
      log.info("duplicate connection peer={} closing conn={} ({}), keeping conn={} ({})", conn.remotePeer(),
          drop.id(), drop.direction().label(), keep.id(), keep.direction().label());
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

  private void removed(Connection conn) {
    synchronized (this) {
      if (byPeer.get(conn.remotePeer()) == conn) {
        byPeer.remove(conn.remotePeer());
      }
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
