package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.yamux.YamuxFrame;
import io.topicmesh.node.mux.yamux.YamuxFrameCodec;
import io.topicmesh.node.mux.yamux.YamuxType;

/**
 * Yamux frames read back to back from one buffer, as the muxer does: each is a whole frame, null
 * (more bytes needed, nothing consumed) or a {@link MuxException}; each frame encodes back to the
 * bytes it was read from.
 */
class YamuxFuzzTest {
  private static final int MAX_DATA = 1024;

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void yamuxFrames(byte[] input) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    try {
      while (in.isReadable()) {
        int before = in.readerIndex();
        YamuxFrame frame;
        try {
          frame = YamuxFrameCodec.decode(in, MAX_DATA);
        } catch (MuxException e) {
          assertThat(e.error()).isNotNull();
          return;
        }
        if (frame == null) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        try {
          assertThat(in.readerIndex()).isGreaterThan(before);
          ByteBuf again = frame.type() == YamuxType.DATA
              ? YamuxFrameCodec.encodeData(UnpooledByteBufAllocator.DEFAULT, frame.flags(), frame.streamId(),
                  frame.data().retainedDuplicate())
              : YamuxFrameCodec.encode(UnpooledByteBufAllocator.DEFAULT, frame.type(), frame.flags(),
                  frame.streamId(), frame.length());
          try {
            assertThat(ByteBufUtil.getBytes(again))
                .isEqualTo(ByteBufUtil.getBytes(in, before, in.readerIndex() - before));
          } finally {
            again.release();
          }
        } finally {
          if (frame.data() != null) {
            frame.data().release();
          }
        }
      }
    } finally {
      in.release();
    }
  }
}
