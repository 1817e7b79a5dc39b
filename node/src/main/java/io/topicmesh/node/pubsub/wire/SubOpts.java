package io.topicmesh.node.pubsub.wire;

import java.util.Objects;

/**
 * A subscription change announced by a peer (RPC field 1).
 *
 * @param requestsPartial partial messages: the sender wants partial messages on the topic (field 3)
 * @param supportsSendingPartial partial messages: the sender can send them on the topic (field 4)
 */
public record SubOpts(
    boolean subscribe, String topic, boolean requestsPartial, boolean supportsSendingPartial) {
  public SubOpts {
    Objects.requireNonNull(topic, "topic");
  }

  /** A subscription change without partial-message options. */
  public SubOpts(boolean subscribe, String topic) {
    this(subscribe, topic, false, false);
  }
}
