package io.topicmesh.node.security.noise;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import java.util.List;

/**
 * The outcome of a successful Noise handshake: who we are, who the remote proved to be, and the
 * stream muxers it offered in its handshake extensions (empty if none; spec:
 * connections/inlined-muxer-negotiation).
 */
public record SecureSession(
    PeerId localPeer, PeerId remotePeer, PubKey remotePublicKey, List<String> remoteMuxers) {
  public SecureSession {
    remoteMuxers = List.copyOf(remoteMuxers);
  }
}
