package io.topicmesh.node.mux.yamux;

/** The yamux header flags (a 16-bit field). */
public final class YamuxFlags {
  /** Opens a stream; on PING, a request. */
  public static final int SYN = 0x1;
  /** Accepts a stream; on PING, a response. */
  public static final int ACK = 0x2;
  /** Half-closes a stream. */
  public static final int FIN = 0x4;
  /** Resets a stream. */
  public static final int RST = 0x8;
  /** Every bit yamux defines; others are a protocol error. */
  public static final int ALL = SYN | ACK | FIN | RST;

  private YamuxFlags() {}

  /** A readable form such as {@code SYN|FIN}, for logs and test failures. */
  public static String toString(int flags) {
    StringBuilder sb = new StringBuilder();
    String[] names = {"SYN", "ACK", "FIN", "RST"};
    for (int i = 0; i < names.length; i++) {
      if ((flags & (1 << i)) != 0) {
        sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
      }
    }
    return sb.length() == 0 ? "0" : sb.toString();
  }
}
