package io.topicmesh.node.multistream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.topicmesh.node.multistream.MultistreamException.Reason;
import io.topicmesh.node.util.Varint;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * multistream-select 1.0 message framing: {@code varint(len) || utf8(text) || '\n'}, where len
 * counts the newline. Pure functions over ByteBuf; the caller owns every buffer.
 */
final class MultistreamMessages {
  static final String HEADER = "/multistream/1.0.0";
  static final String NA = "na";
  static final String LS = "ls";

  private MultistreamMessages() {}

  /** Bytes one message takes on the wire. */
  static int encodedSize(String text) {
    int len = text.getBytes(StandardCharsets.UTF_8).length + 1;
    return Varint.size(len) + len;
  }

  /** Appends one message to {@code out}. */
  static void write(ByteBuf out, String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    Varint.write(out, utf8.length + 1L);
    out.writeBytes(utf8);
    out.writeByte('\n');
  }

  /** A new buffer (owned by the caller) holding the given messages back to back. */
  static ByteBuf encode(ByteBufAllocator alloc, String... texts) {
    int size = 0;
    for (String t : texts) {
      size += encodedSize(t);
    }
    ByteBuf out = alloc.buffer(size);
    for (String t : texts) {
      write(out, t);
    }
    return out;
  }

  /**
   * The {@code ls} answer, as go-multistream and rust-libp2p frame it: one message whose body is
   * the protocols, each framed as a message itself.
   */
  static ByteBuf encodeLs(ByteBufAllocator alloc, Collection<String> protocols) {
    int inner = 0;
    for (String p : protocols) {
      inner += encodedSize(p);
    }
    ByteBuf out = alloc.buffer(Varint.size(inner + 1L) + inner + 1);
    Varint.write(out, inner + 1L);
    for (String p : protocols) {
      write(out, p);
    }
    out.writeByte('\n');
    return out;
  }

  /**
   * Reads one message if a whole one is in {@code in}; returns null (reader index untouched)
   * otherwise.
   *
   * @throws MultistreamException MESSAGE_TOO_LARGE or MALFORMED_MESSAGE
   */
  static String tryRead(ByteBuf in, int maxLength) throws MultistreamException {
    int start = in.readerIndex();
    long len;
    try {
      len = Varint.tryRead(in, Long.MAX_VALUE);
    } catch (Varint.VarintException e) {
      throw new MultistreamException(Reason.MALFORMED_MESSAGE, "bad length prefix: " + e.getMessage());
    }
    if (len == Varint.INCOMPLETE) {
      return null;
    }
    if (len > maxLength) {
      in.readerIndex(start);
      throw new MultistreamException(
          Reason.MESSAGE_TOO_LARGE, "message of " + len + " bytes exceeds the limit of " + maxLength);
    }
    if (len == 0) {
      throw new MultistreamException(Reason.MALFORMED_MESSAGE, "empty message");
    }
    if (in.readableBytes() < len) {
      in.readerIndex(start);
      return null;
    }
    int body = in.readerIndex();
    int textLen = (int) len - 1;
    if (in.getByte(body + textLen) != '\n') {
      throw new MultistreamException(Reason.MALFORMED_MESSAGE, "message does not end with a newline");
    }
    String text;
    try {
      ByteBuffer nio = in.nioBuffer(body, textLen);
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(nio)
              .toString();
    } catch (CharacterCodingException e) {
      throw new MultistreamException(Reason.MALFORMED_MESSAGE, "message is not valid UTF-8");
    }
    in.skipBytes((int) len);
    return text;
  }
}
