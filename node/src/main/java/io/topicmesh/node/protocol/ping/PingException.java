package io.topicmesh.node.protocol.ping;

/** A ping that failed: wrong echo, stream closed, or the peer is busy with another ping. */
public final class PingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PingException(String message) {
    super(message, null, false, false);
  }
}
