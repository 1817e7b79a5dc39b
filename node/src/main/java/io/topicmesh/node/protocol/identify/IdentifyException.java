package io.topicmesh.node.protocol.identify;

/** A malformed, oversized or truncated identify message from a remote peer. */
public final class IdentifyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IdentifyException(String message) {
    super(message, null, false, false);
  }

  public IdentifyException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
