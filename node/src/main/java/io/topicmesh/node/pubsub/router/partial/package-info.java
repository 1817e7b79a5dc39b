/**
 * gossipsub partial messages (the v1.3 partial-messages extension, libp2p specs
 * pubsub/gossipsub/partial-messages.md): per-topic request/support modes announced in SubOpts,
 * groups of indexed parts exchanged in the RPC's {@code partial} field, parts metadata as "what I
 * have" bitmaps, and assembly of complete groups for the application. {@link
 * io.topicmesh.node.pubsub.router.partial.PartialMessages} is the state machine the router calls;
 * {@link io.topicmesh.node.pubsub.router.partial.IndexedParts} is the (application-defined, per
 * spec) encoding of parts and metadata that this node and the interop peers share.
 */
package io.topicmesh.node.pubsub.router.partial;
