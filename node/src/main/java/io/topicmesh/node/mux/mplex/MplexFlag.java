package io.topicmesh.node.mux.mplex;

/**
 * The mplex message flags (the low 3 bits of the header varint). "Receiver" flags are sent by the
 * side that accepted the stream, "Initiator" flags by the side that opened it; that is how both
 * sides can use the same stream id.
 */
public enum MplexFlag {
  NEW_STREAM(0),
  MESSAGE_RECEIVER(1),
  MESSAGE_INITIATOR(2),
  CLOSE_RECEIVER(3),
  CLOSE_INITIATOR(4),
  RESET_RECEIVER(5),
  RESET_INITIATOR(6);

  private static final MplexFlag[] BY_CODE = values();

  private final int code;

  MplexFlag(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The flag for {@code code}, or null for 7, which mplex does not define. */
  public static MplexFlag of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** True if the sender of this flag opened the stream. */
  public boolean fromInitiator() {
    return this == NEW_STREAM
        || this == MESSAGE_INITIATOR
        || this == CLOSE_INITIATOR
        || this == RESET_INITIATOR;
  }

  static MplexFlag message(boolean senderIsInitiator) {
    return senderIsInitiator ? MESSAGE_INITIATOR : MESSAGE_RECEIVER;
  }

  static MplexFlag close(boolean senderIsInitiator) {
    return senderIsInitiator ? CLOSE_INITIATOR : CLOSE_RECEIVER;
  }

  static MplexFlag reset(boolean senderIsInitiator) {
    return senderIsInitiator ? RESET_INITIATOR : RESET_RECEIVER;
  }
}
