package io.topicmesh.node.pubsub.wire;

/** An inbound RPC that is malformed or over a {@link RpcLimits} bound. */
public final class RpcDecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the RPC was refused; the router penalises some reasons. */
  public enum Reason {
    MALFORMED,
    FRAME_TOO_LARGE,
    TOO_MANY_SUBSCRIPTIONS,
    TOO_MANY_MESSAGES,
    TOO_MANY_CONTROL_ENTRIES,
    TOO_MANY_MESSAGE_IDS,
    TOO_MANY_PRUNE_PEERS
  }

  private final Reason reason;

  public RpcDecodeException(Reason reason, String message) {
    super(reason + ": " + message, null, false, false);
    this.reason = reason;
  }

  public RpcDecodeException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
