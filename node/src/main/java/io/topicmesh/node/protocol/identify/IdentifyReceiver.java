package io.topicmesh.node.protocol.identify;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.topicmesh.node.protocol.identify.pb.IdentifyProtos.Identify;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Reads identify messages from a stream until the remote closes its write side (or the stream
 * closes), merges them and reports the result once: {@code (message, null)} on success or {@code
 * (null, error)} on a bad or truncated message. The stream is closed on error.
 *
 * <p>Inbound buffers are owned by the {@link ByteToMessageDecoder} cumulation, which releases them;
 * decoded messages are plain protobuf objects.
 */
public final class IdentifyReceiver extends ByteToMessageDecoder {
  private final BiConsumer<Identify, Throwable> onDone;
  private Identify merged;
  private int messages;
  private boolean done;

  public IdentifyReceiver(BiConsumer<Identify, Throwable> onDone) {
    this.onDone = onDone;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (done) {
      in.skipBytes(in.readableBytes());
      return;
    }
    try {
      Identify msg;
      while ((msg = IdentifyCodec.tryDecode(in)) != null) {
        if (++messages > IdentifyCodec.MAX_MESSAGES) {
          throw new IdentifyException("more than " + IdentifyCodec.MAX_MESSAGES + " identify messages on one stream");
        }
        merged = IdentifyCodec.merge(merged, msg);
      }
    } catch (IdentifyException e) {
      in.skipBytes(in.readableBytes());
      fail(ctx, e);
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    decode(ctx, in, out);
    if (done) {
      return;
    }
    if (in.isReadable()) {
      int left = in.readableBytes();
      in.skipBytes(left);
      fail(ctx, new IdentifyException("identify stream ended inside a message (" + left + " bytes left)"));
    } else if (merged == null) {
      fail(ctx, new IdentifyException("identify stream ended without a message"));
    } else {
      done = true;
      onDone.accept(merged, null);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    if (!done) {
      // decodeLast runs only when bytes were cumulated; an empty stream still has to report.
      if (merged != null) {
        done = true;
        onDone.accept(merged, null);
      } else {
        fail(ctx, new IdentifyException("identify stream closed without a message"));
      }
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause);
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (done) {
      return;
    }
    done = true;
    onDone.accept(null, cause);
    ctx.close();
  }
}
