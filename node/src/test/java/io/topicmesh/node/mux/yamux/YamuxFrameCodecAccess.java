package io.topicmesh.node.mux.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/** Test helper: a DATA frame as bytes. */
final class YamuxFrameCodecAccess {
  private YamuxFrameCodecAccess() {}

  static byte[] data(int flags, long id, byte[] payload) {
    ByteBuf b = YamuxFrameCodec.encodeData(ByteBufAllocator.DEFAULT, flags, id, Unpooled.wrappedBuffer(payload));
    try {
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }
}
