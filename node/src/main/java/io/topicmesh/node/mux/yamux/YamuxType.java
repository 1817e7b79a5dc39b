package io.topicmesh.node.mux.yamux;

/** The yamux frame types (header byte 1). */
public enum YamuxType {
  /** Stream data; the length field is the payload length. */
  DATA(0),
  /** Stream window credit; the length field is the delta. */
  WINDOW_UPDATE(1),
  /** Session ping (stream 0); the length field is an opaque value echoed back. */
  PING(2),
  /** Session termination (stream 0); the length field is an error code. */
  GO_AWAY(3);

  private static final YamuxType[] BY_CODE = values();

  private final int code;

  YamuxType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type for {@code code}, or null if yamux defines none. */
  public static YamuxType of(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
