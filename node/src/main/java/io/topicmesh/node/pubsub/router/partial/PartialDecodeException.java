package io.topicmesh.node.pubsub.router.partial;

/** A partial message or parts metadata from the network that does not decode within the bounds. */
public final class PartialDecodeException extends RuntimeException {
  public PartialDecodeException(String message) {
    super(message);
  }
}
