package io.topicmesh.node.mux;

import io.netty.channel.Channel;

/**
 * Observer of muxer events, for metrics and logs (count by {@link MuxError}). Called on the
 * connection's event loop; implementations must be fast and must not throw.
 */
public interface MuxListener {
  /** A listener that ignores everything. */
  MuxListener NOOP = new MuxListener() {};

  /** Tells {@code first}, then {@code second}, of every event. */
  static MuxListener both(MuxListener first, MuxListener second) {
    return new MuxListener() {
      @Override
      public void streamOpened(Channel connection, boolean inbound) {
        first.streamOpened(connection, inbound);
        second.streamOpened(connection, inbound);
      }

      @Override
      public void streamClosed(Channel connection, MuxError cause) {
        first.streamClosed(connection, cause);
        second.streamClosed(connection, cause);
      }

      @Override
      public void streamRefused(Channel connection, MuxError reason) {
        first.streamRefused(connection, reason);
        second.streamRefused(connection, reason);
      }

      @Override
      public void frameDropped(Channel connection, MuxError reason) {
        first.frameDropped(connection, reason);
        second.frameDropped(connection, reason);
      }

      @Override
      public void protocolError(Channel connection, MuxException error) {
        first.protocolError(connection, error);
        second.protocolError(connection, error);
      }
    };
  }

  /** A stream became open. */
  default void streamOpened(Channel connection, boolean inbound) {}

  /** A stream left the muxer (closed, reset or torn down); {@code cause} is null when orderly. */
  default void streamClosed(Channel connection, MuxError cause) {}

  /** An inbound stream was refused ({@link MuxError#TOO_MANY_STREAMS}, {@link MuxError#GOING_AWAY}). */
  default void streamRefused(Channel connection, MuxError reason) {}

  /** A frame was dropped without affecting any stream (e.g. {@link MuxError#UNKNOWN_STREAM}). */
  default void frameDropped(Channel connection, MuxError reason) {}

  /**
   * The muxer is closing the connection because of the peer: a protocol violation, or (yamux) no
   * answer to a keepalive ping ({@link MuxError#KEEPALIVE_TIMEOUT}).
   */
  default void protocolError(Channel connection, MuxException error) {}
}
