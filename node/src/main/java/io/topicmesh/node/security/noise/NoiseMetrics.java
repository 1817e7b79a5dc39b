package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;

/**
 * Observer of Noise outcomes, for metrics. Called on the channel's event loop; implementations
 * must be thread-safe (one instance serves every connection) and must not block.
 */
public interface NoiseMetrics {
  /** Does nothing. */
  NoiseMetrics NOOP = new NoiseMetrics() {};

  default void handshakeSucceeded(boolean initiator) {}

  default void handshakeFailed(boolean initiator, Reason reason) {}

  /** A secured channel closed because a transport frame was bad (BAD_MAC, MALFORMED_MESSAGE…). */
  default void transportFailed(Reason reason) {}
}
