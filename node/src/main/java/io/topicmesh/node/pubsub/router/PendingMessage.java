package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.concurrent.CompletableFuture;

/**
 * A message on its way through signature verification and validation.
 *
 * @param source the peer it came from (ourselves for a local publish)
 * @param receivedAt router time of arrival (milliseconds)
 * @param publish the publisher's future for a local message, null for a received one
 */
record PendingMessage(
    PeerId source,
    MessageId id,
    PubsubMessage message,
    long receivedAt,
    CompletableFuture<PublishResult> publish) {
  boolean local() {
    return publish != null;
  }
}
