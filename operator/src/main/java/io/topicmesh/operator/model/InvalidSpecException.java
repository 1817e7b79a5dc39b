package io.topicmesh.operator.model;

/**
 * A TopicCluster passed the API server's schema but cannot be realised. {@link #reason()} is the
 * CamelCase condition reason the operator reports; the message says what to change.
 */
public class InvalidSpecException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public InvalidSpecException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
