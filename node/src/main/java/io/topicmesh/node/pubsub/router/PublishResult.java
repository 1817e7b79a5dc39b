package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.wire.MessageId;

/** What happened to a local publish: its id and how many peers it was queued for. */
public record PublishResult(MessageId id, int peers) {}
