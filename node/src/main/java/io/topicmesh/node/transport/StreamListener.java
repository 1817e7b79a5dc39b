package io.topicmesh.node.transport;

import io.topicmesh.node.mux.StreamChannel;

/**
 * Told of every stream whose protocol was agreed, both directions, right after its handlers were
 * installed. Called on the stream's event loop: must be fast and must not throw.
 */
@FunctionalInterface
public interface StreamListener {
  StreamListener NOOP = (connection, stream, protocol, direction) -> { };

  void streamOpened(Connection connection, StreamChannel stream, String protocol, Direction direction);
}
