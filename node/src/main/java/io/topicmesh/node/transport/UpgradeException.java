package io.topicmesh.node.transport;

/**
 * A connection that could not be established or upgraded. {@link #reason()} is a short stable
 * label used in logs and as the metrics label.
 */
public final class UpgradeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a connection failed; the label is stable (metrics). */
  public enum Reason {
    CONNECT("connect"),
    TIMEOUT("timeout"),
    MULTISTREAM("multistream"),
    SECURITY("security"),
    PEER_ID_MISMATCH("peer-id-mismatch"),
    MUXER("muxer"),
    MAX_CONNECTIONS("max-connections"),
    CLOSED("closed"),
    DUPLICATE("duplicate"),
    SHUTDOWN("shutdown");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  public UpgradeException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public UpgradeException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
