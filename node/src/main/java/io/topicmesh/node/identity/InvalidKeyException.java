package io.topicmesh.node.identity;

/** A key encoding that is malformed, of an unsupported type, or outside the accepted sizes. */
public class InvalidKeyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidKeyException(String message) {
    super(message);
  }

  public InvalidKeyException(String message, Throwable cause) {
    super(message, cause);
  }
}
