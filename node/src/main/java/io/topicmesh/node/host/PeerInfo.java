package io.topicmesh.node.host;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.time.Instant;
import java.util.List;

/**
 * What a peer told us about itself through identify.
 *
 * @param peer the peer
 * @param publicKey its public key (checked against the peer id)
 * @param protocolVersion e.g. {@code ipfs/0.1.0}; empty if not sent
 * @param agentVersion e.g. {@code go-libp2p/0.x}; empty if not sent
 * @param listenAddrs the addresses it says it listens on (undecodable ones are dropped)
 * @param observedAddr our address as the peer sees it, or null
 * @param protocols the protocols it supports
 * @param updated when this was received
 */
public record PeerInfo(
    PeerId peer,
    PubKey publicKey,
    String protocolVersion,
    String agentVersion,
    List<Multiaddr> listenAddrs,
    Multiaddr observedAddr,
    List<String> protocols,
    Instant updated) {

  public PeerInfo {
    listenAddrs = List.copyOf(listenAddrs);
    protocols = List.copyOf(protocols);
  }
}
