package io.topicmesh.node.pubsub.wire;

import java.util.Objects;

/** GRAFT: the sender added the receiver to its mesh for a topic. */
public record ControlGraft(String topic) {
  public ControlGraft {
    Objects.requireNonNull(topic, "topic");
  }
}
