package io.topicmesh.node.pubsub.router;

/** Which side opened the connection; the mesh keeps {@code dout} outbound peers (v1.1). */
public enum Direction {
  INBOUND,
  OUTBOUND
}
