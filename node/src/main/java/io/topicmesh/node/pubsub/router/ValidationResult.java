package io.topicmesh.node.pubsub.router;

/** Outcome of a topic validator (pubsub spec, "Message validation"). */
public enum ValidationResult {
  /** Deliver and forward. */
  ACCEPT,
  /** Invalid: drop and penalise the sender (P4). */
  REJECT,
  /** Drop without penalty (e.g. not interesting, stale). */
  IGNORE
}
