package io.topicmesh.node.pubsub.wire;

import java.util.List;
import java.util.Objects;

/** IHAVE: message ids the sender has seen recently in a topic. */
public record ControlIHave(String topic, List<MessageId> messageIds) {
  public ControlIHave {
    Objects.requireNonNull(topic, "topic");
    messageIds = List.copyOf(messageIds);
  }
}
