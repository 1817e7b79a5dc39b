package io.topicmesh.node.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * Test handler at the end of a stream pipeline: records what arrives (bytes up to a cap, a CRC and
 * a count of everything) and the events, and releases every buffer.
 */
public final class Recorder extends ChannelInboundHandlerAdapter {
  private static final int KEEP = 64 * 1024;

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final CRC32 crc = new CRC32();
  private final AtomicLong received = new AtomicLong();
  private volatile boolean inputShutdown;
  private volatile StreamResetEvent reset;
  private volatile int readCompletes;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      synchronized (this) {
        crc.update(bytes);
        if (kept.size() < KEEP) {
          kept.write(bytes, 0, Math.min(bytes.length, KEEP - kept.size()));
        }
      }
      received.addAndGet(bytes.length);
    } finally {
      buf.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    readCompletes++;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == ChannelInputShutdownEvent.INSTANCE) {
      inputShutdown = true;
    } else if (evt instanceof StreamResetEvent e) {
      reset = e;
    }
    ctx.fireUserEventTriggered(evt);
  }

  public long received() {
    return received.get();
  }

  public synchronized long crc() {
    return crc.getValue();
  }

  public synchronized String text() {
    return kept.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  public boolean inputShutdown() {
    return inputShutdown;
  }

  public StreamResetEvent reset() {
    return reset;
  }

  public int readCompletes() {
    return readCompletes;
  }
}
