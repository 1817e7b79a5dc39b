package io.topicmesh.node.sim;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.GraftReason;
import io.topicmesh.node.pubsub.router.PruneReason;
import io.topicmesh.node.pubsub.router.RouterObserver;
import java.util.Set;

/** Counts, for every honest router, what it did to Sybils (graylisting, PRUNEs, refused GRAFTs). */
final class AttackObserver implements RouterObserver {
  private final AttackStats stats;
  private final Set<PeerId> sybils;

  AttackObserver(AttackStats stats, Set<PeerId> sybils) {
    this.stats = stats;
    this.sybils = sybils;
  }

  @Override
  public void graylisted(PeerId peer) {
    if (sybils.contains(peer)) {
      stats.graylistedRpcs++;
    }
  }

  @Override
  public void grafted(PeerId peer, String topic, GraftReason reason) {
    if (sybils.contains(peer)) {
      stats.sybilGrafts++;
    }
  }

  @Override
  public void pruned(PeerId peer, String topic, PruneReason reason) {
    boolean sybil = sybils.contains(peer);
    switch (reason) {
      case NEGATIVE_SCORE -> {
        if (sybil) {
          stats.prunedNegativeScore++;
        } else {
          stats.honestPrunedNegativeScore++;
        }
      }
      case OVERSUBSCRIBED -> {
        if (sybil) {
          stats.prunedOversubscribed++;
        }
      }
      case GRAFT_REFUSED -> {
        if (sybil) {
          stats.graftsRefused++;
        }
      }
      default -> {}
    }
  }
}
