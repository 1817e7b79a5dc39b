package io.topicmesh.node.pubsub.router;

import java.util.List;
import java.util.Optional;

/** The pubsub protocols we announce, newest first, and what each negotiated version allows. */
public enum PubsubProtocol {
  MESHSUB_V13("/meshsub/1.3.0"),
  MESHSUB_V12("/meshsub/1.2.0"),
  MESHSUB_V11("/meshsub/1.1.0"),
  MESHSUB_V10("/meshsub/1.0.0"),
  FLOODSUB("/floodsub/1.0.0");

  /** Protocol ids in order of preference, for multistream negotiation. */
  public static final List<String> ANNOUNCED =
      List.of(MESHSUB_V13.id, MESHSUB_V12.id, MESHSUB_V11.id, MESHSUB_V10.id, FLOODSUB.id);

  private final String id;

  PubsubProtocol(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  public static Optional<PubsubProtocol> fromId(String id) {
    for (PubsubProtocol p : values()) {
      if (p.id.equals(id)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Mesh, gossip and control messages (every meshsub version). */
  public boolean isGossipsub() {
    return this != FLOODSUB;
  }

  /** PRUNE backoff and peer exchange (v1.1). */
  public boolean supportsBackoffAndPx() {
    return this == MESHSUB_V11 || this == MESHSUB_V12 || this == MESHSUB_V13;
  }

  /** IDONTWANT (v1.2). */
  public boolean supportsIdontwant() {
    return this == MESHSUB_V12 || this == MESHSUB_V13;
  }

  /** The Extensions control message and the extensions it announces (v1.3). */
  public boolean supportsExtensions() {
    return this == MESHSUB_V13;
  }
}
