package io.topicmesh.node.pubsub.wire;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * The partial-messages extension's RPC part (RPC field 10): one group's parts and/or the
 * sender's parts metadata. Both encodings are the application's.
 *
 * @param topic the topic (field 1)
 * @param groupId the group, i.e. the full message the parts belong to (field 2)
 * @param partialMessage encoded parts, or null when absent (field 3)
 * @param partsMetadata what the sender has and wants, or null when absent (field 4)
 */
public record PartialMessageRpc(
    String topic, ByteString groupId, ByteString partialMessage, ByteString partsMetadata) {
  public PartialMessageRpc {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(groupId, "groupId");
  }
}
