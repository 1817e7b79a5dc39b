package io.topicmesh.node.util;

import io.netty.buffer.ByteBuf;

/**
 * Unsigned LEB128 varints as used across libp2p (multiformats unsigned-varint): multistream
 * message lengths, mplex headers, multiaddr and multihash codes, length-prefixed protobuf.
 *
 * <p>Multiformats caps varints at 9 bytes (63 bits); callers pass a smaller {@code maxValue} where
 * the protocol bounds the value (e.g. a frame length), so an oversized value is rejected before
 * anything is allocated for it.
 */
public final class Varint {
  /** The multiformats limit: at most 9 bytes, 63 bits. */
  public static final int MAX_BYTES = 9;

  /** Returned by {@link #tryRead} when the buffer does not hold a whole varint yet. */
  public static final long INCOMPLETE = -1;

  private Varint() {}

  /** Number of bytes {@code value} takes as a varint. */
  public static int size(long value) {
    checkNonNegative(value);
    int n = 1;
    while ((value >>>= 7) != 0) {
      n++;
    }
    return n;
  }

  /** Writes {@code value} to {@code out}. */
  public static void write(ByteBuf out, long value) {
    checkNonNegative(value);
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  /** Encodes {@code value} as a new byte array. */
  public static byte[] encode(long value) {
    byte[] out = new byte[size(value)];
    int i = 0;
    while ((value & ~0x7FL) != 0) {
      out[i++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out[i] = (byte) value;
    return out;
  }

  /**
   * Reads a varint from {@code in} if a whole one is there. On success the reader index moves past
   * it and the value is returned; if the buffer ends mid-varint nothing moves and {@link
   * #INCOMPLETE} is returned.
   *
   * @throws VarintException if the varint is longer than {@link #MAX_BYTES}, not minimally
   *     encoded, or larger than {@code maxValue}
   */
  public static long tryRead(ByteBuf in, long maxValue) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (start + i >= end) {
        return INCOMPLETE;
      }
      int b = in.getUnsignedByte(start + i);
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new VarintException("varint is not minimally encoded");
        }
        if (value > maxValue) {
          throw new VarintException("varint value " + value + " exceeds the limit " + maxValue);
        }
        in.readerIndex(start + i + 1);
        return value;
      }
    }
    throw new VarintException("varint longer than " + MAX_BYTES + " bytes");
  }

  /**
   * Decodes a varint from {@code bytes} at {@code offset}; returns {@code {value, bytesUsed}}.
   *
   * @throws VarintException if the input ends mid-varint or the varint is invalid
   */
  public static long[] decode(byte[] bytes, int offset, long maxValue) {
    long value = 0;
    for (int i = 0; i < MAX_BYTES; i++) {
      if (offset + i >= bytes.length) {
        throw new VarintException("input ends inside a varint");
      }
      int b = bytes[offset + i] & 0xFF;
      value |= (long) (b & 0x7F) << (7 * i);
      if ((b & 0x80) == 0) {
        if (b == 0 && i > 0) {
          throw new VarintException("varint is not minimally encoded");
        }
        if (value > maxValue) {
          throw new VarintException("varint value " + value + " exceeds the limit " + maxValue);
        }
        return new long[] {value, i + 1};
      }
    }
    throw new VarintException("varint longer than " + MAX_BYTES + " bytes");
  }

  private static void checkNonNegative(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("varints are unsigned, got " + value);
    }
  }

  /** A malformed or out-of-bounds varint. */
  public static final class VarintException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public VarintException(String message) {
      super(message);
    }
  }
}
