package io.topicmesh.node.pubsub.wire;

import java.util.List;

/** IDONTWANT (v1.2): message ids the sender already has and does not want sent to it. */
public record ControlIDontWant(List<MessageId> messageIds) {
  public ControlIDontWant {
    messageIds = List.copyOf(messageIds);
  }
}
