package io.topicmesh.node.security.noise;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Test plumbing: moves bytes between EmbeddedChannels and captures what reaches a pipeline's end. */
final class Pipes {
  private Pipes() {}

  static boolean pump(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    Object msg;
    while ((msg = from.readOutbound()) != null) {
      moved = true;
      if (to.isOpen()) {
        to.writeInbound(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    return moved;
  }

  static void exchange(EmbeddedChannel a, EmbeddedChannel b) {
    for (int i = 0; i < 10_000; i++) {
      boolean ab = pump(a, b);
      boolean ba = pump(b, a);
      if (!ab && !ba) {
        return;
      }
    }
    throw new AssertionError("channels kept talking after 10000 rounds");
  }

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

  /** Collects the bytes and user events that reach it; releases the buffers. */
  static final class Capture extends ChannelInboundHandlerAdapter {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final List<Object> events = new ArrayList<>();
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

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      events.add(evt);
    }

    byte[] get() {
      return bytes.toByteArray();
    }
  }
}
