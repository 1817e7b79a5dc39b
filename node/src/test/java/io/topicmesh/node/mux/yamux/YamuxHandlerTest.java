package io.topicmesh.node.mux.yamux;

import static io.topicmesh.node.mux.Wire.drain;
import static io.topicmesh.node.mux.Wire.feed;
import static io.topicmesh.node.mux.Wire.feedPartial;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.topicmesh.node.mux.CountingListener;
import io.topicmesh.node.mux.LeakCheck;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Byte-exact yamux frames in and out of one YamuxHandler on an EmbeddedChannel, on a fake clock. */
class YamuxHandlerTest {
  static final int DATA = 0, WU = 1, PING = 2, GO_AWAY = 3;
  static final int SYN = 1, ACK = 2, FIN = 4, RST = 8;

  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  final CountingListener events = new CountingListener();
  final Map<StreamChannel, Recorder> accepted = new LinkedHashMap<>();
  boolean inboundAutoRead = true;
  EmbeddedChannel ch;
  YamuxHandler mux;

  static String h(int type, int flags, long id, long len) {
    return String.format("00%02x%04x%08x%08x", type, flags, id, len);
  }

  static String text(String s) {
    return ByteBufUtil.hexDump(s.getBytes(StandardCharsets.UTF_8));
  }

  static String zeros(int n) {
    return "00".repeat(n);
  }

