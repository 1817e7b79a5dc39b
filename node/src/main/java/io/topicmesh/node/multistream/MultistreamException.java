package io.topicmesh.node.multistream;

/** A multistream-select negotiation that failed; {@link #reason()} says how. */
public final class MultistreamException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a negotiation failed. */
  public enum Reason {
    /** The responder answered {@code na} to every proposal. */
    NOT_SUPPORTED,
    /** No agreement within the negotiation timeout. */
    TIMEOUT,
    /** A message length above {@link MultistreamHandler#MAX_MESSAGE_LENGTH}. */
    MESSAGE_TOO_LARGE,
    /** A bad varint, a missing trailing newline, an empty message or invalid UTF-8. */
    MALFORMED_MESSAGE,
    /** The first message was not {@code /multistream/1.0.0}. */
    BAD_HEADER,
    /** The responder answered a proposal with something other than its echo or {@code na}. */
    UNEXPECTED_RESPONSE,
    /** The initiator sent more than {@link MultistreamHandler#MAX_ROUNDS} proposals. */
    TOO_MANY_ROUNDS,
    /** The channel closed before a protocol was agreed. */
    UNEXPECTED_EOF,
    /** The channel reported an error while negotiating. */
    CHANNEL_ERROR,
    /** The {@link ProtocolSelected} callback threw. */
    CALLBACK_FAILED
  }

  private final Reason reason;

  public MultistreamException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public MultistreamException(Reason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
