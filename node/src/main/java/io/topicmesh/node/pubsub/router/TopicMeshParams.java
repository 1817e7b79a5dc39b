package io.topicmesh.node.pubsub.router;

import io.topicmesh.api.GossipSchema;

/**
 * The mesh-degree parameters of one topic: what {@link GossipParams} sets for every topic, and what
 * a topic may override (as rust-libp2p gossipsub does per topic since 0.49). The invariants are
 * the shared schema's ({@link GossipSchema#checkDegrees}), which {@link GossipParams} and the operator
 * check too.
 *
 * @param d target mesh degree
 * @param dlo lower bound; below it the heartbeat grafts
 * @param dhi upper bound; above it the heartbeat prunes
 * @param dscore peers kept by score when pruning an oversubscribed mesh
 * @param dout outbound peers kept in the mesh
 * @param dlazy minimum peers gossiped to per heartbeat
 */
public record TopicMeshParams(int d, int dlo, int dhi, int dscore, int dout, int dlazy) {
  public TopicMeshParams {
    checkDegrees(d, dlo, dhi, dscore, dout, dlazy);
  }

  /** The degrees {@code p} sets for every topic. */
  public static TopicMeshParams of(GossipParams p) {
    return new TopicMeshParams(p.d(), p.dlo(), p.dhi(), p.dscore(), p.dout(), p.dlazy());
  }

  /** The mesh invariants of the shared schema ({@link GossipSchema#checkDegrees}). */
  static void checkDegrees(int d, int dlo, int dhi, int dscore, int dout, int dlazy) {
    InvalidParamsException.shared(() -> GossipSchema.checkDegrees(d, dlo, dhi, dscore, dout, dlazy));
  }
}
