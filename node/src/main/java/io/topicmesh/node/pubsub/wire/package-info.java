/**
 * The pubsub RPC on the wire: {@code rpc.proto} (field numbers as in the libp2p pubsub spec and
 * go-libp2p-pubsub), immutable records ({@link io.topicmesh.node.pubsub.wire.Rpc} and its parts),
 * {@link io.topicmesh.node.pubsub.wire.RpcCodec} with element limits counted before parsing, and a
 * netty frame decoder/encoder pair for pubsub streams. The router sees only the records.
 */
package io.topicmesh.node.pubsub.wire;
