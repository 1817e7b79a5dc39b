package io.topicmesh.node.pubsub.router.partial;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.BitSet;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The encoding of parts and parts metadata this node uses (the spec leaves both to the
 * application). A group is a full message cut into {@code total} parts numbered {@code 0..total-1};
 * the full message is the parts' bytes in index order.
 *
 * <ul>
 *   <li><b>parts metadata</b>: {@code varint total} then a bitmap of {@code ceil(total/8)} bytes,
 *       part {@code i} at byte {@code i/8}, bit {@code i%8} (least significant first): the parts
 *       the sender has. What it wants is the rest.
 *   <li><b>partial message</b>: {@code varint total} then, per part, {@code varint index},
 *       {@code varint length} and the part's bytes, indexes strictly increasing.
 * </ul>
 *
 * Decoding checks every count and length against the caller's bounds before allocating.
 */
public final class IndexedParts {
  private IndexedParts() {}

  /** Decoded parts metadata: the group's part count and the parts the sender has. */
  public record Metadata(int total, BitSet have) {}

  /** A decoded partial message: the group's part count and the parts it carries by index. */
  public record Parts(int total, SortedMap<Integer, ByteString> parts) {}

  public static ByteString encodeMetadata(int total, BitSet have) {
    byte[] bitmap = new byte[(total + 7) / 8];
    for (int i = have.nextSetBit(0); i >= 0 && i < total; i = have.nextSetBit(i + 1)) {
      bitmap[i / 8] |= (byte) (1 << (i % 8));
    }
    ByteString.Output out = ByteString.newOutput(bitmap.length + 5);
    try {
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeUInt32NoTag(total);
      c.writeRawBytes(bitmap);
      c.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toByteString();
  }

  /**
   * @throws PartialDecodeException for a total of 0 or above {@code maxParts}, a bitmap of the wrong
   *     length, or bits set past {@code total}
   */
  public static Metadata decodeMetadata(ByteString bytes, int maxParts) {
    try {
      CodedInputStream in = bytes.newCodedInput();
      int total = readTotal(in, maxParts);
      int len = (total + 7) / 8;
      if (bytes.size() - in.getTotalBytesRead() != len) {
        throw new PartialDecodeException("parts metadata bitmap is " + (bytes.size() - in.getTotalBytesRead())
            + " bytes, expected " + len + " for " + total + " parts");
      }
      byte[] bitmap = in.readRawBytes(len);
      BitSet have = BitSet.valueOf(bitmap);
      if (have.length() > total) {
        throw new PartialDecodeException("parts metadata marks part " + (have.length() - 1) + " of " + total);
      }
      return new Metadata(total, have);
    } catch (IOException e) {
      throw new PartialDecodeException("parts metadata: " + e.getMessage());
    }
  }

  public static ByteString encodeParts(int total, Map<Integer, ByteString> parts) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      CodedOutputStream c = CodedOutputStream.newInstance(buf);
      c.writeUInt32NoTag(total);
      for (Map.Entry<Integer, ByteString> e : new TreeMap<>(parts).entrySet()) {
        c.writeUInt32NoTag(e.getKey());
        c.writeBytesNoTag(e.getValue());
      }
      c.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return ByteString.copyFrom(buf.toByteArray());
  }

  /**
   * @throws PartialDecodeException for a total of 0 or above {@code maxParts}, an index out of
   *     range or not increasing, a part longer than the bytes left, or more than {@code maxBytes} of
   *     parts
   */
  public static Parts decodeParts(ByteString bytes, int maxParts, long maxBytes) {
    try {
      CodedInputStream in = bytes.newCodedInput();
      int total = readTotal(in, maxParts);
      SortedMap<Integer, ByteString> parts = new TreeMap<>();
      int last = -1;
      long sum = 0;
      while (!in.isAtEnd()) {
        int index = in.readUInt32();
        if (index < 0 || index >= total || index <= last) {
          throw new PartialDecodeException("part index " + Integer.toUnsignedString(index)
              + (index <= last && index >= 0 ? " not above the previous " + last : " out of range 0.." + (total - 1)));
        }
        int len = in.readUInt32();
        if (len < 0 || len > bytes.size() - in.getTotalBytesRead()) {
          throw new PartialDecodeException("part " + index + " declares " + Integer.toUnsignedString(len)
              + " bytes, more than the " + (bytes.size() - in.getTotalBytesRead()) + " left");
        }
        sum += len;
        if (sum > maxBytes) {
          throw new PartialDecodeException("parts exceed " + maxBytes + " bytes");
        }
        int at = in.getTotalBytesRead();
        parts.put(index, bytes.substring(at, at + len));
        in.skipRawBytes(len);
        last = index;
      }
      return new Parts(total, parts);
    } catch (IOException e) {
      throw new PartialDecodeException("partial message: " + e.getMessage());
    }
  }

  private static int readTotal(CodedInputStream in, int maxParts) throws IOException {
    int total = in.readUInt32();
    if (total <= 0 || total > maxParts) {
      throw new PartialDecodeException("part count " + Integer.toUnsignedString(total) + " outside 1.." + maxParts);
    }
    return total;
  }
}
