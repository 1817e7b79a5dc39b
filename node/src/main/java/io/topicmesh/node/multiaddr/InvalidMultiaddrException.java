package io.topicmesh.node.multiaddr;

/** A multiaddr (text or binary) that is malformed or uses an unsupported protocol. */
public class InvalidMultiaddrException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidMultiaddrException(String message) {
    super(message);
  }

  public InvalidMultiaddrException(String message, Throwable cause) {
    super(message, cause);
  }
}
