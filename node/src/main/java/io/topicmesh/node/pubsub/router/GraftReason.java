package io.topicmesh.node.pubsub.router;

/** Why a peer joined one of our meshes (metrics label). */
public enum GraftReason {
  /** The peer sent GRAFT and we accepted. */
  REMOTE_GRAFT,
  /** We joined the topic. */
  JOIN,
  /** Mesh below Dlo. */
  UNDERSUBSCRIBED,
  /** Outbound quota Dout. */
  OUTBOUND_QUOTA,
  /** Opportunistic grafting (median score too low). */
  OPPORTUNISTIC
}
