package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;

/**
 * The mesh-degree parameters of one topic: what {@link GossipParams} sets for every topic, and what
 * a topic may override (as rust-libp2p gossipsub does per topic since 0.49). The invariants are
 * the ones {@link GossipParams} checks, in one place ({@link #checkDegrees}).
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

  /**
   * The mesh invariants: Dlo ≤ D ≤ Dhi, Dout < Dlo, Dout ≤ D/2, Dscore ≤ Dhi, all ≥ 0, and Dlo ≥ 1
   * except for a bootstrapper (D = Dlo = Dhi = Dout = 0, spec v1.1 operator recommendations).
   */
  static void checkDegrees(int d, int dlo, int dhi, int dscore, int dout, int dlazy) {
    check(d >= 0, "d", d, "must be >= 0");
    check(dlo >= 0, "dlo", dlo, "must be >= 0");
    check(dscore >= 0, "dscore", dscore, "must be >= 0");
    check(dout >= 0, "dout", dout, "must be >= 0");
    check(dlazy >= 0, "dlazy", dlazy, "must be >= 0");
    boolean bootstrapper = d == 0 && dlo == 0 && dhi == 0 && dout == 0;
    if (!bootstrapper) {
      // a mesh that may shrink to 0 is never refilled: name dlo, not the dout rule it also breaks
      check(dlo >= 1, "dlo", dlo, "must be >= 1 (only a bootstrapper runs with d = dlo = dhi = dout = 0)");
      check(dlo <= d, "dlo", dlo, "must be <= d (" + d + ")");
      check(d <= dhi, "dhi", dhi, "must be >= d (" + d + ")");
      check(dout < dlo, "dout", dout, "must be < dlo (" + dlo + ")");
      check(dout <= d / 2, "dout", dout, "must be <= d/2 (" + d / 2 + ")");
    }
    check(dscore <= dhi, "dscore", dscore, "must be <= dhi (" + dhi + ")");
  }
}
