package io.topicmesh.node.pubsub.router;

import java.util.Objects;

/**
 * Why a local publish failed. {@link GossipRouter#publish} completes its future exceptionally with
 * this; hosts map the {@link Reason} to their own errors (the admin API to HTTP statuses).
 */
public final class PublishException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in terms a client can act on. */
  public enum Reason {
    /** The message cannot fit one RPC of the configured maxRpcSize: send less. */
    TOO_LARGE,
    /** A message with the same id was published or received within the seen TTL. */
    DUPLICATE,
    /** The validation queue or executor is full: retry later or elsewhere. */
    QUEUE_FULL,
    /** The router is shutting down: publish through another node. */
    SHUTTING_DOWN,
    /** A topic validator rejected the message. */
    REJECTED,
    /** A topic validator ignored the message. */
    IGNORED,
    /** A topic validator threw or failed: a fault of the validator, not of the message. */
    VALIDATOR_FAILED,
    /** The topic validators did not answer within the validation timeout. */
    VALIDATION_TIMEOUT
  }

  private final Reason reason;

  public PublishException(Reason reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason);
  }

  public Reason reason() {
    return reason;
  }
}
