package io.topicmesh.node.pubsub.wire;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.topicmesh.node.util.Varint;
import java.util.List;

/**
 * Length-prefixed pubsub RPC frames → {@link Rpc} records, for a pubsub stream's pipeline. The
 * reader index moves only once a whole frame is buffered. A frame whose length exceeds
 * {@link RpcLimits#maxRpcSize()} cannot be skipped safely on a stream, so the decoder fails the
 * stream ({@link TooLongFrameException}) and discards everything after; a whole frame that breaks
 * another limit or is malformed is skipped and reported downstream (exceptionCaught) as a {@link
 * DecoderException} wrapping {@link RpcDecodeException}, and decoding continues at once with the
 * frames buffered after it.
 *
 * <p>Ownership: each frame is a retained slice released here after parsing; emitted records hold
 * no buffers.
 */
public final class RpcFrameDecoder extends ByteToMessageDecoder {
  private final RpcCodec codec;
  private boolean failed;

  public RpcFrameDecoder(RpcCodec codec) {
    this.codec = codec;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int start = in.readerIndex();
    long len;
    try {
      len = Varint.tryRead(in, codec.limits().maxRpcSize());
    } catch (Varint.VarintException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw new TooLongFrameException("pubsub RPC frame length refused: " + e.getMessage());
    }
    if (len == Varint.INCOMPLETE) {
      return;
    }
    if (in.readableBytes() < len) {
      in.readerIndex(start);
      return;
    }
    ByteBuf frame = in.readRetainedSlice((int) len);
    try {
      out.add(codec.decode(frame.nioBuffer()));
    } catch (RpcDecodeException e) {
      // Reported, not thrown: throwing would end this decode pass and leave the frames already
      // buffered behind the bad one waiting for the next read. The reader index has moved past
      // the frame, so ByteToMessageDecoder calls us again for the rest of the buffer; frames
      // decoded before this one were passed on before this call, so order is kept.
      ctx.fireExceptionCaught(new DecoderException(e));
    } finally {
      frame.release();
    }
  }
}
