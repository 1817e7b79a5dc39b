package io.topicmesh.node.protocol.identify;

/** Constants of libp2p identify (spec: identify/README.md). */
public final class IdentifyProtocol {
  /** Ask a peer to identify itself: it writes one message and closes. */
  public static final String ID = "/ipfs/id/1.0.0";

  /** A peer pushes an update of its identify message unasked. */
  public static final String PUSH_ID = "/ipfs/id/push/1.0.0";

  /** The protocolVersion we send. */
  public static final String PROTOCOL_VERSION = "ipfs/0.1.0";

  private IdentifyProtocol() {}
}
