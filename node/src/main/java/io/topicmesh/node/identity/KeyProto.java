package io.topicmesh.node.identity;

import io.topicmesh.node.util.Varint;
import java.io.ByteArrayOutputStream;

/**
 * The libp2p {@code PublicKey}/{@code PrivateKey} protobuf (same shape: {@code Type = 1}, {@code
 * Data = 2}) with the spec's deterministic encoding: both fields, in tag order, minimal varints.
 * Decoding is bounded and strict: each field exactly once, no other fields.
 */
final class KeyProto {
  /**
   * Largest encoded key accepted: a 16384-bit RSA private key in PKCS#1 is about 9.3 KiB, every
   * other supported key is far smaller.
   */
  static final int MAX_ENCODED_BYTES = 10 * 1024;

  private static final int TAG_TYPE = (1 << 3) | 0; // field 1, varint
  private static final int TAG_DATA = (2 << 3) | 2; // field 2, length-delimited

  final KeyType type;
  final byte[] data;

  private KeyProto(KeyType type, byte[] data) {
    this.type = type;
    this.data = data;
  }

  static byte[] encode(KeyType type, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 8);
    out.write(TAG_TYPE);
    out.writeBytes(Varint.encode(type.protoCode()));
    out.write(TAG_DATA);
    out.writeBytes(Varint.encode(data.length));
    out.writeBytes(data);
    return out.toByteArray();
  }

  static KeyProto decode(byte[] bytes, String what) {
    if (bytes == null) {
      throw new InvalidKeyException(what + " is null");
    }
    if (bytes.length > MAX_ENCODED_BYTES) {
      throw new InvalidKeyException(
          what + " of " + bytes.length + " bytes exceeds the limit " + MAX_ENCODED_BYTES);
    }
    Integer typeCode = null;
    byte[] data = null;
    int pos = 0;
    try {
      while (pos < bytes.length) {
        int tagOffset = pos;
        long[] tag = Varint.decode(bytes, pos, Integer.MAX_VALUE);
        pos += (int) tag[1];
        if (tag[0] == TAG_TYPE) {
          if (typeCode != null) {
            throw new InvalidKeyException(what + ": duplicate Type field at byte " + tagOffset);
          }
          long[] v = Varint.decode(bytes, pos, Integer.MAX_VALUE);
          pos += (int) v[1];
          typeCode = (int) v[0];
        } else if (tag[0] == TAG_DATA) {
          if (data != null) {
            throw new InvalidKeyException(what + ": duplicate Data field at byte " + tagOffset);
          }
          long[] len = Varint.decode(bytes, pos, MAX_ENCODED_BYTES);
          pos += (int) len[1];
          if (len[0] > bytes.length - pos) {
            throw new InvalidKeyException(
                what
                    + ": Data field claims "
                    + len[0]
                    + " bytes but only "
                    + (bytes.length - pos)
                    + " remain");
          }
          data = new byte[(int) len[0]];
          System.arraycopy(bytes, pos, data, 0, data.length);
          pos += data.length;
        } else {
          throw new InvalidKeyException(
              what
                  + ": unexpected protobuf field "
                  + (tag[0] >>> 3)
                  + " (wire type "
                  + (tag[0] & 7)
                  + ") at byte "
                  + tagOffset
                  + "; only Type (1) and Data (2) are allowed");
        }
      }
    } catch (Varint.VarintException e) {
      throw new InvalidKeyException(what + ": malformed protobuf: " + e.getMessage(), e);
    }
    if (typeCode == null) {
      throw new InvalidKeyException(what + ": missing required Type field");
    }
    if (data == null) {
      throw new InvalidKeyException(what + ": missing required Data field");
    }
    return new KeyProto(KeyType.fromProtoCode(typeCode), data);
  }
}
