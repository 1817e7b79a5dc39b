package io.topicmesh.node.sim;

/** What the honest routers did to the Sybils during a run (counted by {@link AttackObserver}). */
final class AttackStats {
  /** Sybil-to-honest connections made. */
  long connections;
  /** RPCs from a Sybil that an honest router ignored because the Sybil was below the graylist threshold. */
  long graylistedRpcs;
  /** Sybils PRUNEd from an honest mesh, by reason. */
  long prunedNegativeScore;
  long prunedOversubscribed;
  long graftsRefused;
  /** Honest peers PRUNEd for a negative score (false positives of the score function). */
  long honestPrunedNegativeScore;
  /** Sybil GRAFTs accepted into an honest mesh. */
  long sybilGrafts;
}
