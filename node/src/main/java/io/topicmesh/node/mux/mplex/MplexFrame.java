package io.topicmesh.node.mux.mplex;

import io.netty.buffer.ByteBuf;

/**
 * One decoded mplex message. {@code data} is a retained slice of the input (possibly empty) owned
 * by whoever holds the frame, who must release it.
 */
public record MplexFrame(long streamId, MplexFlag flag, ByteBuf data) {
  @Override
  public String toString() {
    return flag + "[stream=" + streamId + " length=" + data.readableBytes() + "]";
  }
}
