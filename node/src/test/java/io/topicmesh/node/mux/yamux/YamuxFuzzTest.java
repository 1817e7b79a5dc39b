package io.topicmesh.node.mux.yamux;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.FuzzFeed;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.PayloadIntegrity;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Property tests of the yamux decoder and handler against arbitrary and near-valid input. */
class YamuxFuzzTest {
  private static final int MAX = 1 << 16;

  record Spec(YamuxType type, int flags, long id, long length, byte[] payload) {}

  @Provide
  Arbitrary<Spec> frames() {
    return Combinators.combine(
            Arbitraries.of(YamuxType.values()),
            Arbitraries.integers().between(0, YamuxFlags.ALL),
            Arbitraries.longs().between(0, 0xFFFF_FFFFL),
            Arbitraries.longs().between(0, 0xFFFF_FFFFL),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
        .as((t, f, id, len, payload) -> new Spec(t, f, id, t == YamuxType.DATA ? payload.length : len, payload));
  }

  @BeforeContainer
  static void quiet() {
    FuzzFeed.quietMuxLogs(true);
  }

  @AfterContainer
  static void loud() {
    FuzzFeed.quietMuxLogs(false);
  }

  @Property(tries = 300)
  void decodeNeverMisbehavesOnArbitraryBytes(@ForAll @Size(max = 200) byte[] bytes) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      while (in.isReadable()) {
        int before = in.readerIndex();
        YamuxFrame f;
        try {
          f = YamuxFrameCodec.decode(in, MAX);
        } catch (MuxException e) {
          assertThat(in.readerIndex()).as("rejected frames consume nothing").isEqualTo(before);
          return;
        }
        if (f == null) {
          assertThat(in.readerIndex()).isEqualTo(before);
          return;
        }
        assertThat(in.readerIndex()).isGreaterThan(before);
        if (f.data() != null) {
          assertThat(f.data().readableBytes()).isLessThanOrEqualTo(MAX);
          f.data().release();
        }
      }
    } finally {
      in.release();
    }
  }

  @Property(tries = 300)
  void framesSurviveEncodingAndArbitraryChunking(
      @ForAll("specs") List<Spec> specs, @ForAll @IntRange(min = 1, max = 40) int chunk) {
    ByteBuf wire = Unpooled.buffer();
    for (Spec s : specs) {
      if (s.type() == YamuxType.DATA) {
        wire.writeBytes(YamuxFrameCodecAccess.data(s.flags(), s.id(), s.payload()));
      } else {
        YamuxFrameCodec.writeHeader(wire, s.type(), s.flags(), s.id(), s.length());
      }
    }
    ByteBuf acc = Unpooled.buffer();
    List<Spec> decoded = new ArrayList<>();
    try {
      while (wire.isReadable()) {
        acc.writeBytes(wire, Math.min(chunk, wire.readableBytes()));
        YamuxFrame f;
        while ((f = YamuxFrameCodec.decode(acc, MAX)) != null) {
          byte[] payload = new byte[f.data() == null ? 0 : f.data().readableBytes()];
          if (f.data() != null) {
            f.data().readBytes(payload);
            f.data().release();
          }
          decoded.add(new Spec(f.type(), f.flags(), f.streamId(), f.length(), payload));
        }
        acc.discardReadBytes();
      }
    } catch (MuxException e) {
      throw new AssertionError(e);
    } finally {
      wire.release();
    }
    assertThat(acc.isReadable()).isFalse();
    acc.release();
    assertThat(decoded).hasSize(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      Spec a = specs.get(i);
      Spec b = decoded.get(i);
      assertThat(b.type()).isEqualTo(a.type());
      assertThat(b.flags()).isEqualTo(a.flags());
      assertThat(b.id()).isEqualTo(a.id());
      assertThat(b.length()).isEqualTo(a.length());
      if (a.type() == YamuxType.DATA) {
        assertThat(b.payload()).isEqualTo(a.payload());
      }
    }
  }

  @Provide
  Arbitrary<List<Spec>> specs() {
    return frames().list().ofMaxSize(12);
  }

  /** Near-valid frames: small ids, mostly valid types, so the handler's state machine is reached. */
  @Provide
  Arbitrary<List<byte[]>> sessions() {
    Arbitrary<byte[]> frame =
        Combinators.combine(
                Arbitraries.of(0, 0, 0, 1, 1, 1, 2, 3, 4),
                Arbitraries.integers().between(0, 15),
                Arbitraries.of(1L, 3L, 5L, 1L, 3L, 5L, 2L, 0L),
                Arbitraries.longs().between(0, 300_000),
                Arbitraries.integers().between(0, 64),
                Arbitraries.integers().between(0, 100))
            .as(
                (type, flags, id, len, payloadLen, corrupt) -> {
                  ByteBuf b = Unpooled.buffer();
                  b.writeByte(corrupt == 0 ? 1 : 0);
                  b.writeByte(type);
                  b.writeShort(flags);
                  b.writeInt((int) (long) id);
                  b.writeInt(type == 0 ? (corrupt == 1 ? (int) (long) len : payloadLen) : (int) (long) len);
                  if (type == 0) {
                    b.writeZero(payloadLen);
                  }
                  byte[] out = new byte[b.readableBytes() - (corrupt == 2 ? 1 : 0)];
                  b.readBytes(out);
                  b.release();
                  return out;
                });
    return frame.list().ofMaxSize(30);
  }

  @Property(tries = 200)
  void handlerSurvivesHostileSessions(@ForAll("sessions") List<byte[]> frames, @ForAll boolean autoRead) {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new YamuxHandler(
                false,
                MuxConfig.defaults().withMaxInboundStreams(2),
                new ChannelInitializer<StreamChannel>() {
                  @Override
                  protected void initChannel(StreamChannel s) {
                    s.config().setAutoRead(autoRead);
                    s.pipeline().addLast(new Recorder());
                  }
                },
                MuxListener.NOOP));
    FuzzFeed.feed(ch, frames);
  }

  @Property(tries = 200)
  void handlerSurvivesArbitraryBytes(@ForAll @Size(max = 10) List<@Size(max = 64) byte[]> chunks) {
    FuzzFeed.feed(new EmbeddedChannel(new YamuxHandler(true, MuxConfig.defaults(), null)), chunks);
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
        init -> new YamuxHandler(false, MuxConfig.defaults(), init),
        new PayloadIntegrity.Encoder() {
          @Override
          public byte[] open(int index) {
            return new byte[0];
          }

          @Override
          public byte[] data(int index, boolean first, byte[] payload) {
            return YamuxFrameCodecAccess.data(first ? YamuxFlags.SYN : 0, 2L * index + 1, payload);
          }
        },
        sends,
        chunk,
        eager);
  }
}
