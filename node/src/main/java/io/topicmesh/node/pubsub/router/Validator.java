package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.concurrent.CompletionStage;

/**
 * A topic validator. Runs on the router's validation executor, never under the router mutex; may
 * complete later (asynchronous validation). A message is forwarded only after every validator of
 * its topic accepted it.
 */
@FunctionalInterface
public interface Validator {
  /** @param source the peer the message came from (ourselves for local publishes) */
  CompletionStage<ValidationResult> validate(PeerId source, PubsubMessage message);
}
