package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.wire.Rpc;

/**
 * The host's side of one peer's pubsub stream. The router calls these methods only after it has
 * released its mutex, at most one thread at a time per peer, and in the order RPCs were produced.
 */
public interface PeerSender {
  /** Writes one RPC; must not block (e.g. netty {@code writeAndFlush}). */
  void send(Rpc rpc);

  /** Closes the stream/connection because the router gave up on the peer (slow, hostile). */
  default void close(String reason) {}
}
