package io.topicmesh.node.protocol.ping;

/** Constants of the libp2p ping protocol (spec: ping/ping.md). */
public final class PingProtocol {
  /** The protocol id. */
  public static final String ID = "/ipfs/ping/1.0.0";

  /** Size of each ping payload; the responder echoes every 32 bytes it receives. */
  public static final int PAYLOAD_BYTES = 32;

  private PingProtocol() {}
}
