package io.topicmesh.node.pubsub.wire;

import java.util.Objects;

/** A subscription change announced by a peer (RPC field 1). */
public record SubOpts(boolean subscribe, String topic) {
  public SubOpts {
    Objects.requireNonNull(topic, "topic");
  }
}
