package io.topicmesh.node.transport;

/** Which side opened a connection or stream. */
public enum Direction {
  /** The remote peer dialed us. */
  INBOUND,
  /** We dialed the remote peer. */
  OUTBOUND;

  /** Lower-case name for logs and metric labels. */
  public String label() {
    return this == INBOUND ? "inbound" : "outbound";
  }
}
