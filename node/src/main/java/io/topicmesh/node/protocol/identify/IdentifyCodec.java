package io.topicmesh.node.protocol.identify;

import com.google.protobuf.CodedInputStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.topicmesh.node.protocol.identify.pb.IdentifyProtos.Identify;
import io.topicmesh.node.util.Varint;

/**
 * Wire format of identify: each message is an unsigned-varint length followed by the protobuf
 * bytes. A sender may split one logical message into several (go-libp2p sends the signed peer
 * record separately when the whole would be large); the receiver merges them until the stream
 * ends.
 */
public final class IdentifyCodec {
  /**
   * Largest single identify message accepted, in bytes. go-libp2p reads at most 8 KiB per
   * message; a larger length prefix is refused before anything is buffered.
   */
  public static final int MAX_MESSAGE_BYTES = 8 * 1024;

  /** Most messages merged on one stream (go-libp2p accepts up to 10). */
  public static final int MAX_MESSAGES = 10;

  /** Most listen addresses and protocols kept from one identify exchange. */
  public static final int MAX_LIST_ELEMENTS = 256;

  private IdentifyCodec() {}

  /** Encodes {@code msg} as one length-prefixed frame; the caller owns the returned buffer. */
  public static ByteBuf encode(ByteBufAllocator alloc, Identify msg) {
    int size = msg.getSerializedSize();
    if (size > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "identify message is " + size + " bytes, more than the limit " + MAX_MESSAGE_BYTES);
    }
    ByteBuf out = alloc.buffer(Varint.size(size) + size);
    Varint.write(out, size);
    out.writeBytes(msg.toByteArray());
    return out;
  }

  /**
   * Decodes one length-prefixed message from {@code in} if a whole one is there, moving the reader
   * index past it; returns {@code null} and leaves {@code in} untouched otherwise.
   *
   * @throws IdentifyException if the length exceeds {@link #MAX_MESSAGE_BYTES} or the protobuf is
   *     malformed
   */
  public static Identify tryDecode(ByteBuf in) {
    int start = in.readerIndex();
    long length;
    try {
      length = Varint.tryRead(in, MAX_MESSAGE_BYTES);
    } catch (Varint.VarintException e) {
      throw new IdentifyException("bad identify length prefix: " + e.getMessage());
    }
    if (length == Varint.INCOMPLETE) {
      return null;
    }
    if (in.readableBytes() < length) {
      in.readerIndex(start);
      return null;
    }
    int bodyStart = in.readerIndex();
    try {
      Identify msg = Identify.parseFrom(CodedInputStream.newInstance(in.nioBuffer(bodyStart, (int) length)));
      in.readerIndex(bodyStart + (int) length);
      checkBounds(msg);
      return msg;
    } catch (java.io.IOException e) {
      throw new IdentifyException("malformed identify protobuf: " + e.getMessage());
    }
  }

  /** Merges {@code next} into {@code acc} (repeated fields append) and checks the bounds. */
  static Identify merge(Identify acc, Identify next) {
    Identify merged = acc == null ? next : acc.toBuilder().mergeFrom(next).build();
    checkBounds(merged);
    return merged;
  }

  private static void checkBounds(Identify msg) {
    if (msg.getListenAddrsCount() > MAX_LIST_ELEMENTS) {
      throw new IdentifyException(
          "identify lists " + msg.getListenAddrsCount() + " listen addresses, more than " + MAX_LIST_ELEMENTS);
    }
    if (msg.getProtocolsCount() > MAX_LIST_ELEMENTS) {
      throw new IdentifyException(
          "identify lists " + msg.getProtocolsCount() + " protocols, more than " + MAX_LIST_ELEMENTS);
    }
  }
}
