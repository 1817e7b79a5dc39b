package io.topicmesh.node.transport;

import io.topicmesh.node.mux.StreamChannel;

/**
 * Sets up a stream once its protocol is agreed: adds the protocol's handlers to the stream's
 * pipeline. Called on the stream's event loop before any byte that followed the negotiation is
 * passed on, so handlers added here see all the protocol's data. Must not block.
 */
@FunctionalInterface
public interface StreamHandler {
  void initStream(StreamChannel stream, String protocol, Connection connection) throws Exception;
}
