/**
 * Binds the gossipsub router to the libp2p host: pubsub stream handlers for every announced
 * protocol, one outbound stream per peer (written to) and one inbound stream (read from), as
 * go-libp2p-pubsub does; length-prefixed RPC framing with limits; inbox backpressure; writability;
 * dialing of PX and direct peers. Entry point: {@link io.topicmesh.node.pubsub.net.PubsubNetwork}.
 *
 * <p>Buffer ownership: inbound frames are owned and released by {@link
 * io.topicmesh.node.pubsub.wire.RpcFrameDecoder} (records hold no buffers); outbound RPC records
 * are encoded by {@link io.topicmesh.node.pubsub.wire.RpcFrameEncoder} into buffers the stream owns
 * once written.
 */
package io.topicmesh.node.pubsub.net;
