package io.topicmesh.node.pubsub.wire;

import com.google.protobuf.ByteString;

/** A peer-exchange entry in a PRUNE: the peer id bytes and an optional signed peer record. */
public record PeerInfo(ByteString peerId, ByteString signedPeerRecord) {}
