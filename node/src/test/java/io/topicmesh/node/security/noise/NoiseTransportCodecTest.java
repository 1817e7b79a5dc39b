package io.topicmesh.node.security.noise;

import static io.topicmesh.node.security.noise.Pipes.drainOutbound;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class NoiseTransportCodecTest {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.topicmesh.node.testing.NettyLeakCheck LEAKS =
      new io.topicmesh.node.testing.NettyLeakCheck("io.topicmesh.node.security.noise");

  // The @Property methods run on jqwik, which ignores Jupiter extensions.
  @net.jqwik.api.lifecycle.BeforeContainer
  static void listenForLeaks() {
    LEAKS.start();
  }

  @net.jqwik.api.lifecycle.AfterContainer
  static void noLeaks() {
    LEAKS.verify();
  }

  private static final byte[] KEY_AB = filled(0x11);
  private static final byte[] KEY_BA = filled(0x22);

  private static byte[] filled(int v) {
    byte[] k = new byte[32];
    Arrays.fill(k, (byte) v);
    return k;
  }

  private static final class Side {
    final NoiseCounters counters = new NoiseCounters();
    final NoiseTransportCodec codec;
    final Pipes.Capture capture = new Pipes.Capture();
    final EmbeddedChannel ch;

    Side(byte[] sendKey, byte[] recvKey) {
      codec =
          new NoiseTransportCodec(
              new CipherState(sendKey), new CipherState(recvKey), counters, "test-peer");
      ch = new EmbeddedChannel(codec, capture);
    }
  }

  private static Side a() {
    return new Side(KEY_AB, KEY_BA);
  }

  private static Side b() {
    return new Side(KEY_BA, KEY_AB);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void largePayloadRoundTripsInMaxSizeFrames() {
    Side a = a();
    Side b = b();
    byte[] payload = random(1 << 20, 1);
    a.ch.writeOutbound(Unpooled.wrappedBuffer(payload));
    byte[] wire = drainOutbound(a.ch);
    int frames = (payload.length + 65518) / 65519;
    assertThat(frames).isEqualTo(17);
    assertThat(wire.length).isEqualTo(payload.length + frames * 18);
    // First frame is full size: length prefix 0xffff.
    assertThat(wire[0]).isEqualTo((byte) 0xff);
    assertThat(wire[1]).isEqualTo((byte) 0xff);
    b.ch.writeInbound(Unpooled.wrappedBuffer(wire));
    assertThat(b.capture.get()).isEqualTo(payload);
    assertThat(b.capture.reads).isEqualTo(frames);
    // And the other direction uses the other key and its own nonces.
    b.ch.writeOutbound(Unpooled.copiedBuffer(new byte[] {1, 2, 3}));
    a.ch.writeInbound(Unpooled.wrappedBuffer(drainOutbound(b.ch)));
    assertThat(a.capture.get()).containsExactly(1, 2, 3);
    assertThat(a.ch.finishAndReleaseAll()).isFalse();
    assertThat(b.ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void compositeWritesAreEncryptedLikeContiguousOnes() {
    // A muxer frame is a composite of header and payload; its first noise frame spans both.
    Side a = a();
    Side b = b();
    byte[] header = random(12, 3);
    byte[] body = random(65536, 4);
    ByteBuf composite = Unpooled.compositeBuffer()
        .addComponent(true, Unpooled.wrappedBuffer(header))
        .addComponent(true, Unpooled.directBuffer(body.length).writeBytes(body));
    a.ch.writeOutbound(composite);
    assertThat(composite.refCnt()).isZero();
    b.ch.writeInbound(Unpooled.wrappedBuffer(drainOutbound(a.ch)));
    byte[] expected = new byte[header.length + body.length];
    System.arraycopy(header, 0, expected, 0, header.length);
    System.arraycopy(body, 0, expected, header.length, body.length);
    assertThat(b.capture.get()).isEqualTo(expected);
    assertThat(b.capture.reads).isEqualTo(2);
    assertThat(a.ch.finishAndReleaseAll()).isFalse();
    assertThat(b.ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void writesBetweenFlushesAreCoalescedIntoFullFrames() {
    Side a = a();
    Side b = b();
    // 40 writes of 5000 bytes, one flush: 200,000 bytes in 4 frames (3 full), not 40.
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    List<io.netty.channel.ChannelFuture> writes = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] m = random(5000, 100 + i);
      expected.writeBytes(m);
      writes.add(a.ch.write(Unpooled.wrappedBuffer(m)));
    }
    // Three frames' worth went out as soon as they were whole; the rest waits for the flush.
    assertThat(writes.stream().filter(io.netty.channel.ChannelFuture::isDone).count()).isLessThan(40);
    a.ch.flush();
    assertThat(writes).allMatch(io.netty.channel.ChannelFuture::isSuccess);
    byte[] wire = drainOutbound(a.ch);
    assertThat(wire.length).isEqualTo(200_000 + 4 * 18);
    assertThat(wire[0]).isEqualTo((byte) 0xff);
    assertThat(wire[1]).isEqualTo((byte) 0xff);
    b.ch.writeInbound(Unpooled.wrappedBuffer(wire));
    assertThat(b.capture.get()).isEqualTo(expected.toByteArray());
    assertThat(b.capture.reads).isEqualTo(4);
    assertThat(a.ch.finishAndReleaseAll()).isFalse();
    assertThat(b.ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void unflushedWritesFailAndAreReleasedOnClose() {
    Side a = a();
    ByteBuf buf = Unpooled.buffer(10).writeZero(10);
    io.netty.channel.ChannelFuture f = a.ch.write(buf);
    assertThat(f.isDone()).isFalse();
    a.ch.close();
    assertThat(f.isSuccess()).isFalse();
    assertThat(buf.refCnt()).isZero();
    a.ch.finishAndReleaseAll();
  }

  @Test
  void frameLayoutIsLengthThenCiphertextWithTag() throws Exception {
    Side a = a();
    a.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {'h', 'i'}));
    byte[] wire = drainOutbound(a.ch);
    assertThat(wire).hasSize(2 + 2 + 16);
    assertThat(wire[0]).isZero();
    assertThat(wire[1]).isEqualTo((byte) 18);
    byte[] expected = new CipherState(KEY_AB).encryptWithAd(null, new byte[] {'h', 'i'});
    assertThat(Arrays.copyOfRange(wire, 2, wire.length)).isEqualTo(expected);
    a.ch.finishAndReleaseAll();
  }

  @Test
  void decoderWaitsForWholeFramesAtEveryByteBoundary() {
    Side a = a();
    byte[] payload = random(70_000, 2);
    a.ch.writeOutbound(Unpooled.wrappedBuffer(payload));
    a.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {9}));
    byte[] wire = drainOutbound(a.ch);
    Side b = b();
    for (int i = 0; i < wire.length; i++) {
      b.ch.writeInbound(Unpooled.wrappedBuffer(wire, i, 1));
      int delivered = b.capture.get().length;
      // Plaintext appears only when a frame's last byte arrived.
      if (i == 65535 + 2 - 1) {
        assertThat(delivered).isEqualTo(65519);
      } else if (i < 65535 + 2 - 1) {
        assertThat(delivered).isZero();
      }
    }
    byte[] expected = Arrays.copyOf(payload, payload.length + 1);
    expected[payload.length] = 9;
    assertThat(b.capture.get()).isEqualTo(expected);
    assertThat(a.ch.finishAndReleaseAll()).isFalse();
    assertThat(b.ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void tamperedFrameClosesTheSessionWithBadMac() {
    Side a = a();
    a.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[100]));
    a.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[100]));
    byte[] wire = drainOutbound(a.ch);
    wire[2 + 50] ^= 0x40;
    Side b = b();
    ByteBuf in = Unpooled.wrappedBuffer(wire);
    b.ch.writeInbound(in);
    assertThat(b.ch.isOpen()).isFalse();
    assertThat(b.codec.failure().reason()).isEqualTo(Reason.BAD_MAC);
    assertThat(b.counters.transportFailures(Reason.BAD_MAC)).isEqualTo(1);
    assertThat(b.capture.get()).isEmpty();
    assertThat(in.refCnt()).isZero();
    a.ch.finishAndReleaseAll();
    b.ch.finishAndReleaseAll();
  }

  @Test
  void replayedFrameFailsBecauseTheNonceMovedOn() {
    Side a = a();
    a.ch.writeOutbound(Unpooled.wrappedBuffer(new byte[] {1}));
    byte[] frame = drainOutbound(a.ch);
    Side b = b();
    b.ch.writeInbound(Unpooled.wrappedBuffer(frame));
    b.ch.writeInbound(Unpooled.wrappedBuffer(frame.clone()));
    assertThat(b.capture.get()).containsExactly(1);
    assertThat(b.codec.failure().reason()).isEqualTo(Reason.BAD_MAC);
    a.ch.finishAndReleaseAll();
    b.ch.finishAndReleaseAll();
  }

  @Test
  void frameShorterThanATagIsMalformed() {
    Side b = b();
    b.ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 15}));
    assertThat(b.ch.isOpen()).isFalse();
    assertThat(b.codec.failure().reason()).isEqualTo(Reason.MALFORMED_MESSAGE);
    assertThat(b.counters.transportFailures(Reason.MALFORMED_MESSAGE)).isEqualTo(1);
    b.ch.finishAndReleaseAll();
  }

  @Test
  void truncatedFrameThenEofDeliversNothingAndLeaksNothing() {
    Side b = b();
    ByteBuf in = Unpooled.wrappedBuffer(new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
    b.ch.writeInbound(in);
    assertThat(b.ch.isOpen()).isTrue();
    b.ch.close();
    assertThat(b.capture.get()).isEmpty();
    assertThat(b.ch.finishAndReleaseAll()).isFalse();
    assertThat(in.refCnt()).isZero();
  }

  @Test
  void nonByteBufWritesAreRefusedRatherThanSentInPlaintext() {
    Side a = a();
    io.netty.buffer.ByteBufHolder holder =
        new io.netty.buffer.DefaultByteBufHolder(Unpooled.copiedBuffer(new byte[] {1, 2}));
    io.netty.channel.ChannelFuture f = a.ch.writeAndFlush(holder);
    assertThat(f.cause()).isInstanceOf(IllegalArgumentException.class);
    assertThat(holder.refCnt()).isZero();
    assertThat(drainOutbound(a.ch)).isEmpty();
    a.ch.finishAndReleaseAll();
  }

  @Test
  void emptyWritesSendNothingAndEmptyFramesAreDropped() throws Exception {
    Side a = a();
    a.ch.writeOutbound(Unpooled.EMPTY_BUFFER);
    assertThat(drainOutbound(a.ch)).isEmpty();
    Side b = b();
    byte[] tagOnly = new CipherState(KEY_AB).encryptWithAd(null, new byte[0]);
    byte[] frame = new byte[2 + tagOnly.length];
    frame[1] = 16;
    System.arraycopy(tagOnly, 0, frame, 2, 16);
    b.ch.writeInbound(Unpooled.wrappedBuffer(frame));
    assertThat(b.ch.isOpen()).isTrue();
    assertThat(b.capture.reads).isZero();
    a.ch.finishAndReleaseAll();
    b.ch.finishAndReleaseAll();
  }

  /** Any bytes at all, in any chunks: no exception escapes, nothing leaks, garbage closes. */
  @Property(tries = 300)
  void fuzzedInputNeverEscapesOrLeaks(
      @ForAll @Size(max = 300) List<@Size(max = 80) byte[]> chunks) {
    Side b = b();
    List<ByteBuf> sent = new ArrayList<>();
    for (byte[] c : chunks) {
      // Non-empty only: the shared empty buffer is never released.
      ByteBuf buf = Unpooled.buffer(c.length + 1).writeByte(c.length).writeBytes(c);
      sent.add(buf);
      if (b.ch.isOpen()) {
        b.ch.writeInbound(buf);
      } else {
        buf.release();
      }
    }
    // Random bytes never authenticate: nothing reaches the application.
    assertThat(b.capture.reads).isZero();
    b.ch.finishAndReleaseAll();
    for (ByteBuf buf : sent) {
      assertThat(buf.refCnt()).isZero();
    }
  }

  /** Valid traffic split at arbitrary points decrypts to exactly what was sent. */
  @Property(tries = 100)
  void validStreamSurvivesArbitrarySplits(
      @ForAll("messages") List<byte[]> messages, @ForAll @IntRange(min = 1, max = 70_000) int step) {
    Side a = a();
    Side b = b();
    java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
    for (byte[] m : messages) {
      a.ch.writeOutbound(Unpooled.wrappedBuffer(m));
      expected.writeBytes(m);
    }
    byte[] wire = drainOutbound(a.ch);
    for (int off = 0; off < wire.length; off += step) {
      b.ch.writeInbound(Unpooled.copiedBuffer(wire, off, Math.min(step, wire.length - off)));
    }
    assertThat(b.capture.get()).isEqualTo(expected.toByteArray());
    assertThat(b.ch.isOpen()).isTrue();
    a.ch.finishAndReleaseAll();
    b.ch.finishAndReleaseAll();
  }

  @Provide
  Arbitrary<List<byte[]>> messages() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(140_000).list().ofMaxSize(4);
  }
}
