package io.topicmesh.node.pubsub.router;

/** Why a peer left one of our meshes (metrics label). */
public enum PruneReason {
  /** The peer sent PRUNE. */
  REMOTE_PRUNE,
  /** Mesh above Dhi. */
  OVERSUBSCRIBED,
  /** Score fell below 0. */
  NEGATIVE_SCORE,
  /** We left the topic. */
  UNSUBSCRIBED,
  /** The peer unsubscribed from the topic. */
  PEER_UNSUBSCRIBED,
  /** The peer disconnected. */
  DISCONNECTED,
  /** We refused its GRAFT (backoff, score, full mesh, direct peer, unknown topic). */
  GRAFT_REFUSED
}
