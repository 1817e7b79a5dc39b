package io.topicmesh.node.pubsub.router.partial;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import java.util.List;

/**
 * Parts of a group arrived from a peer (the spec: gossipsub forwards every partial message to the
 * application). {@code assembled} is set once, on the event that completed the group.
 *
 * @param from the peer that sent the parts
 * @param newParts indexes of the parts that were new to us, ascending
 * @param partsHeld parts of the group we now hold
 * @param totalParts parts the group has in all
 * @param assembled the full message (the parts in index order) when this event completed the
 *     group, else null
 */
public record PartialEvent(
    String topic,
    ByteString groupId,
    PeerId from,
    List<Integer> newParts,
    int partsHeld,
    int totalParts,
    ByteString assembled) {
  public PartialEvent {
    newParts = List.copyOf(newParts);
  }

  public boolean complete() {
    return assembled != null;
  }
}
