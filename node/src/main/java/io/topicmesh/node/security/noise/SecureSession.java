package io.topicmesh.node.security.noise;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of a successful Noise handshake: who we are, who the remote proved to be, the stream
 * muxers it listed in its handshake extensions (empty if none), and the muxer both sides thereby
 * agreed on.
 *
 * <p>{@code inlinedMuxer} follows the spec's inlined muxer negotiation
 * (connections/inlined-muxer-negotiation.md, as go-libp2p and js-libp2p implement it): when both
 * sides listed muxers, it is the first of the initiator's list that the responder listed too, and
 * both peers then start that muxer at once, with no multistream round. When it is empty the muxer
 * must be negotiated with multistream-select over the secured channel.
 */
public record SecureSession(
    PeerId localPeer,
    PeerId remotePeer,
    PubKey remotePublicKey,
    List<String> remoteMuxers,
    Optional<String> inlinedMuxer) {
  public SecureSession {
    Objects.requireNonNull(localPeer, "localPeer");
    Objects.requireNonNull(remotePeer, "remotePeer");
    Objects.requireNonNull(remotePublicKey, "remotePublicKey");
    remoteMuxers = List.copyOf(remoteMuxers);
    Objects.requireNonNull(inlinedMuxer, "inlinedMuxer");
  }

  /** The first of {@code initiatorMuxers} that {@code responderMuxers} contains, if any. */
  static Optional<String> matchMuxers(List<String> initiatorMuxers, List<String> responderMuxers) {
    return initiatorMuxers.stream().filter(responderMuxers::contains).findFirst();
  }
}
