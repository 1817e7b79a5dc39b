package io.topicmesh.node.pubsub.wire;

import java.util.List;

/** IWANT: message ids the sender asks to be sent in full. */
public record ControlIWant(List<MessageId> messageIds) {
  public ControlIWant {
    messageIds = List.copyOf(messageIds);
  }
}
