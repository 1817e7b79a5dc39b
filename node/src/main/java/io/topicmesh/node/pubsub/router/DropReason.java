package io.topicmesh.node.pubsub.router;

/** Why an outbound message was not sent (metrics label). */
public enum DropReason {
  /** The peer's data lane was full (slow peer). */
  QUEUE_FULL,
  /** The peer's control lane overflowed; the peer was disconnected. */
  CONTROL_OVERFLOW,
  /** The peer sent IDONTWANT for it. */
  IDONTWANT
}
