package io.topicmesh.node.mux.yamux;

import io.netty.buffer.ByteBuf;

/**
 * One decoded yamux frame. {@code data} is the payload of a DATA frame (a retained slice of the
 * input, owned by whoever holds the frame, who must release it) and null for every other type.
 * {@code length} is the raw 32-bit length field: payload length, window delta, ping value or
 * go-away code.
 */
public record YamuxFrame(YamuxType type, int flags, long streamId, long length, ByteBuf data) {

  public boolean hasFlag(int flag) {
    return (flags & flag) != 0;
  }

  @Override
  public String toString() {
    return type + "[" + YamuxFlags.toString(flags) + " stream=" + streamId + " length=" + length + "]";
  }
}
