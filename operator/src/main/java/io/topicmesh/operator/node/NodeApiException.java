package io.topicmesh.operator.node;

/**
 * A node's admin API could not be used: unreachable, answered with an error, or sent something that is
 * not the documented JSON. {@link #httpStatus()} is 0 when no HTTP answer arrived.
 */
public class NodeApiException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;
  private final String code;

  public NodeApiException(String message, int httpStatus, String code, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.code = code;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The node's error code from a {@code {"code":...,"message":...}} body, or null. */
  public String code() {
    return code;
  }
}
