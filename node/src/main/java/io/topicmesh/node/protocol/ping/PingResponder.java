package io.topicmesh.node.protocol.ping;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Responder side of ping: echoes each 32-byte payload back as soon as it is complete. At most one
 * partial payload (31 bytes) is ever buffered. When the channel stops being writable the read side
 * is paused (autoRead off) so a peer that never reads our echoes cannot make us buffer without
 * bound.
 *
 * <p>Each echoed payload is a retained slice of the cumulation, released by the write.
 */
public final class PingResponder extends ByteToMessageDecoder {
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    boolean wrote = false;
    while (in.readableBytes() >= PingProtocol.PAYLOAD_BYTES) {
      ctx.write(in.readRetainedSlice(PingProtocol.PAYLOAD_BYTES));
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
      if (!ctx.channel().isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      ctx.channel().config().setAutoRead(true);
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    // A trailing partial payload is dropped: the initiator went away mid-ping.
    in.skipBytes(in.readableBytes());
    if (ctx.channel().isActive()) {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
