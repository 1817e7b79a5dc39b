package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import java.util.Map;
import java.util.Set;

/**
 * One consistent view of the router, taken under its mutex once ({@link GossipRouter#status}):
 * for status pages and readiness checks, which would otherwise take the mutex once per figure.
 *
 * @param params the parameters in effect
 * @param heartbeatTicks heartbeats run so far
 * @param peers peers with a pubsub stream
 * @param directPeers the configured direct peers
 * @param topics the subscribed topics, in name order
 * @param scores the score of each peer asked for
 */
public record RouterStatus(
    GossipParams params,
    long heartbeatTicks,
    Set<PeerId> peers,
    Set<PeerId> directPeers,
    Map<String, Topic> topics,
    Map<PeerId, Double> scores) {

  /**
   * One subscribed topic.
   *
   * @param mesh our mesh peers
   * @param fanout our fanout peers (normally empty for a subscribed topic)
   * @param peers the peers subscribed to it
   */
  public record Topic(Set<PeerId> mesh, Set<PeerId> fanout, Set<PeerId> peers) {}
}
