package io.topicmesh.node.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;

/** Test helpers: moving bytes between EmbeddedChannels and capturing what reaches the tail. */
final class EmbeddedPair {
  private EmbeddedPair() {}

  /** Moves everything {@code from} wrote into {@code to}'s inbound side; true if anything moved. */
  static boolean pump(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    Object msg;
    while ((msg = from.readOutbound()) != null) {
      moved = true;
      if (to.isActive()) {
        to.writeInbound(msg);
      } else {
        io.netty.util.ReferenceCountUtil.release(msg);
      }
    }
    return moved;
  }

  /** Pumps both ways until neither side has anything left to say. */
  static void exchange(EmbeddedChannel a, EmbeddedChannel b) {
    for (int i = 0; i < 1000; i++) {
      boolean ab = pump(a, b);
      boolean ba = pump(b, a);
      if (!ab && !ba) {
        return;
      }
    }
    throw new AssertionError("channels kept talking after 1000 rounds");
  }

  /** Drains all outbound bytes of {@code ch} into one array (released). */
  static byte[] drainOutbound(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Object msg;
    while ((msg = ch.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        out.writeBytes(ByteBufUtil.getBytes(buf));
      } finally {
        buf.release();
      }
    }
    return out.toByteArray();
  }

  static ByteBuf wrap(byte[] bytes) {
    return Unpooled.wrappedBuffer(bytes);
  }

  /** Collects every byte that reaches it and releases the buffers. */
  static final class Capture extends ChannelInboundHandlerAdapter {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int reads;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        reads++;
        bytes.writeBytes(ByteBufUtil.getBytes(buf));
      } finally {
        buf.release();
      }
    }

    byte[] get() {
      return bytes.toByteArray();
    }
  }
}
