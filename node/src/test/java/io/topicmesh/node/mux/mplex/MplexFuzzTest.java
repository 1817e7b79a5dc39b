package io.topicmesh.node.mux.mplex;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.mux.FuzzFeed;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.PayloadIntegrity;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.util.Varint;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/** Property tests of the mplex decoder and handler against arbitrary and near-valid input. */
class MplexFuzzTest {
  private static final int MAX = 1 << 16;

  record Spec(long id, MplexFlag flag, byte[] payload) {}

  @BeforeContainer
  static void quiet() {
    FuzzFeed.quietMuxLogs(true);
  }

  @AfterContainer
  static void loud() {
    FuzzFeed.quietMuxLogs(false);
  }

  @Provide
  Arbitrary<List<Spec>> specs() {
    return Combinators.combine(
            Arbitraries.longs().between(0, MplexFrameCodec.MAX_STREAM_ID),
            Arbitraries.of(MplexFlag.values()),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
        .as(Spec::new)
        .list()
        .ofMaxSize(12);
  }

  @Property(tries = 300)
  void decodeNeverMisbehavesOnArbitraryBytes(@ForAll @Size(max = 200) byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      while (in.isReadable()) {
        int before = in.readerIndex();
        MplexFrame f;
        try {
          f = MplexFrameCodec.decode(in, MAX);
        } catch (MuxException e) {
          assertThat(in.readerIndex()).as("rejected frames consume nothing").isEqualTo(before);
          return;
        }
        if (f == null) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        assertThat(in.readerIndex()).isGreaterThan(before);
        assertThat(f.data().readableBytes()).isLessThanOrEqualTo(MAX);
        f.data().release();
      }
    } finally {
      in.release();
    }
  }

  @Property(tries = 300)
  void messagesSurviveEncodingAndArbitraryChunking(
      @ForAll("specs") List<Spec> specs, @ForAll @IntRange(min = 1, max = 40) int chunk)
      throws MuxException {
    ByteBuf wire = Unpooled.buffer();
    for (Spec s : specs) {
      ByteBuf m = MplexFrameCodec.encode(ByteBufAllocator.DEFAULT, s.id(), s.flag(), Unpooled.wrappedBuffer(s.payload()));
      wire.writeBytes(m);
      m.release();
    }
    ByteBuf acc = Unpooled.buffer();
    List<Spec> decoded = new ArrayList<>();
    try {
      while (wire.isReadable()) {
        acc.writeBytes(wire, Math.min(chunk, wire.readableBytes()));
        MplexFrame f;
        while ((f = MplexFrameCodec.decode(acc, MAX)) != null) {
          byte[] payload = new byte[f.data().readableBytes()];
          f.data().readBytes(payload);
          f.data().release();
          decoded.add(new Spec(f.streamId(), f.flag(), payload));
        }
        acc.discardReadBytes();
      }
      assertThat(acc.isReadable()).isFalse();
    } finally {
      wire.release();
      acc.release();
    }
    assertThat(decoded).hasSize(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      assertThat(decoded.get(i).id()).isEqualTo(specs.get(i).id());
      assertThat(decoded.get(i).flag()).isEqualTo(specs.get(i).flag());
      assertThat(decoded.get(i).payload()).isEqualTo(specs.get(i).payload());
    }
  }

  /** Near-valid messages on a few ids so the handler's stream states are reached. */
  @Provide
  Arbitrary<List<byte[]>> sessions() {
    Arbitrary<byte[]> message =
        Combinators.combine(
                Arbitraries.longs().between(0, 4),
                Arbitraries.of(0, 0, 1, 2, 2, 2, 3, 4, 5, 6, 7),
                Arbitraries.integers().between(0, 64),
                Arbitraries.integers().between(0, 100))
            .as(
                (id, flag, len, corrupt) -> {
                  ByteBuf b = Unpooled.buffer();
                  Varint.write(b, id << 3 | flag);
                  Varint.write(b, corrupt == 0 ? (1 << 20) + 1 : len);
                  b.writeZero(len);
                  byte[] out = new byte[b.readableBytes() - (corrupt == 1 ? 1 : 0)];
                  b.readBytes(out);
                  b.release();
                  return out;
                });
    return message.list().ofMaxSize(30);
  }

  @Property(tries = 200)
  void handlerSurvivesHostileSessions(@ForAll("sessions") List<byte[]> messages, @ForAll boolean autoRead) {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new MplexHandler(
                false,
                MuxConfig.defaults().withMaxInboundStreams(2).withMplexMaxStreamBufferBytes(1 << 20),
                new ChannelInitializer<StreamChannel>() {
                  @Override
                  protected void initChannel(StreamChannel s) {
                    s.config().setAutoRead(autoRead);
                    s.pipeline().addLast(new Recorder());
                  }
                },
                MuxListener.NOOP));
    FuzzFeed.feed(ch, messages);
  }

  @Property(tries = 200)
  void handlerSurvivesArbitraryBytes(@ForAll @Size(max = 10) List<@Size(max = 64) byte[]> chunks) {
    FuzzFeed.feed(new EmbeddedChannel(new MplexHandler(true, MuxConfig.defaults(), null)), chunks);
  }

  @Provide
  Arbitrary<List<PayloadIntegrity.Send>> sends() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(100))
        .as(PayloadIntegrity.Send::new)
        .list()
        .ofMaxSize(40);
  }

  @Property(tries = 300)
  void payloadsArriveIntactWhateverTheChunking(
      @ForAll("sends") List<PayloadIntegrity.Send> sends,
      @ForAll @IntRange(min = 1, max = 64) int chunk,
      @ForAll boolean eager) {
    PayloadIntegrity.check(
        init -> new MplexHandler(false, MuxConfig.defaults(), init),
        new PayloadIntegrity.Encoder() {
          @Override
          public byte[] open(int index) {
            return bytes(MplexFrameCodec.encode(ByteBufAllocator.DEFAULT, index, MplexFlag.NEW_STREAM));
          }

          @Override
          public byte[] data(int index, boolean first, byte[] payload) {
            return bytes(
                MplexFrameCodec.encode(
                    ByteBufAllocator.DEFAULT, index, MplexFlag.MESSAGE_INITIATOR, Unpooled.wrappedBuffer(payload)));
          }
        },
        sends,
        chunk,
        eager);
  }

  private static byte[] bytes(ByteBuf b) {
    try {
      byte[] out = new byte[b.readableBytes()];
      b.readBytes(out);
      return out;
    } finally {
      b.release();
    }
  }
}
