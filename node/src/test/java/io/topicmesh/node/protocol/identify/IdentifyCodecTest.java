package io.topicmesh.node.protocol.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.topicmesh.node.protocol.identify.pb.IdentifyProtos.Identify;
import io.topicmesh.node.util.Varint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import io.topicmesh.node.testing.NettyLeakCheck;
import org.junit.jupiter.api.extension.RegisterExtension;

class IdentifyCodecTest {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  private static Identify sample() {
    return Identify.newBuilder()
        .setProtocolVersion("ipfs/0.1.0")
        .setAgentVersion("topicmesh/test")
        .setPublicKey(ByteString.copyFrom(new byte[] {8, 1, 18, 32}))
        .addListenAddrs(ByteString.copyFrom(new byte[] {4, 127, 0, 0, 1, 6, 0x0f, (byte) 0xa1}))
        .setObservedAddr(ByteString.copyFrom(new byte[] {4, 127, 0, 0, 2, 6, 0x30, 0x39}))
        .addProtocols("/ipfs/id/1.0.0")
        .addProtocols("/ipfs/ping/1.0.0")
        .build();
  }

  @Test
  void fieldNumbersFollowTheSpec() {
    byte[] bytes = Identify.newBuilder().setPublicKey(ByteString.copyFrom(new byte[] {1}))
        .addListenAddrs(ByteString.copyFrom(new byte[] {2})).addProtocols("p")
        .setObservedAddr(ByteString.copyFrom(new byte[] {4})).setProtocolVersion("v")
        .setAgentVersion("a").setSignedPeerRecord(ByteString.copyFrom(new byte[] {8})).build().toByteArray();
    List<Integer> tags = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += 2 + bytes[i + 1]) {
      tags.add((bytes[i] & 0xff) >>> 3);
    }
    assertThat(tags).containsExactly(1, 2, 3, 4, 5, 6, 8);
  }

  @Test
  void roundTripsAWholeFrame() {
    ByteBuf buf = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, sample());
    try {
      assertThat(Varint.tryRead(buf.duplicate(), Integer.MAX_VALUE)).isEqualTo(sample().getSerializedSize());
      assertThat(IdentifyCodec.tryDecode(buf)).isEqualTo(sample());
      assertThat(buf.isReadable()).isFalse();
    } finally {
      buf.release();
    }
  }

  @Test
  void partialFrameLeavesReaderIndexAlone() {
    ByteBuf whole = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, sample());
    ByteBuf part = whole.retainedSlice(0, whole.readableBytes() - 1);
    try {
      assertThat(IdentifyCodec.tryDecode(part)).isNull();
      assertThat(part.readerIndex()).isZero();
    } finally {
      part.release();
      whole.release();
    }
    assertThat(whole.refCnt()).isZero();
  }

  @Test
  void oversizedLengthIsRefusedBeforeBuffering() {
    ByteBuf buf = Unpooled.buffer();
    Varint.write(buf, IdentifyCodec.MAX_MESSAGE_BYTES + 1);
    try {
      assertThatThrownBy(() -> IdentifyCodec.tryDecode(buf))
          .isInstanceOf(IdentifyException.class).hasMessageContaining("exceeds the limit");
    } finally {
      buf.release();
    }
  }

  @Test
  void malformedProtobufIsATypedError() {
    ByteBuf buf = Unpooled.buffer().writeByte(3).writeBytes(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    try {
      assertThatThrownBy(() -> IdentifyCodec.tryDecode(buf)).isInstanceOf(IdentifyException.class)
          .hasMessageContaining("malformed identify protobuf");
    } finally {
      buf.release();
    }
  }

  @Test
  void tooManyProtocolsAreRefused() {
    Identify.Builder b = Identify.newBuilder();
    for (int i = 0; i <= IdentifyCodec.MAX_LIST_ELEMENTS; i++) {
      b.addProtocols("/p" + i);
    }
    ByteBuf buf = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, b.build());
    try {
      assertThatThrownBy(() -> IdentifyCodec.tryDecode(buf)).isInstanceOf(IdentifyException.class)
          .hasMessageContaining("protocols");
    } finally {
      buf.release();
    }
  }

  @Test
  void receiverMergesSplitMessagesUntilInputShutdown() {
    AtomicReference<Identify> got = new AtomicReference<>();
    AtomicReference<Throwable> err = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new IdentifyReceiver((m, e) -> {
      got.set(m);
      err.set(e);
    }));
    Identify first = sample().toBuilder().clearSignedPeerRecord().build();
    Identify second = Identify.newBuilder().setSignedPeerRecord(ByteString.copyFromUtf8("record"))
        .addProtocols("/meshsub/1.1.0").build();
    ByteBuf a = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, first);
    ByteBuf b = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, second);
    // Feed byte-wise split chunks to exercise the cumulation.
    ch.writeInbound(a.retainedSlice(0, 3));
    ch.writeInbound(a.retainedSlice(3, a.readableBytes() - 3));
    ch.writeInbound(b.retain());
    assertThat(got.get()).isNull();
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertThat(err.get()).isNull();
    assertThat(got.get().getProtocolsList()).containsExactly("/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/meshsub/1.1.0");
    assertThat(got.get().getSignedPeerRecord().toStringUtf8()).isEqualTo("record");
    assertThat(ch.finishAndReleaseAll()).isFalse();
    a.release();
    b.release();
    assertThat(a.refCnt()).isZero();
    assertThat(b.refCnt()).isZero();
  }

  @Test
  void receiverReportsTruncationAndClosesStream() {
    AtomicReference<Throwable> err = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new IdentifyReceiver((m, e) -> err.set(e)));
    ByteBuf a = IdentifyCodec.encode(ByteBufAllocator.DEFAULT, sample());
    ch.writeInbound(a.readRetainedSlice(5));
    ch.close();
    assertThat(err.get()).isInstanceOf(IdentifyException.class).hasMessageContaining("ended inside a message");
    ch.finishAndReleaseAll();
    a.release();
    assertThat(a.refCnt()).isZero();
  }

  @Test
  void receiverReportsOversizeAndClosesStream() {
    AtomicReference<Throwable> err = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new IdentifyReceiver((m, e) -> err.set(e)));
    ByteBuf buf = Unpooled.buffer();
    Varint.write(buf, 1 << 20);
    buf.writeZero(100);
    ch.writeInbound(buf);
    assertThat(err.get()).isInstanceOf(IdentifyException.class);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
    assertThat(buf.refCnt()).isZero();
  }

  @Test
  void emptyStreamIsAnError() {
    AtomicReference<Throwable> err = new AtomicReference<>();
    EmbeddedChannel ch = new EmbeddedChannel(new IdentifyReceiver((m, e) -> err.set(e)));
    ch.close();
    assertThat(err.get()).isInstanceOf(IdentifyException.class).hasMessageContaining("without a message");
    ch.finishAndReleaseAll();
  }
}