  /** A handler as the server (peer uses odd ids) unless {@code initiator}; drains its start ping. */
  EmbeddedChannel start(boolean initiator, MuxConfig config) {
    ChannelInitializer<StreamChannel> init =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(StreamChannel s) {
            s.config().setAutoRead(inboundAutoRead);
            Recorder r = new Recorder();
            s.pipeline().addLast(r);
            accepted.put(s, r);
          }
        };
    mux = new YamuxHandler(initiator, config, init, events, clock::get);
    ch = new EmbeddedChannel(mux);
    assertThat(drain(ch)).as("RTT ping at start").isEqualTo(h(PING, SYN, 0, 1));
    return ch;
  }

  EmbeddedChannel start() {
    return start(false, MuxConfig.defaults());
  }

  @AfterEach
  void finish() {
    if (ch != null) {
      ch.finishAndReleaseAll();
    }
  }

  StreamChannel only() {
    assertThat(accepted).hasSize(1);
    return accepted.keySet().iterator().next();
  }

  void assertProtocolError(MuxError error) {
    assertThat(events.get("protocolError", error)).as("protocol errors %s", events).isEqualTo(1);
    assertThat(drain(ch)).isEqualTo(h(GO_AWAY, 0, 0, YamuxGoAway.PROTOCOL_ERROR));
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void muxerAddedToAnActiveConnectionStartsAndTakesLeftoverBytes() {
    ch = new EmbeddedChannel();
    mux = new YamuxHandler(false, MuxConfig.defaults(), null, events, clock::get);
    ch.pipeline().addLast(mux);
    assertThat(drain(ch)).as("RTT ping on handlerAdded").isEqualTo(h(PING, SYN, 0, 1));
    // bytes that arrived with the end of the muxer negotiation are fired into the pipeline
    feed(ch, h(PING, SYN, 0, 5));
    assertThat(drain(ch)).isEqualTo(h(PING, ACK, 0, 5));
  }

  @Test
  void outboundStreamFrames() throws Exception {
    start(true, MuxConfig.defaults());
    StreamChannel s = mux.openStream(null).get();
    assertThat(s.streamId()).isEqualTo(1);
    assertThat(drain(ch)).isEqualTo(h(WU, SYN, 1, 0));
    s.writeAndFlush(Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8));
    assertThat(drain(ch)).isEqualTo(h(DATA, 0, 1, 2) + text("hi"));
    s.closeWrite();
    assertThat(drain(ch)).isEqualTo(h(WU, FIN, 1, 0));
    StreamChannel t = mux.openStream(null).get();
    assertThat(t.streamId()).isEqualTo(3);
    t.reset();
    assertThat(drain(ch)).isEqualTo(h(WU, SYN, 3, 0) + h(WU, RST, 3, 0));
    assertThat(t.isActive()).isFalse();
  }

  @Test
  void largerInitialWindowIsAnnouncedWithSynAndAck() throws Exception {
    start(false, MuxConfig.defaults().withYamuxWindows(1 << 20, 16 << 20));
    StreamChannel s = mux.openStream(null).get();
    assertThat(s.streamId()).isEqualTo(2);
    assertThat(drain(ch)).isEqualTo(h(WU, SYN, 2, (1 << 20) - 256 * 1024));
    feed(ch, h(WU, SYN, 1, 0));
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 1, (1 << 20) - 256 * 1024));
  }

  @Test
  void inboundStreamIsAcknowledgedAndReceivesData() {
    start();
    feed(ch, h(DATA, SYN, 1, 3) + text("abc"));
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 1, 0));
    StreamChannel s = only();
    assertThat(s.isInbound()).isTrue();
    assertThat(accepted.get(s).text()).isEqualTo("abc");
    s.writeAndFlush(Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
    assertThat(drain(ch)).isEqualTo(h(DATA, 0, 1, 2) + text("ok"));
    feed(ch, h(DATA, FIN, 1, 1) + text("d"));
    assertThat(accepted.get(s).text()).isEqualTo("abcd");
    assertThat(accepted.get(s).inputShutdown()).isTrue();
    assertThat(s.isActive()).isTrue();
    s.closeWrite();
    ch.runPendingTasks();
    assertThat(drain(ch)).isEqualTo(h(WU, FIN, 1, 0));
    assertThat(s.isActive()).as("closed both ways").isFalse();
    assertThat(mux.activeStreams()).isZero();
  }

  @Test
  void remoteResetFiresAnEventAndClosesTheStream() {
    start();
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    StreamChannel s = only();
    feed(ch, h(WU, RST, 1, 0));
    assertThat(s.isActive()).isFalse();
    assertThat(accepted.get(s).reset().cause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
    assertThat(drain(ch)).as("nothing answers a reset").isEmpty();
  }

  @Test
  void framesArriveInPiecesOfAnySize() {
    start();
    String frames = h(DATA, SYN, 1, 5) + text("hello") + h(DATA, 0, 1, 6) + text(" world");
    ByteBuf all = io.topicmesh.node.mux.Wire.hex(frames);
    List<ByteBuf> pieces = new ArrayList<>();
    while (all.isReadable()) {
      pieces.add(all.readRetainedSlice(Math.min(all.readableBytes(), 1 + pieces.size() % 3)));
    }
    all.release();
    for (ByteBuf p : pieces) {
      ch.writeInbound(p);
    }
    assertThat(accepted.get(only()).text()).isEqualTo("hello world");
    assertThat(pieces).allSatisfy(p -> assertThat(p.refCnt()).isZero());
  }

  @Test
  void queuedPayloadSurvivesTheRestOfTheInputBeingCompacted() {
    inboundAutoRead = false;
    start();
    String second = h(DATA, 0, 1, 4) + text("efgh");
    // the first payload stays queued (a slice of the input) while the second frame is incomplete
    feedPartial(ch, h(DATA, SYN, 1, 4) + text("abcd") + second.substring(0, 10));
    feedPartial(ch, second.substring(10));
    StreamChannel s = only();
    s.read();
    assertThat(accepted.get(s).text()).isEqualTo("abcdefgh");
  }

  @Test
  void payloadIsPassedOnAsItArrivesAndACutHeaderWaits() {
    start();
    String frame = h(DATA, SYN | FIN, 1, 4) + text("abcd");
    // 7 of the 12 header bytes: nothing happens, and the input is not held (the cut head is copied).
    ByteBuf part = feedPartial(ch, frame.substring(0, 14));
    assertThat(accepted).isEmpty();
    assertThat(part.refCnt()).isZero();
    // The rest of the header and 3 payload bytes: the stream opens and gets them at once.
    feedPartial(ch, frame.substring(14, 30));
    StreamChannel s = only();
    assertThat(accepted.get(s).text()).isEqualTo("abc");
    assertThat(s.isInputShutdown()).as("FIN applies after the whole payload").isFalse();
    feedPartial(ch, frame.substring(30));
    assertThat(accepted.get(s).text()).isEqualTo("abcd");
    assertThat(s.isInputShutdown()).isTrue();
  }

  @Test
  void pingsAreAnswered() {
    start();
    feed(ch, h(PING, SYN, 0, 42));
    assertThat(drain(ch)).isEqualTo(h(PING, ACK, 0, 42));
  }

  @Test
  void pingMeasuresRttOnTheInjectedClock() throws Exception {
    start();
    Future<Duration> rtt = mux.ping();
    ch.runPendingTasks();
    assertThat(drain(ch)).isEqualTo(h(PING, SYN, 0, 2));
    clock.addAndGet(7_000_000);
    feed(ch, h(PING, ACK, 0, 2));
    assertThat(rtt.get()).isEqualTo(Duration.ofMillis(7));
    assertThat(mux.rtt()).isEqualTo(Duration.ofMillis(7));
    feed(ch, h(PING, ACK, 0, 99));
    assertThat(events.get("dropped", MuxError.UNEXPECTED_PING)).isEqualTo(1);
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void windowUpdateIsSentOnceHalfTheWindowIsConsumed() {
    start();
    feed(ch, h(DATA, SYN, 1, 65536) + zeros(65536));
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 1, 0));
    feed(ch, h(DATA, 0, 1, 65535) + zeros(65535));
    assertThat(drain(ch)).as("less than half the window consumed").isEmpty();
    feed(ch, h(DATA, 0, 1, 1) + zeros(1));
    assertThat(drain(ch)).isEqualTo(h(WU, 0, 1, 131072));
  }

  @Test
  void windowGrowsWhenUpdatesComeFasterThanFourRtt() {
    start();
    clock.addAndGet(10_000_000);
    feed(ch, h(PING, ACK, 0, 1)); // RTT 10 ms
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    clock.addAndGet(20_000_000); // 20 ms < 4 RTT since the stream opened
    feed(ch, h(DATA, 0, 1, 131072) + zeros(131072));
    // the window doubles to 512 KiB: 128 KiB still granted, so the update is 384 KiB
    assertThat(drain(ch)).isEqualTo(h(WU, 0, 1, 393216));
    clock.addAndGet(1_000_000_000); // slow reader now: no further growth
    feed(ch, h(DATA, 0, 1, 262144) + zeros(262144));
    assertThat(drain(ch)).isEqualTo(h(WU, 0, 1, 262144));
  }

  @Test
  void windowNeverGrowsPastTheMaximum() {
    start(false, MuxConfig.defaults().withYamuxWindows(256 * 1024, 256 * 1024));
    clock.addAndGet(10_000_000);
    feed(ch, h(PING, ACK, 0, 1));
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    feed(ch, h(DATA, 0, 1, 131072) + zeros(131072));
    assertThat(drain(ch)).isEqualTo(h(WU, 0, 1, 131072));
  }

  @Test
  void windowGrowthStopsAtTheConnectionBudget() {
    start(
        false,
        MuxConfig.defaults()
            .withMplexMaxStreamBufferBytes(1 << 20)
            .withMaxConnectionBufferBytes(1 << 20));
    clock.addAndGet(10_000_000);
    feed(ch, h(PING, ACK, 0, 1)); // RTT 10 ms; the clock stands still from here: updates are "fast"
    for (int id = 1; id <= 9; id += 2) {
      feed(ch, h(WU, SYN, id, 0) + h(DATA, 0, id, 131072) + zeros(131072));
      // four streams may grow by 256 KiB each within the 1 MiB budget; the fifth may not.
      long expected = id <= 7 ? 393216 : 131072;
      assertThat(drain(ch)).as("stream %d", id).isEqualTo(h(WU, ACK, id, 0) + h(WU, 0, id, expected));
    }
    // a closed stream gives its growth back
    feed(ch, h(WU, RST, 1, 0));
    feed(ch, h(WU, SYN, 11, 0) + h(DATA, 0, 11, 131072) + zeros(131072));
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 11, 0) + h(WU, 0, 11, 393216));
  }

  @Test
  void slowReaderGetsNoWindowUpdateUntilItReads() {
    inboundAutoRead = false;
    start();
    ByteBuf in = feedPartial(ch, h(DATA, SYN, 1, 262144) + zeros(262144));
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 1, 0));
    StreamChannel s = only();
    assertThat(s.bufferedInboundBytes()).isEqualTo(262144);
    assertThat(accepted.get(s).received()).isZero();
    s.read();
    assertThat(accepted.get(s).received()).isEqualTo(262144);
    assertThat(drain(ch)).isEqualTo(h(WU, 0, 1, 262144));
    assertThat(in.refCnt()).isZero();
  }

  @Test
  void senderStopsAtTheWindowAndResumesOnUpdate() throws Exception {
    start(true, MuxConfig.defaults());
    StreamChannel s = mux.openStream(null).get();
    drain(ch);
    s.writeAndFlush(Unpooled.wrappedBuffer(new byte[300_000]));
    String out = drain(ch);
    int frames = 4;
    assertThat(out.length() / 2).as("256 KiB in 64 KiB frames").isEqualTo(frames * (12 + 65536));
    assertThat(out).startsWith(h(DATA, 0, 1, 65536));
    feed(ch, h(WU, ACK, 1, 100_000));
    assertThat(drain(ch)).isEqualTo(h(DATA, 0, 1, 300_000 - 262_144) + zeros(300_000 - 262_144));
  }

  @Test
  void windowOverrunIsAProtocolError() {
    start();
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    StreamChannel s = only();
    feed(ch, h(DATA, 0, 1, 262145) + zeros(262145));
    assertProtocolError(MuxError.WINDOW_OVERRUN);
    assertThat(s.isActive()).isFalse();
    assertThat(s.closeCause().error()).isEqualTo(MuxError.CONNECTION_CLOSED);
  }

  @Test
  void sendWindowOverflowIsAProtocolError() throws Exception {
    start(true, MuxConfig.defaults());
    mux.openStream(null).get();
    drain(ch);
    feed(ch, h(WU, ACK, 1, 0xFFFF_FFFFL));
    assertProtocolError(MuxError.WINDOW_OVERFLOW);
  }

  @Test
  void unsupportedVersionIsAProtocolError() {
    start();
    feed(ch, "01" + h(PING, SYN, 0, 1).substring(2));
    assertProtocolError(MuxError.UNSUPPORTED_VERSION);
  }

  @Test
  void unknownTypeIsAProtocolError() {
    start();
    feed(ch, h(4, 0, 0, 0));
    assertProtocolError(MuxError.UNKNOWN_TYPE);
  }

  @Test
  void undefinedFlagIsAProtocolError() {
    start();
    feed(ch, h(WU, 0x10, 1, 0));
    assertProtocolError(MuxError.UNKNOWN_TYPE);
  }

  @Test
  void oversizedDataIsRejectedFromItsHeaderAlone() {
    start();
    ByteBuf in = feedPartial(ch, h(DATA, SYN, 1, (16 << 20) + 1));
    assertProtocolError(MuxError.FRAME_TOO_LARGE);
    assertThat(in.refCnt()).isZero();
  }

  @Test
  void duplicateSynIsAProtocolError() {
    start();
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    feed(ch, h(WU, SYN, 1, 0));
    assertProtocolError(MuxError.DUPLICATE_STREAM);
  }

  @Test
  void synWithOurParityIsAProtocolError() {
    start();
    feed(ch, h(WU, SYN, 2, 0));
    assertProtocolError(MuxError.INVALID_STREAM_ID);
  }

  @Test
  void dataOnSessionStreamIsAProtocolError() {
    start();
    feed(ch, h(DATA, 0, 0, 2) + "0000");
    assertProtocolError(MuxError.INVALID_STREAM_ID);
  }

  @Test
  void dataForUnknownStreamIsDroppedAndCounted() {
    start();
    feed(ch, h(DATA, 0, 7, 4) + "01020304");
    assertThat(events.get("dropped", MuxError.UNKNOWN_STREAM)).isEqualTo(1);
    assertThat(drain(ch)).isEmpty();
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void streamsBeyondTheLimitAreRefusedWithRst() {
    start(false, MuxConfig.defaults().withMaxInboundStreams(1));
    feed(ch, h(WU, SYN, 1, 0));
    feed(ch, h(DATA, SYN, 3, 2) + "abcd");
    assertThat(drain(ch)).isEqualTo(h(WU, ACK, 1, 0) + h(WU, RST, 3, 0));
    assertThat(events.get("refused", MuxError.TOO_MANY_STREAMS)).isEqualTo(1);
    assertThat(mux.activeStreams()).isEqualTo(1);
    // a peer that keeps opening streams gets RSTs, and the connection survives
    for (int id = 5; id < 2005; id += 2) {
      feed(ch, h(WU, SYN, id, 0));
    }
    assertThat(events.get("refused", MuxError.TOO_MANY_STREAMS)).isEqualTo(1001);
    assertThat(mux.activeStreams()).isEqualTo(1);
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void closingTheConnectionSendsGoAway() {
    start();
    feed(ch, h(WU, SYN, 1, 0));
    drain(ch);
    StreamChannel s = only();
    ch.close();
    assertThat(drain(ch)).isEqualTo(h(GO_AWAY, 0, 0, 0));
    assertThat(s.isActive()).isFalse();
    assertThat(accepted.get(s).reset().cause().error()).isEqualTo(MuxError.CONNECTION_CLOSED);
  }

  @Test
  void goAwayFromPeerRefusesNewStreams() throws Exception {
    start(true, MuxConfig.defaults());
    feed(ch, h(GO_AWAY, 0, 0, 0));
    Future<StreamChannel> f = mux.openStream(null);
    assertThat(f.isSuccess()).isFalse();
    assertThat(((MuxException) f.cause()).error()).isEqualTo(MuxError.OPEN_REFUSED);
    assertThat(ch.isActive()).isTrue();
    feed(ch, h(GO_AWAY, 0, 0, YamuxGoAway.INTERNAL_ERROR));
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void keepalivePingsAndClosesWhenThePeerStopsAnswering() {
    start(false, MuxConfig.defaults().withYamuxKeepAlive(Duration.ofSeconds(30), Duration.ofSeconds(10)));
    feed(ch, h(PING, ACK, 0, 1));
    ch.advanceTimeBy(30, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain(ch)).isEqualTo(h(PING, SYN, 0, 2));
    feed(ch, h(PING, ACK, 0, 2));
    ch.advanceTimeBy(10, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isActive()).as("answered in time").isTrue();
    ch.advanceTimeBy(20, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain(ch)).isEqualTo(h(PING, SYN, 0, 3));
    ch.advanceTimeBy(9, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isActive()).isTrue();
    ch.advanceTimeBy(1, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(ch.isActive()).as("no answer within 10 s").isFalse();
    assertThat(events.get("protocolError", MuxError.KEEPALIVE_TIMEOUT)).isEqualTo(1);
    assertThat(drain(ch)).as("no GO_AWAY to a dead peer").isEmpty();
  }

  @Test
  void keepaliveCanBeTurnedOff() {
    start(false, MuxConfig.defaults().withYamuxKeepAlive(Duration.ZERO, Duration.ofSeconds(10)));
    ch.advanceTimeBy(300, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertThat(drain(ch)).isEmpty();
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void ackBacklogBoundsUnacknowledgedStreams() throws Exception {
    start(true, MuxConfig.defaults());
    for (int i = 0; i < 256; i++) {
      assertThat(mux.openStream(null).isSuccess()).isTrue();
    }
    Future<StreamChannel> f = mux.openStream(null);
    assertThat(f.cause()).hasMessageContaining("ACK backlog");
    feed(ch, h(WU, ACK, 1, 0));
    assertThat(mux.openStream(null).isSuccess()).isTrue();
  }

  @Test
  void closeWithUnsentDataResetsInsteadOfFin() throws Exception {
    start(true, MuxConfig.defaults());
    StreamChannel s = mux.openStream(null).get();
    s.writeAndFlush(Unpooled.wrappedBuffer(new byte[300_000]));
    drain(ch);
    s.close();
    assertThat(drain(ch)).isEqualTo(h(WU, RST, 1, 0));
    assertThat(s.closeCause().error()).isEqualTo(MuxError.RESET_BY_LOCAL);
  }
}
