package io.topicmesh.node.pubsub.router;

/**
 * Some messages of a batch ({@link GossipRouter#publishBatch}) were refused; the message names
 * each by its index in the batch. The others were published: {@link #published()} of them.
 */
public final class BatchPublishException extends IllegalStateException {
  private final int published;

  BatchPublishException(String message, int published) {
    super(message);
    this.published = published;
  }

  /** How many messages of the batch were published. */
  public int published() {
    return published;
  }
}
