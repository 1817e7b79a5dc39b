/**
 * The gossipsub router: {@link io.topicmesh.node.pubsub.router.GossipRouter} (its Javadoc is the
 * integration contract for the host), parameters ({@link
 * io.topicmesh.node.pubsub.router.GossipParams}, {@link
 * io.topicmesh.node.pubsub.router.PeerScoreParams}, {@link
 * io.topicmesh.node.pubsub.router.TopicScoreParams}, {@link
 * io.topicmesh.node.pubsub.router.PeerScoreThresholds}), the message and seen caches, peer scoring,
 * signing, observers and micrometer metrics. No netty class is imported here.
 */
package io.topicmesh.node.pubsub.router;
