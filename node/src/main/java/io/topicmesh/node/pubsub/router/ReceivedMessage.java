package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;

/** A validated message handed to a topic subscriber; {@code source} forwarded it to us. */
public record ReceivedMessage(MessageId id, PubsubMessage message, PeerId source, boolean local) {}
