package io.topicmesh.node.pubsub.router.partial;

/** How this node takes part in partial messages on one topic (announced in its SubOpts). */
public enum PartialMode {
  /** {@code requestsPartial}: peers that support it send us partial messages, not full ones. */
  REQUEST,
  /** {@code supportsSendingPartial} only: we answer requests and send metadata, and take full messages. */
  SUPPORT;

  boolean requests() {
    return this == REQUEST;
  }
}
