package io.topicmesh.node.pubsub.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.topicmesh.node.util.Varint;
import org.junit.jupiter.api.Test;

class RpcFrameDecoderTest {
  private final RpcCodec codec = new RpcCodec(RpcLimits.defaults().withMaxRpcSize(1024));

  @Test
  void decodesFramesSplitAtEveryByte() {
    Rpc rpc = RpcCodecTest.fullRpc();
    byte[] frame = RpcCodec.encodeFrame(rpc);
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    for (int i = 0; i < frame.length; i++) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {frame[i]}));
      if (i < frame.length - 1) {
        assertThat((Object) ch.readInbound()).isNull();
      }
    }
    assertThat((Rpc) ch.readInbound()).isEqualTo(rpc);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void twoFramesInOneBuffer() {
    byte[] a = RpcCodec.encodeFrame(RpcCodecTest.fullRpc());
    byte[] b = RpcCodec.encodeFrame(Rpc.EMPTY);
    ByteBuf buf = Unpooled.buffer().writeBytes(a).writeBytes(b);
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    ch.writeInbound(buf);
    assertThat((Rpc) ch.readInbound()).isEqualTo(RpcCodecTest.fullRpc());
    assertThat((Rpc) ch.readInbound()).isEqualTo(Rpc.EMPTY);
    assertThat(buf.refCnt()).isZero();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void oversizedLengthFailsTheStreamWithoutBuffering() {
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    ByteBuf buf = Unpooled.buffer();
    Varint.write(buf, 1_000_000);
    buf.writeBytes(new byte[10]);
    assertThatThrownBy(() -> ch.writeInbound(buf)).isInstanceOf(TooLongFrameException.class);
    assertThat(buf.refCnt()).isZero();
    ByteBuf more = Unpooled.wrappedBuffer(RpcCodec.encodeFrame(Rpc.EMPTY));
    ch.writeInbound(more);
    assertThat((Object) ch.readInbound()).isNull();
    assertThat(more.refCnt()).isZero();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void malformedFrameIsSkippedAndDecodingContinues() {
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    ByteBuf buf = Unpooled.buffer();
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff};
    Varint.write(buf, garbage.length);
    buf.writeBytes(garbage);
    assertThatThrownBy(() -> ch.writeInbound(buf))
        .isInstanceOf(DecoderException.class)
        .hasCauseInstanceOf(RpcDecodeException.class);
    ch.writeInbound(Unpooled.wrappedBuffer(RpcCodec.encodeFrame(Rpc.EMPTY)));
    assertThat((Rpc) ch.readInbound()).isEqualTo(Rpc.EMPTY);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void framesBufferedBehindAMalformedOneAreDecodedInTheSameRead() {
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameDecoder(codec));
    ByteBuf buf = Unpooled.buffer();
    buf.writeBytes(RpcCodec.encodeFrame(Rpc.EMPTY));
    byte[] garbage = {(byte) 0x0a, (byte) 0xff, (byte) 0xff};
    Varint.write(buf, garbage.length);
    buf.writeBytes(garbage);
    buf.writeBytes(RpcCodec.encodeFrame(RpcCodecTest.fullRpc()));
    buf.writeBytes(RpcCodec.encodeFrame(Rpc.EMPTY));
    assertThatThrownBy(() -> ch.writeInbound(buf))
        .isInstanceOf(DecoderException.class)
        .hasCauseInstanceOf(RpcDecodeException.class);
    // No further read: both frames after the bad one are already out, in order.
    assertThat((Rpc) ch.readInbound()).isEqualTo(Rpc.EMPTY);
    assertThat((Rpc) ch.readInbound()).isEqualTo(RpcCodecTest.fullRpc());
    assertThat((Rpc) ch.readInbound()).isEqualTo(Rpc.EMPTY);
    assertThat((Object) ch.readInbound()).isNull();
    assertThat(buf.refCnt()).isZero();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void encoderWritesLengthPrefixedFrames() {
    EmbeddedChannel ch = new EmbeddedChannel(new RpcFrameEncoder());
    ch.writeOutbound(RpcCodecTest.fullRpc());
    ByteBuf out = ch.readOutbound();
    byte[] bytes = new byte[out.readableBytes()];
    out.readBytes(bytes);
    out.release();
    assertThat(bytes).isEqualTo(RpcCodec.encodeFrame(RpcCodecTest.fullRpc()));
    assertThat(codec.decodeFrame(bytes).control().ihave()).hasSize(1);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }
}
