package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.mplex.MplexFrame;
import io.topicmesh.node.mux.mplex.MplexFrameCodec;

/**
 * Mplex messages read back to back from one buffer: each is a whole message, null (nothing
 * consumed) or a {@link MuxException} (nothing consumed either); each message encodes back to the
 * bytes it was read from (the decoder takes only minimal varints).
 */
class MplexFuzzTest {
  private static final int MAX_LENGTH = 1024;

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void mplexFrames(byte[] input) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    try {
      while (in.isReadable()) {
        int before = in.readerIndex();
        MplexFrame frame;
        try {
          frame = MplexFrameCodec.decode(in, MAX_LENGTH);
        } catch (MuxException e) {
          assertThat(e.error()).isNotNull();
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        if (frame == null) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        try {
          assertThat(frame.streamId()).isBetween(0L, MplexFrameCodec.MAX_STREAM_ID);
          ByteBuf again = MplexFrameCodec.encode(
              UnpooledByteBufAllocator.DEFAULT, frame.streamId(), frame.flag(), frame.data().retainedDuplicate());
          try {
            assertThat(ByteBufUtil.getBytes(again))
                .isEqualTo(ByteBufUtil.getBytes(in, before, in.readerIndex() - before));
          } finally {
            again.release();
          }
        } finally {
          frame.data().release();
        }
      }
    } finally {
      in.release();
    }
  }
}
