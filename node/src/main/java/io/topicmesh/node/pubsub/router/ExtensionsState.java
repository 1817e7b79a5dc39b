package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.util.HashMap;
import java.util.Map;

/**
 * gossipsub v1.3 Extensions control message, per stream (spec: pubsub/gossipsub/gossipsub-v1.3.md).
 * We send our Extensions once, in the first RPC on a /meshsub/1.3.0 stream, and only when we
 * support an extension (the spec lets a peer that supports none omit it). A peer's first RPC fixes
 * what it supports; an Extensions message after that (a second one, or one that was not in the
 * first RPC) breaks "MUST be included in the first message" / "MUST NOT be sent more than once":
 * it is ignored and the peer gets a P7 behaviour penalty of {@link #MISBEHAVIOUR_PENALTY} (the
 * count go-libp2p-pubsub uses). Extensions are not negotiated: an extension is on with a peer when
 * both sides advertised it. Unknown extensions never reach here (the decoder drops them).
 *
 * <p>Not thread-safe: used under the router mutex. Holds one entry per v1.3 peer of the router.
 */
final class ExtensionsState {
  /** P7 count added for an Extensions message out of place. */
  static final int MISBEHAVIOUR_PENALTY = 10;

  /** What an inbound RPC means for the peer's extensions. */
  enum Inbound {
    /** Not a v1.3 stream, or an RPC after the first without an Extensions message. */
    NOTHING,
    /** The peer's first RPC: its extensions are now known (possibly none). */
    FIRST,
    /** An Extensions message after the first RPC: ignored, penalise. */
    MISBEHAVIOUR
  }

  private static final class PeerState {
    ControlExtensions theirs;
    boolean testExtensionSent;
  }

  private final ControlExtensions mine;
  private final Map<PeerId, PeerState> peers = new HashMap<>();

  ExtensionsState(ControlExtensions mine) {
    this.mine = mine;
  }

  ControlExtensions mine() {
    return mine;
  }

  /**
   * A stream to {@code peer} is up: returns the Extensions message to put in its first RPC, or
   * null when none is to be sent (not v1.3, or we support no extension).
   */
  ControlExtensions onNewStream(PeerId peer, PubsubProtocol protocol) {
    peers.remove(peer);
    if (!protocol.supportsExtensions()) {
      return null;
    }
    peers.put(peer, new PeerState());
    return mine.any() ? mine : null;
  }

  void onStreamClosed(PeerId peer) {
    peers.remove(peer);
  }

  /** Classifies an inbound RPC and records the peer's extensions from its first one. */
  Inbound onRpc(PeerId peer, Rpc rpc) {
    PeerState s = peers.get(peer);
    if (s == null) {
      return Inbound.NOTHING;
    }
    ControlExtensions ext = rpc.control().extensions();
    if (s.theirs == null) {
      s.theirs = ext == null ? ControlExtensions.NONE : ext;
      return Inbound.FIRST;
    }
    return ext == null ? Inbound.NOTHING : Inbound.MISBEHAVIOUR;
  }

  /** What the peer advertised, or null before its first RPC (or when not on v1.3). */
  ControlExtensions theirs(PeerId peer) {
    PeerState s = peers.get(peer);
    return s == null ? null : s.theirs;
  }

  /** Both sides advertised the test extension. */
  boolean testExtensionWith(PeerId peer) {
    ControlExtensions t = theirs(peer);
    return mine.testExtension() && t != null && t.testExtension();
  }

  /** Both sides advertised partial messages. */
  boolean partialMessagesWith(PeerId peer) {
    ControlExtensions t = theirs(peer);
    return mine.partialMessages() && t != null && t.partialMessages();
  }

  /**
   * True once per stream when the test extension is on with {@code peer}: then we owe it one
   * TestExtension message (test-extension spec: "each peer MUST send a TestExtension Message").
   */
  boolean takeTestExtensionDue(PeerId peer) {
    PeerState s = peers.get(peer);
    if (s == null || s.testExtensionSent || !testExtensionWith(peer)) {
      return false;
    }
    s.testExtensionSent = true;
    return true;
  }

  int size() {
    return peers.size();
  }
}
