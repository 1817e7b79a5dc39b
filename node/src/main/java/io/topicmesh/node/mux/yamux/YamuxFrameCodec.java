package io.topicmesh.node.mux.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;

/**
 * Bytes to and from yamux frames: a 12-byte big-endian header (version 0, type, flags, stream id,
 * length) followed, for DATA frames only, by {@code length} payload bytes.
 */
public final class YamuxFrameCodec {
  public static final int HEADER_LENGTH = 12;
  public static final int VERSION = 0;

  /** Payloads up to this size are copied behind the header; larger ones ride in a composite. */
  private static final int COPY_THRESHOLD = 1024;

  private YamuxFrameCodec() {}

  /**
   * Decodes one frame if {@code in} holds a whole one, else returns null and leaves {@code in}
   * untouched. The header is validated before waiting for a payload, so an oversized DATA frame is
   * rejected as soon as its header arrives.
   *
   * @param maxDataLength largest DATA payload accepted
   * @throws MuxException for an unknown version, type or flag, or an oversized payload
   */
  public static YamuxFrame decode(ByteBuf in, int maxDataLength) throws MuxException {
    YamuxFrame header = peekHeader(in, maxDataLength);
    if (header == null || header.type() != YamuxType.DATA) {
      return header;
    }
    if (in.readableBytes() < HEADER_LENGTH + header.length()) {
      return null;
    }
    in.skipBytes(HEADER_LENGTH);
    return new YamuxFrame(header.type(), header.flags(), header.streamId(), header.length(),
        in.readRetainedSlice((int) header.length()));
  }

  /**
   * Decodes one frame header if {@code in} holds 12 bytes, consuming only the header, else returns
   * null. A DATA frame's payload is left in {@code in} (the returned frame's data is null; its
   * length says how many payload bytes follow), so that a receiver can pass the payload on as it
   * arrives rather than gather whole frames.
   *
   * @throws MuxException as {@link #decode}
   */
  public static YamuxFrame decodeHeader(ByteBuf in, int maxDataLength) throws MuxException {
    YamuxFrame header = peekHeader(in, maxDataLength);
    if (header != null && header.type() == YamuxType.DATA) {
      in.skipBytes(HEADER_LENGTH);
    }
    return header;
  }

  /** The header at the reader index, validated; consumed only when it is not DATA. */
  private static YamuxFrame peekHeader(ByteBuf in, int maxDataLength) throws MuxException {
    if (in.readableBytes() < HEADER_LENGTH) {
      return null;
    }
    int at = in.readerIndex();
    int version = in.getUnsignedByte(at);
    if (version != VERSION) {
      throw new MuxException(MuxError.UNSUPPORTED_VERSION, "yamux version " + version + ", expected 0");
    }
    int typeCode = in.getUnsignedByte(at + 1);
    YamuxType type = YamuxType.of(typeCode);
    if (type == null) {
      throw new MuxException(MuxError.UNKNOWN_TYPE, "yamux frame type " + typeCode);
    }
    int flags = in.getUnsignedShort(at + 2);
    if ((flags & ~YamuxFlags.ALL) != 0) {
      throw new MuxException(
          MuxError.UNKNOWN_TYPE, "yamux flags 0x" + Integer.toHexString(flags) + " has undefined bits");
    }
    long streamId = in.getUnsignedInt(at + 4);
    long length = in.getUnsignedInt(at + 8);
    if (type != YamuxType.DATA) {
      in.skipBytes(HEADER_LENGTH);
      return new YamuxFrame(type, flags, streamId, length, null);
    }
    if (length > maxDataLength) {
      throw new MuxException(
          MuxError.FRAME_TOO_LARGE,
          "yamux data frame of " + length + " bytes on stream " + streamId + ", limit " + maxDataLength);
    }
    return new YamuxFrame(type, flags, streamId, length, null);
  }

  /** Writes a 12-byte header. */
  public static void writeHeader(ByteBuf out, YamuxType type, int flags, long streamId, long length) {
    out.writeByte(VERSION);
    out.writeByte(type.code());
    out.writeShort(flags);
    out.writeInt((int) streamId);
    out.writeInt((int) length);
  }

  /** A header-only frame (WINDOW_UPDATE, PING, GO_AWAY, or empty DATA). */
  public static ByteBuf encode(ByteBufAllocator alloc, YamuxType type, int flags, long streamId, long length) {
    ByteBuf out = alloc.buffer(HEADER_LENGTH);
    writeHeader(out, type, flags, streamId, length);
    return out;
  }

  /** A DATA frame carrying {@code data}, whose ownership passes to the returned buffer. */
  public static ByteBuf encodeData(ByteBufAllocator alloc, int flags, long streamId, ByteBuf data) {
    int len = data.readableBytes();
    if (len <= COPY_THRESHOLD) {
      try {
        ByteBuf out = alloc.buffer(HEADER_LENGTH + len);
        writeHeader(out, YamuxType.DATA, flags, streamId, len);
        out.writeBytes(data);
        return out;
      } finally {
        data.release();
      }
    }
    ByteBuf header;
    try {
      header = encode(alloc, YamuxType.DATA, flags, streamId, len);
    } catch (RuntimeException | Error e) {
      data.release();
      throw e;
    }
    CompositeByteBuf out = alloc.compositeBuffer(2);
    out.addComponents(true, header, data);
    return out;
  }
}
