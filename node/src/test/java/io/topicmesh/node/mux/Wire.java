package io.topicmesh.node.mux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

/** Hex helpers for byte-exact frame tests on an EmbeddedChannel. */
public final class Wire {
  private Wire() {}

  /** A buffer from hex, spaces allowed. */
  public static ByteBuf hex(String hex) {
    return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex.replace(" ", "")));
  }

  /** Everything the channel wrote since the last call, as one hex string; releases it all. */
  public static String drain(EmbeddedChannel ch) {
    ch.runPendingTasks();
    StringBuilder sb = new StringBuilder();
    Object msg;
    while ((msg = ch.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        sb.append(ByteBufUtil.hexDump(buf));
      } finally {
        buf.release();
      }
    }
    return sb.toString();
  }

  /**
   * Feeds whole frames to the channel and checks the input buffer was released (so every payload
   * was consumed or dropped, none retained).
   */
  public static void feed(EmbeddedChannel ch, String hex) {
    ByteBuf in = hex(hex);
    ch.writeInbound(in);
    ch.runPendingTasks();
    if (in.refCnt() != 0) {
      throw new AssertionError("input buffer not released, refCnt " + in.refCnt());
    }
  }

  /** Feeds hex that may end mid-frame (the muxer keeps it); returns the input buffer. */
  public static ByteBuf feedPartial(EmbeddedChannel ch, String hex) {
    ByteBuf in = hex(hex);
    ch.writeInbound(in);
    ch.runPendingTasks();
    return in;
  }

  public static String strip(String hex) {
    return hex.replace(" ", "");
  }
}
