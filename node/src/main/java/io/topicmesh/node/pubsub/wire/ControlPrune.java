package io.topicmesh.node.pubsub.wire;

import java.util.List;
import java.util.Objects;

/**
 * PRUNE: the sender removed the receiver from its mesh for a topic. {@code backoffSeconds} is
 * {@code null} when absent (v1.0 peers); {@code peers} carries peer exchange (v1.1).
 */
public record ControlPrune(String topic, List<PeerInfo> peers, Long backoffSeconds) {
  public ControlPrune {
    Objects.requireNonNull(topic, "topic");
    peers = List.copyOf(peers);
  }

  public static ControlPrune of(String topic) {
    return new ControlPrune(topic, List.of(), null);
  }
}
