package io.topicmesh.node.host;

import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.transport.Connection;
import io.topicmesh.node.transport.Direction;

/**
 * Observer of the host's connections. Called on the connection's event loop: must be fast, must
 * not block and must not throw.
 *
 * <p>The host keeps at most one connection per peer. When two connections to the same peer race
 * (simultaneous dials), the one that loses is closed; if the newer one wins, {@link
 * #connectionOpened} for it comes before {@link #connectionClosed} for the replaced one.
 */
public interface ConnectionListener {
  /** A connection was upgraded and is now the host's connection to its peer. */
  default void connectionOpened(Connection connection) {}

  /** A connection that was announced by {@link #connectionOpened} closed. */
  default void connectionClosed(Connection connection) {}

  /** A stream's protocol was agreed and its handlers are installed (either direction). */
  default void streamOpened(Connection connection, StreamChannel stream, String protocol, Direction direction) {}

  /** Identify with the connection's peer finished and the peer store was updated. */
  default void peerIdentified(Connection connection, PeerInfo info) {}
}
