package io.topicmesh.node.pubsub.router.partial;

/**
 * What a partial publish or request did.
 *
 * @param partsHeld parts of the group we hold after it
 * @param totalParts parts the group has in all
 * @param peersSent peers that were sent parts and/or our parts metadata
 */
public record PartialPublishResult(int partsHeld, int totalParts, int peersSent) {}
