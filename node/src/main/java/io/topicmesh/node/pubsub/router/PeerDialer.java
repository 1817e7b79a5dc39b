package io.topicmesh.node.pubsub.router;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;

/**
 * Asks the host to connect to a peer learnt from peer exchange, or to reconnect a direct peer.
 * Called after the router mutex is released; must not block. When the connection is up the host
 * calls {@link GossipRouter#addPeer} as for any other peer.
 */
@FunctionalInterface
public interface PeerDialer {
  /** @param signedPeerRecord the PX record (may be null; the host may know addresses otherwise) */
  void dial(PeerId peer, ByteString signedPeerRecord);

  PeerDialer NONE = (p, r) -> {};
}
