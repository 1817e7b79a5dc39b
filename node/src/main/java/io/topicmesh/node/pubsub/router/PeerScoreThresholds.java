package io.topicmesh.node.pubsub.router;

import static io.topicmesh.node.pubsub.router.InvalidParamsException.check;
import static io.topicmesh.node.pubsub.router.InvalidParamsException.finite;

/**
 * Score thresholds (gossipsub v1.1, "Score Thresholds"). Defaults follow rust-libp2p's
 * {@code PeerScoreThresholds::default()}.
 *
 * @param gossipThreshold below it no gossip is sent to or accepted from a peer (<= 0)
 * @param publishThreshold below it own messages are not flood-published to a peer (<= gossip)
 * @param graylistThreshold below it every RPC from a peer is ignored (<= publish)
 * @param acceptPxThreshold PX is accepted only from peers at or above it (>= 0)
 * @param opportunisticGraftThreshold median mesh score below which opportunistic grafting runs (>= 0)
 */
public record PeerScoreThresholds(
    double gossipThreshold,
    double publishThreshold,
    double graylistThreshold,
    double acceptPxThreshold,
    double opportunisticGraftThreshold) {

  public PeerScoreThresholds {
    finite(gossipThreshold, "gossipThreshold");
    finite(publishThreshold, "publishThreshold");
    finite(graylistThreshold, "graylistThreshold");
    finite(acceptPxThreshold, "acceptPxThreshold");
    finite(opportunisticGraftThreshold, "opportunisticGraftThreshold");
    check(gossipThreshold <= 0, "gossipThreshold", gossipThreshold, "must be <= 0");
    check(
        publishThreshold <= 0 && publishThreshold <= gossipThreshold,
        "publishThreshold", publishThreshold,
        "must be <= 0 and <= gossipThreshold (" + gossipThreshold + ")");
    check(
        graylistThreshold <= 0 && graylistThreshold <= publishThreshold,
        "graylistThreshold", graylistThreshold,
        "must be <= 0 and <= publishThreshold (" + publishThreshold + ")");
    check(acceptPxThreshold >= 0, "acceptPxThreshold", acceptPxThreshold, "must be >= 0");
    check(
        opportunisticGraftThreshold >= 0,
        "opportunisticGraftThreshold", opportunisticGraftThreshold, "must be >= 0");
  }

  public static PeerScoreThresholds defaults() {
    return new PeerScoreThresholds(-10, -50, -80, 10, 20);
  }
}
