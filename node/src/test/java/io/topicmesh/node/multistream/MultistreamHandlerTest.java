package io.topicmesh.node.multistream;

import static io.topicmesh.node.multistream.EmbeddedPair.drainOutbound;
import static io.topicmesh.node.multistream.EmbeddedPair.exchange;
import static io.topicmesh.node.multistream.EmbeddedPair.wrap;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.multistream.MultistreamException.Reason;
import io.topicmesh.node.util.Varint;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MultistreamHandlerTest {
  @org.junit.jupiter.api.extension.RegisterExtension
  static final io.topicmesh.node.testing.NettyLeakCheck LEAKS =
      new io.topicmesh.node.testing.NettyLeakCheck("io.topicmesh.node.multistream");

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final HexFormat HEX = HexFormat.of();

  // "/multistream/1.0.0\n" is 19 = 0x13 bytes; "/noise\n" is 7.
  private static final String HEADER_HEX = "13" + HEX.formatHex("/multistream/1.0.0\n".getBytes(UTF_8));
  private static final String NOISE_HEX = "07" + HEX.formatHex("/noise\n".getBytes(UTF_8));

  private static byte[] msg(String text) {
    byte[] body = (text + "\n").getBytes(UTF_8);
    byte[] len = Varint.encode(body.length);
    byte[] out = new byte[len.length + body.length];
    System.arraycopy(len, 0, out, 0, len.length);
    System.arraycopy(body, 0, out, len.length, body.length);
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  private static Reason failureReason(CompletableFuture<String> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.get();
      throw new AssertionError("future succeeded: " + f);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(MultistreamException.class);
      return ((MultistreamException) e.getCause()).reason();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void specExampleNaIsEncodedAsInTheSpec() {
    assertThat(HEX.formatHex(msg("na"))).isEqualTo("036e610a");
  }

  @Test
  void initiatorPipelinesHeaderAndFirstProposalByteExactly() {
    MultistreamHandler h = MultistreamHandler.initiator(List.of("/noise", "/tls/1.0.0"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(h);
    assertThat(HEX.formatHex(drainOutbound(ch))).isEqualTo(HEADER_HEX + NOISE_HEX);
    // Responder says na to /noise: the initiator proposes the next one, alone.
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("na"))));
    assertThat(drainOutbound(ch)).isEqualTo(msg("/tls/1.0.0"));
    ch.writeInbound(wrap(msg("/tls/1.0.0")));
    assertThat(h.protocolFuture()).isCompletedWithValue("/tls/1.0.0");
    assertThat(ch.pipeline().get(MultistreamHandler.class)).isNull();
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void responderSendsHeaderThenEchoOrNa() {
    MultistreamHandler h = MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(h);
    assertThat(HEX.formatHex(drainOutbound(ch))).isEqualTo(HEADER_HEX);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/tls/1.0.0"), msg("/noise"))));
    assertThat(HEX.formatHex(drainOutbound(ch))).isEqualTo("036e610a" + NOISE_HEX);
    assertThat(h.protocolFuture()).isCompletedWithValue("/noise");
    ch.finishAndReleaseAll();
  }

  @Test
  void responderAnswersLs() {
    MultistreamHandler h =
        MultistreamHandler.responder(List.of("/noise", "/yamux/1.0.0"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(h);
    drainOutbound(ch);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("ls"))));
    byte[] inner = concat(msg("/noise"), msg("/yamux/1.0.0"));
    byte[] expected = concat(Varint.encode(inner.length + 1), inner, new byte[] {'\n'});
    assertThat(HEX.formatHex(drainOutbound(ch))).isEqualTo(HEX.formatHex(expected));
    assertThat(h.protocolFuture()).isNotDone();
    ch.writeInbound(wrap(msg("/yamux/1.0.0")));
    assertThat(h.protocolFuture()).isCompletedWithValue("/yamux/1.0.0");
    ch.finishAndReleaseAll();
  }

  @Test
  void pairAgreesOnFirstCommonProtocolAndCallbacksAddHandlers() {
    List<String> seen = new ArrayList<>();
    EmbeddedPair.Capture initCapture = new EmbeddedPair.Capture();
    EmbeddedPair.Capture respCapture = new EmbeddedPair.Capture();
    MultistreamHandler i =
        MultistreamHandler.initiator(
            List.of("/tls/1.0.0", "/mplex/6.7.0", "/yamux/1.0.0"),
            TIMEOUT,
            (c, p) -> {
              seen.add("i:" + p);
              c.pipeline().addLast(initCapture);
            });
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/yamux/1.0.0", "/mplex/6.7.0"),
            TIMEOUT,
            (c, p) -> {
              seen.add("r:" + p);
              c.pipeline().addLast(respCapture);
            });
    EmbeddedChannel a = new EmbeddedChannel(i);
    EmbeddedChannel b = new EmbeddedChannel(r);
    exchange(a, b);
    assertThat(i.protocolFuture()).isCompletedWithValue("/mplex/6.7.0");
    assertThat(r.protocolFuture()).isCompletedWithValue("/mplex/6.7.0");
    assertThat(seen).containsExactlyInAnyOrder("i:/mplex/6.7.0", "r:/mplex/6.7.0");
    assertThat(a.pipeline().get(MultistreamHandler.class)).isNull();
    assertThat(b.pipeline().get(MultistreamHandler.class)).isNull();
    // After negotiation the channels carry the application's bytes untouched.
    a.writeOutbound(Unpooled.copiedBuffer("ping", UTF_8));
    b.writeOutbound(Unpooled.copiedBuffer("pong", UTF_8));
    exchange(a, b);
    assertThat(new String(respCapture.get(), UTF_8)).isEqualTo("ping");
    assertThat(new String(initCapture.get(), UTF_8)).isEqualTo("pong");
    assertThat(a.finishAndReleaseAll()).isFalse();
    assertThat(b.finishAndReleaseAll()).isFalse();
  }

  @Test
  void responderHandsOverBytesThatFollowedTheProposalInTheSameRead() {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/ipfs/ping/1.0.0"), TIMEOUT, (c, p) -> c.pipeline().addLast(capture));
    EmbeddedChannel ch = new EmbeddedChannel(r);
    drainOutbound(ch);
    ByteBuf in =
        wrap(concat(msg("/multistream/1.0.0"), msg("/ipfs/ping/1.0.0"), "payload!".getBytes(UTF_8)));
    ch.writeInbound(in);
    assertThat(new String(capture.get(), UTF_8)).isEqualTo("payload!");
    assertThat(capture.reads).isEqualTo(1);
    assertThat(in.refCnt()).isZero();
    assertThat(drainOutbound(ch)).isEqualTo(msg("/ipfs/ping/1.0.0"));
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void initiatorHandsOverBytesThatFollowedTheEcho() {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler i =
        MultistreamHandler.initiator(
            List.of("/noise"), TIMEOUT, (c, p) -> c.pipeline().addLast(capture));
    EmbeddedChannel ch = new EmbeddedChannel(i);
    drainOutbound(ch);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/noise"), new byte[] {0, 32, 1})));
    assertThat(capture.get()).containsExactly(0, 32, 1);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void fragmentationAtEveryByteBoundary() {
    byte[] stream =
        concat(
            msg("/multistream/1.0.0"),
            msg("/tls/1.0.0"),
            msg("ls"),
            msg("/noise"),
            "tail-bytes".getBytes(UTF_8));
    for (int cut1 = 0; cut1 <= stream.length; cut1++) {
      for (int cut2 = cut1; cut2 <= stream.length; cut2 += 7) {
        runFragmented(stream, new int[] {cut1, cut2});
      }
    }
    // And one byte per read.
    int[] everyByte = new int[stream.length];
    for (int k = 0; k < stream.length; k++) {
      everyByte[k] = k;
    }
    runFragmented(stream, everyByte);
  }

  private static void runFragmented(byte[] stream, int[] cuts) {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/yamux/1.0.0", "/noise"), TIMEOUT, (c, p) -> c.pipeline().addLast(capture));
    EmbeddedChannel ch = new EmbeddedChannel(r);
    int from = 0;
    List<ByteBuf> sent = new ArrayList<>();
    int[] ends = java.util.Arrays.copyOf(cuts, cuts.length + 1);
    ends[cuts.length] = stream.length;
    for (int cut : ends) {
      if (cut == from) {
        continue;
      }
      ByteBuf part = Unpooled.copiedBuffer(stream, from, cut - from);
      sent.add(part);
      ch.writeInbound(part);
      from = cut;
    }
    assertThat(r.protocolFuture()).as("cuts %s", java.util.Arrays.toString(cuts))
        .isCompletedWithValue("/noise");
    assertThat(new String(capture.get(), UTF_8)).isEqualTo("tail-bytes");
    byte[] inner = concat(msg("/yamux/1.0.0"), msg("/noise"));
    byte[] ls = concat(Varint.encode(inner.length + 1), inner, new byte[] {'\n'});
    assertThat(drainOutbound(ch))
        .isEqualTo(concat(msg("/multistream/1.0.0"), msg("na"), ls, msg("/noise")));
    assertThat(ch.finishAndReleaseAll()).isFalse();
    for (ByteBuf b : sent) {
      assertThat(b.refCnt()).isZero();
    }
  }

  @Test
  void allProposalsRefused() {
    MultistreamHandler i = MultistreamHandler.initiator(List.of("/a", "/b"), TIMEOUT, null);
    MultistreamHandler r = MultistreamHandler.responder(List.of("/c"), TIMEOUT, null);
    EmbeddedChannel a = new EmbeddedChannel(i);
    EmbeddedChannel b = new EmbeddedChannel(r);
    exchange(a, b);
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.NOT_SUPPORTED);
    assertThat(a.isOpen()).isFalse();
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
  }

  private static Reason feedResponder(byte[] bytes) {
    MultistreamHandler r = MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ByteBuf in = wrap(bytes);
    ch.writeInbound(in);
    assertThat(in.refCnt()).isZero();
    assertThat(ch.isOpen()).as("channel closed after hostile input").isFalse();
    ch.finishAndReleaseAll();
    return failureReason(r.protocolFuture());
  }

  @Test
  void oversizedLengthIsRejectedBeforeBuffering() {
    // Only the length prefix arrives: the limit check must not wait for 1025 bytes.
    assertThat(feedResponder(Varint.encode(1025))).isEqualTo(Reason.MESSAGE_TOO_LARGE);
    assertThat(feedResponder(concat(msg("/multistream/1.0.0"), Varint.encode(1L << 40))))
        .isEqualTo(Reason.MESSAGE_TOO_LARGE);
  }

  @Test
  void largestAllowedMessageIsAccepted() {
    String longId = "/" + "x".repeat(MultistreamHandler.MAX_MESSAGE_LENGTH - 2);
    MultistreamHandler r = MultistreamHandler.responder(List.of(longId), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg(longId))));
    assertThat(r.protocolFuture()).isCompletedWithValue(longId);
    ch.finishAndReleaseAll();
  }

  @Test
  void malformedMessagesAreRejected() {
    byte[] badVarint = new byte[10];
    java.util.Arrays.fill(badVarint, (byte) 0xff);
    assertThat(feedResponder(badVarint)).isEqualTo(Reason.MALFORMED_MESSAGE);
    assertThat(feedResponder(new byte[] {(byte) 0x80, 0x00})).isEqualTo(Reason.MALFORMED_MESSAGE);
    byte[] noNewline = concat(new byte[] {19}, "/multistream/1.0.0X".getBytes(UTF_8));
    assertThat(feedResponder(noNewline)).isEqualTo(Reason.MALFORMED_MESSAGE);
    assertThat(feedResponder(new byte[] {0})).isEqualTo(Reason.MALFORMED_MESSAGE);
    assertThat(feedResponder(new byte[] {3, (byte) 0xc3, 0x28, '\n'}))
        .isEqualTo(Reason.MALFORMED_MESSAGE);
  }

  @Test
  void wrongHeaderIsRejected() {
    assertThat(feedResponder(msg("/multistream/2.0.0"))).isEqualTo(Reason.BAD_HEADER);
    assertThat(feedResponder(msg("/noise"))).isEqualTo(Reason.BAD_HEADER);
  }

  @Test
  void endlessProposalsAreCut() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(msg("/multistream/1.0.0"));
    for (int k = 0; k < 1000; k++) {
      out.writeBytes(msg(k % 2 == 0 ? "na" : "/nope/" + k));
    }
    assertThat(feedResponder(out.toByteArray())).isEqualTo(Reason.TOO_MANY_ROUNDS);
  }

  @Test
  void responderAcceptsUpToTheRoundLimit() {
    MultistreamHandler r = MultistreamHandler.responder(List.of("/yes"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ch.writeInbound(wrap(msg("/multistream/1.0.0")));
    for (int k = 0; k < MultistreamHandler.MAX_ROUNDS - 1; k++) {
      ch.writeInbound(wrap(msg("/no/" + k)));
    }
    ch.writeInbound(wrap(msg("/yes")));
    assertThat(r.protocolFuture()).isCompletedWithValue("/yes");
    ch.finishAndReleaseAll();
  }

  @Test
  void initiatorRejectsAnUnexpectedAnswer() {
    MultistreamHandler i = MultistreamHandler.initiator(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(i);
    drainOutbound(ch);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/tls/1.0.0"))));
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.UNEXPECTED_RESPONSE);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void initiatorStopsAfterItsLastProposalDespiteEndlessNa() {
    MultistreamHandler i = MultistreamHandler.initiator(List.of("/a", "/b"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(i);
    drainOutbound(ch);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(msg("/multistream/1.0.0"));
    for (int k = 0; k < 100; k++) {
      out.writeBytes(msg("na"));
    }
    ByteBuf in = wrap(out.toByteArray());
    ch.writeInbound(in);
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.NOT_SUPPORTED);
    assertThat(drainOutbound(ch)).isEqualTo(msg("/b"));
    assertThat(in.refCnt()).isZero();
    ch.finishAndReleaseAll();
  }

  /**
   * A peer that opens hundreds of streams and stays silent on each makes hundreds of responder
   * timeouts: they must not make hundreds of WARN lines (one per role and reason per interval).
   */
  @Test
  void manySilentStreamsLogAtMostOneWarningPerInterval() {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(MultistreamHandler.class);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    long started = System.nanoTime();
    try {
      for (int n = 0; n < 300; n++) {
        MultistreamHandler r = MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(r);
        ch.advanceTimeBy(11, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(failureReason(r.protocolFuture())).isEqualTo(Reason.TIMEOUT);
        ch.finishAndReleaseAll();
      }
    } finally {
      logger.detachAppender(logs);
    }
    long elapsedIntervals = (System.nanoTime() - started) / MultistreamHandler.WARN_INTERVAL.toNanos();
    long warnings = logs.list.stream()
        .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
        .filter(e -> e.getFormattedMessage().contains("responder failed (TIMEOUT)"))
        .count();
    assertThat(warnings).as("WARN lines for 300 timeouts in %d limiter intervals", elapsedIntervals + 1)
        .isLessThanOrEqualTo(elapsedIntervals + 1);
  }

  @Test
  void stalledPeerTimesOutOnVirtualTime() {
    MultistreamHandler i = MultistreamHandler.initiator(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.freezeTime();
    ch.pipeline().addLast(i);
    ch.writeInbound(wrap(msg("/multistream/1.0.0")));
    ch.advanceTimeBy(9, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(i.protocolFuture()).isNotDone();
    ch.advanceTimeBy(2, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.TIMEOUT);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void closeBeforeAgreementIsUnexpectedEof() {
    MultistreamHandler r = MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), new byte[] {7, '/', 'n'})));
    ch.close();
    assertThat(failureReason(r.protocolFuture())).isEqualTo(Reason.UNEXPECTED_EOF);
    ch.finishAndReleaseAll();
  }

  @Test
  void halfCloseAfterProposalAndDataStillAgreesAndHandsOver() {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/noise"), TIMEOUT, (c, p) -> c.pipeline().addLast(capture));
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/noise"), new byte[] {5})));
    ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
    assertThat(r.protocolFuture()).isCompletedWithValue("/noise");
    assertThat(capture.get()).containsExactly(5);
    ch.finishAndReleaseAll();
  }

  @Test
  void halfCloseBeforeAgreementIsUnexpectedEof() {
    MultistreamHandler r = MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), new byte[] {7, '/'})));
    ch.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
    assertThat(failureReason(r.protocolFuture())).isEqualTo(Reason.UNEXPECTED_EOF);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void throwingCallbackFailsAndCloses() {
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/noise"),
            TIMEOUT,
            (c, p) -> {
              throw new IllegalStateException("boom");
            });
    EmbeddedChannel ch = new EmbeddedChannel(r);
    ByteBuf in = wrap(concat(msg("/multistream/1.0.0"), msg("/noise"), new byte[] {1, 2, 3}));
    ch.writeInbound(in);
    assertThat(failureReason(r.protocolFuture())).isEqualTo(Reason.CALLBACK_FAILED);
    assertThat(ch.isOpen()).isFalse();
    assertThat(in.refCnt()).isZero();
    ch.finishAndReleaseAll();
  }

  @Test
  void worksWhenAddedToAnAlreadyActiveChannel() {
    EmbeddedChannel a = new EmbeddedChannel();
    EmbeddedChannel b = new EmbeddedChannel();
    assertThat(a.isActive()).isTrue();
    MultistreamHandler i = MultistreamHandler.initiator(List.of("/x/1"), TIMEOUT, null);
    MultistreamHandler r = MultistreamHandler.responder(List.of("/x/1"), TIMEOUT, null);
    a.pipeline().addLast(i);
    b.pipeline().addLast(r);
    exchange(a, b);
    assertThat(i.protocolFuture()).isCompletedWithValue("/x/1");
    assertThat(r.protocolFuture()).isCompletedWithValue("/x/1");
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
  }

  @Test
  void invalidArgumentsAreRefused() {
    assertThatThrownBy(() -> MultistreamHandler.initiator(List.of(), TIMEOUT, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MultistreamHandler.initiator(List.of("/a\n"), TIMEOUT, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MultistreamHandler.responder(List.of("na"), TIMEOUT, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MultistreamHandler.initiator(List.of("/a"), Duration.ZERO, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> MultistreamHandler.initiator(List.of("/" + "y".repeat(1023)), TIMEOUT, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Counts flushes that reach the head of the pipeline with bytes to send (segments, roughly). */
  private static final class FlushCounter extends io.netty.channel.ChannelOutboundHandlerAdapter {
    int flushes;

    @Override
    public void flush(io.netty.channel.ChannelHandlerContext ctx) {
      if (ctx.channel().unsafe().outboundBuffer().totalPendingWriteBytes() > 0) {
        flushes++;
      }
      ctx.flush();
    }
  }

  /** Writes {@code bytes} without flushing when added, as a protocol's first message. */
  private static final class FirstMessage extends io.netty.channel.ChannelInboundHandlerAdapter {
    private final byte[] bytes;

    FirstMessage(byte[] bytes) {
      this.bytes = bytes;
    }

    @Override
    public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
      ctx.write(Unpooled.wrappedBuffer(bytes));
    }
  }

  @Test
  void lazyInitiatorSendsTheProtocolsFirstMessageInTheSameFlushAndHandsOverTheAnswer() {
    FlushCounter flushes = new FlushCounter();
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    List<String> seen = new ArrayList<>();
    MultistreamHandler i =
        MultistreamHandler.lazyInitiator(
            "/noise",
            TIMEOUT,
            (c, p) -> {
              seen.add(p);
              c.pipeline().addLast(new FirstMessage(new byte[] {0, 32, 7}), capture);
            });
    EmbeddedChannel ch = new EmbeddedChannel(flushes, i);
    // The callback ran before any answer; header, proposal and its first message left in one flush.
    assertThat(seen).containsExactly("/noise");
    assertThat(flushes.flushes).isEqualTo(1);
    assertThat(HEX.formatHex(drainOutbound(ch))).isEqualTo(HEADER_HEX + NOISE_HEX + "002007");
    assertThat(i.protocolFuture()).isNotDone();
    assertThat(ch.pipeline().get(MultistreamHandler.class)).isNotNull();
    // The answer arrives with the protocol's reply in the same read: the reply is passed on.
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/noise"), new byte[] {0, 48, 9})));
    assertThat(i.protocolFuture()).isCompletedWithValue("/noise");
    assertThat(ch.pipeline().get(MultistreamHandler.class)).isNull();
    assertThat(capture.get()).containsExactly(0, 48, 9);
    assertThat(seen).hasSize(1);
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void lazyInitiatorFailsAndClosesWhenTheResponderRefuses() {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler i =
        MultistreamHandler.lazyInitiator(
            "/noise", TIMEOUT, (c, p) -> c.pipeline().addLast(new FirstMessage(new byte[] {1}), capture));
    EmbeddedChannel ch = new EmbeddedChannel(i);
    drainOutbound(ch);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("na"), new byte[] {5, 5})));
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.NOT_SUPPORTED);
    assertThat(ch.isOpen()).isFalse();
    assertThat(capture.get()).isEmpty();
    ch.finishAndReleaseAll();
  }

  @Test
  void lazyInitiatorFailsOnAnUnexpectedAnswer() {
    MultistreamHandler i = MultistreamHandler.lazyInitiator("/noise", TIMEOUT, null);
    EmbeddedChannel ch = new EmbeddedChannel(i);
    drainOutbound(ch);
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/tls/1.0.0"))));
    assertThat(failureReason(i.protocolFuture())).isEqualTo(Reason.UNEXPECTED_RESPONSE);
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void lazyInitiatorAndResponderAgreeAndTheOptimisticBytesReachTheResponderProtocol() {
    EmbeddedPair.Capture initCapture = new EmbeddedPair.Capture();
    EmbeddedPair.Capture respCapture = new EmbeddedPair.Capture();
    MultistreamHandler i =
        MultistreamHandler.lazyInitiator(
            "/yamux/1.0.0",
            TIMEOUT,
            (c, p) -> c.pipeline().addLast(new FirstMessage("early".getBytes(UTF_8)), initCapture));
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/mplex/6.7.0", "/yamux/1.0.0"), TIMEOUT, (c, p) -> c.pipeline().addLast(respCapture));
    EmbeddedChannel a = new EmbeddedChannel(i);
    EmbeddedChannel b = new EmbeddedChannel(r);
    exchange(a, b);
    assertThat(i.protocolFuture()).isCompletedWithValue("/yamux/1.0.0");
    assertThat(r.protocolFuture()).isCompletedWithValue("/yamux/1.0.0");
    assertThat(new String(respCapture.get(), UTF_8)).isEqualTo("early");
    b.writeOutbound(Unpooled.copiedBuffer("late", UTF_8));
    exchange(a, b);
    assertThat(new String(initCapture.get(), UTF_8)).isEqualTo("late");
    assertThat(a.finishAndReleaseAll()).isFalse();
    assertThat(b.finishAndReleaseAll()).isFalse();
  }

  @Test
  void responderSendsItsEchoInTheSameFlushAsTheProtocolsAnswerToPipelinedBytes() {
    FlushCounter flushes = new FlushCounter();
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/noise"),
            TIMEOUT,
            (c, p) ->
                c.pipeline()
                    .addLast(
                        new io.netty.channel.ChannelInboundHandlerAdapter() {
                          @Override
                          public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object m) {
                            ((ByteBuf) m).release();
                            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0, 1, 2}));
                          }
                        }));
    EmbeddedChannel ch = new EmbeddedChannel(flushes, r);
    assertThat(drainOutbound(ch)).isEqualTo(msg("/multistream/1.0.0"));
    int before = flushes.flushes;
    ch.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/noise"), new byte[] {0, 32, 7})));
    assertThat(flushes.flushes - before).isEqualTo(1);
    assertThat(drainOutbound(ch)).isEqualTo(concat(msg("/noise"), new byte[] {0, 1, 2}));
    // Without pipelined bytes the echo is flushed alone.
    EmbeddedChannel plain = new EmbeddedChannel(MultistreamHandler.responder(List.of("/noise"), TIMEOUT, null));
    drainOutbound(plain);
    plain.writeInbound(wrap(concat(msg("/multistream/1.0.0"), msg("/noise"))));
    assertThat(drainOutbound(plain)).isEqualTo(msg("/noise"));
    assertThat(ch.finishAndReleaseAll()).isFalse();
    assertThat(plain.finishAndReleaseAll()).isFalse();
  }
}
