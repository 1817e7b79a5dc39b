package io.topicmesh.node.mux.yamux;

/** The GO_AWAY error codes. */
public final class YamuxGoAway {
  public static final int NORMAL = 0;
  public static final int PROTOCOL_ERROR = 1;
  public static final int INTERNAL_ERROR = 2;

  private YamuxGoAway() {}
}
