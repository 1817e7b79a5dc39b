package io.topicmesh.node.mux.mplex;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.util.Varint;

/**
 * Bytes to and from mplex messages: {@code uvarint(id << 3 | flag)}, {@code uvarint(length)},
 * {@code length} bytes, with length at most {@link MuxConfig#MPLEX_MAX_FRAME}.
 */
public final class MplexFrameCodec {
  /** The largest stream id a 9-byte header varint can carry. */
  public static final long MAX_STREAM_ID = (1L << 60) - 1;

  private static final int COPY_THRESHOLD = 1024;

  private MplexFrameCodec() {}

  /**
   * Decodes one message if {@code in} holds a whole one, else returns null and leaves {@code in}
   * untouched. The length is checked as soon as its varint is complete. A rejected message
   * consumes nothing either.
   *
   * @throws MuxException for a malformed varint, flag 7 or a length above the limit
   */
  public static MplexFrame decode(ByteBuf in, int maxLength) throws MuxException {
    int start = in.readerIndex();
    try {
      long header = Varint.tryRead(in, Long.MAX_VALUE);
      if (header == Varint.INCOMPLETE) {
        return null;
      }
      long length = Varint.tryRead(in, Long.MAX_VALUE);
      if (length == Varint.INCOMPLETE) {
        in.readerIndex(start);
        return null;
      }
      MplexFlag flag = MplexFlag.of((int) (header & 7));
      long id = header >>> 3;
      if (flag == null) {
        in.readerIndex(start);
        throw new MuxException(MuxError.UNKNOWN_TYPE, "mplex flag 7 on stream " + id);
      }
      if (length > maxLength) {
        in.readerIndex(start);
        throw new MuxException(
            MuxError.FRAME_TOO_LARGE,
            "mplex " + flag + " of " + length + " bytes on stream " + id + ", limit " + maxLength);
      }
      if (in.readableBytes() < length) {
        in.readerIndex(start);
        return null;
      }
      return new MplexFrame(id, flag, in.readRetainedSlice((int) length));
    } catch (Varint.VarintException e) {
      in.readerIndex(start);
      throw new MuxException(MuxError.MALFORMED_FRAME, "mplex header: " + e.getMessage());
    }
  }

  /** Encodes a message; ownership of {@code data} passes to the returned buffer. */
  public static ByteBuf encode(ByteBufAllocator alloc, long streamId, MplexFlag flag, ByteBuf data) {
    int len = data.readableBytes();
    long header = streamId << 3 | flag.code();
    int headerLen = Varint.size(header) + Varint.size(len);
    if (len <= COPY_THRESHOLD) {
      try {
        ByteBuf out = alloc.buffer(headerLen + len);
        Varint.write(out, header);
        Varint.write(out, len);
        out.writeBytes(data);
        return out;
      } finally {
        data.release();
      }
    }
    ByteBuf head;
    try {
      head = alloc.buffer(headerLen);
      Varint.write(head, header);
      Varint.write(head, len);
    } catch (RuntimeException | Error e) {
      data.release();
      throw e;
    }
    CompositeByteBuf out = alloc.compositeBuffer(2);
    out.addComponents(true, head, data);
    return out;
  }

  /** Encodes a message with an empty body. */
  public static ByteBuf encode(ByteBufAllocator alloc, long streamId, MplexFlag flag) {
    long header = streamId << 3 | flag.code();
    ByteBuf out = alloc.buffer(Varint.size(header) + 1);
    Varint.write(out, header);
    Varint.write(out, 0);
    return out;
  }
}
