package io.topicmesh.node.pubsub.router.partial;

import com.google.protobuf.ByteString;
import java.util.List;

/**
 * A snapshot of one group: what we hold and what we miss.
 *
 * @param ours whether we published or requested it (else a peer's RPC created it)
 * @param assembled the full message when every part is held, else null
 */
public record PartialGroupView(
    String topic,
    ByteString groupId,
    int totalParts,
    List<Integer> held,
    List<Integer> missing,
    long bytes,
    boolean ours,
    ByteString assembled) {
  public PartialGroupView {
    held = List.copyOf(held);
    missing = List.copyOf(missing);
  }
}
