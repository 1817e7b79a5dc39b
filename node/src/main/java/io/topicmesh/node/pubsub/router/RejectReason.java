package io.topicmesh.node.pubsub.router;

/** Why a received message was not delivered. */
public enum RejectReason {
  MISSING_SIGNATURE,
  INVALID_SIGNATURE,
  UNEXPECTED_SIGNING_FIELDS,
  INVALID_FROM,
  INVALID_SEQNO,
  VALIDATION_REJECTED,
  VALIDATION_IGNORED,
  VALIDATION_THROTTLED,
  /** Validators did not answer within the validation timeout; no penalty. */
  VALIDATION_TIMEOUT,
  VALIDATION_FAILED,
  SELF_ORIGIN,
  NOT_SUBSCRIBED
}
