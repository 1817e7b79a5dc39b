package io.topicmesh.node.mux.mplex;

import static io.topicmesh.node.mux.Wire.drain;
import static io.topicmesh.node.mux.Wire.feed;
import static io.topicmesh.node.mux.Wire.feedPartial;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.mux.CountingListener;
import io.topicmesh.node.mux.LeakCheck;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.util.Varint;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Byte-exact mplex messages in and out of one MplexHandler on an EmbeddedChannel. */
class MplexHandlerTest {
  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  final CountingListener events = new CountingListener();
  final Map<StreamChannel, Recorder> accepted = new LinkedHashMap<>();
  boolean inboundAutoRead = true;
  EmbeddedChannel ch;
  MplexHandler mux;

  /** header varint, length varint, payload hex. */
  static String m(long id, MplexFlag flag, String payloadHex) {
    return ByteBufUtil.hexDump(Varint.encode(id << 3 | flag.code()))
        + ByteBufUtil.hexDump(Varint.encode(payloadHex.length() / 2))
        + payloadHex;
  }

  static String text(String s) {
    return ByteBufUtil.hexDump(s.getBytes(StandardCharsets.UTF_8));
  }

  EmbeddedChannel start(MuxConfig config) {
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
    mux = new MplexHandler(true, config, init, events);
    ch = new EmbeddedChannel(mux);
    assertThat(drain(ch)).as("mplex sends nothing at start").isEmpty();
    return ch;
  }

  EmbeddedChannel start() {
    return start(MuxConfig.defaults());
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
    assertThat(drain(ch)).as("mplex has no go-away").isEmpty();
    assertThat(ch.isActive()).isFalse();
  }

  @Test
  void outboundStreamMessages() throws Exception {
    start();
    StreamChannel s = mux.openStream(null).get();
    assertThat(s.streamId()).isZero();
    assertThat(drain(ch)).isEqualTo("000130"); // NewStream id 0, name "0"
    s.writeAndFlush(Unpooled.copiedBuffer("hi", StandardCharsets.UTF_8));
    assertThat(drain(ch)).isEqualTo("02026869"); // MessageInitiator
    s.closeWrite();
    assertThat(drain(ch)).isEqualTo("0400"); // CloseInitiator
    StreamChannel t = mux.openStream(null).get();
    t.reset();
    assertThat(drain(ch)).isEqualTo("08013" + "1" + "0e00"); // NewStream 1 "1", ResetInitiator 1
  }

  @Test
  void bigStreamIdsUseMultiByteHeaders() {
    start();
    feed(ch, "8001" + "00"); // NewStream id 16: header 128 = 0x80 0x01
    StreamChannel s = only();
    assertThat(s.streamId()).isEqualTo(16);
    s.writeAndFlush(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8));
    assertThat(drain(ch)).isEqualTo("8101" + "01" + "78"); // MessageReceiver: 16<<3|1 = 129
  }

  @Test
  void inboundStreamLifecycle() {
    start();
    feed(ch, m(0, MplexFlag.NEW_STREAM, text("name")));
    StreamChannel s = only();
    assertThat(s.isInbound()).isTrue();
    feed(ch, m(0, MplexFlag.MESSAGE_INITIATOR, text("abc")));
    assertThat(accepted.get(s).text()).isEqualTo("abc");
    s.writeAndFlush(Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8));
    assertThat(drain(ch)).isEqualTo(m(0, MplexFlag.MESSAGE_RECEIVER, text("ok")));
    feed(ch, m(0, MplexFlag.CLOSE_INITIATOR, ""));
    assertThat(accepted.get(s).inputShutdown()).isTrue();
    assertThat(s.isActive()).isTrue();
    s.closeWrite();
    ch.runPendingTasks();
    assertThat(drain(ch)).isEqualTo(m(0, MplexFlag.CLOSE_RECEIVER, ""));
    assertThat(s.isActive()).isFalse();
    assertThat(mux.activeStreams()).isZero();
  }

  @Test
  void bothSidesMayUseTheSameIdIndependently() throws Exception {
    start();
    StreamChannel mine = mux.openStream(null).get();
    drain(ch);
    feed(ch, m(0, MplexFlag.NEW_STREAM, ""));
    StreamChannel theirs = only();
    assertThat(mine.streamId()).isEqualTo(theirs.streamId());
    feed(ch, m(0, MplexFlag.RESET_INITIATOR, ""));
    assertThat(theirs.isActive()).isFalse();
    assertThat(mine.isActive()).as("our stream 0 is a different stream").isTrue();
    feed(ch, m(0, MplexFlag.RESET_RECEIVER, ""));
    assertThat(mine.isActive()).isFalse();
    assertThat(mine.closeCause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
  }

  @Test
  void messagesArriveInPiecesOfAnySize() {
    start();
    String all = m(3, MplexFlag.NEW_STREAM, "") + m(3, MplexFlag.MESSAGE_INITIATOR, text("hello world"));
    for (int i = 0; i < all.length(); i += 2) {
      feedPartial(ch, all.substring(i, i + 2));
    }
    assertThat(accepted.get(only()).text()).isEqualTo("hello world");
  }

  @Test
  void queuedPayloadSurvivesTheRestOfTheInputBeingCompacted() {
    inboundAutoRead = false;
    start();
    String second = m(0, MplexFlag.MESSAGE_INITIATOR, text("efgh"));
    feedPartial(ch, m(0, MplexFlag.NEW_STREAM, "") + m(0, MplexFlag.MESSAGE_INITIATOR, text("abcd")) + second.substring(0, 4));
    feedPartial(ch, second.substring(4));
    StreamChannel s = only();
    s.read();
    assertThat(accepted.get(s).text()).isEqualTo("abcdefgh");
  }

  @Test
  void truncatedMessageWaits() {
    start();
    ByteBuf part = feedPartial(ch, m(0, MplexFlag.NEW_STREAM, text("abc")).substring(0, 4));
    assertThat(accepted).isEmpty();
    assertThat(part.refCnt()).isEqualTo(1);
    feedPartial(ch, m(0, MplexFlag.NEW_STREAM, text("abc")).substring(4));
    assertThat(accepted).hasSize(1);
    assertThat(part.refCnt()).isZero();
  }

  @Test
  void flagSevenIsAProtocolError() {
    start();
    feed(ch, "0700");
    assertProtocolError(MuxError.UNKNOWN_TYPE);
  }

  @Test
  void oversizedMessageIsRejectedFromItsHeaderAlone() {
    start();
    ByteBuf in = feedPartial(ch, "02" + ByteBufUtil.hexDump(Varint.encode((1 << 20) + 1)));
    assertProtocolError(MuxError.FRAME_TOO_LARGE);
    assertThat(in.refCnt()).isZero();
  }

  @Test
  void overlongVarintIsAProtocolError() {
    start();
    feed(ch, "ffffffffffffffffff01");
    assertProtocolError(MuxError.MALFORMED_FRAME);
  }

  @Test
  void nonMinimalVarintIsAProtocolError() {
    start();
    feed(ch, "8000" + "00");
    assertProtocolError(MuxError.MALFORMED_FRAME);
  }

  @Test
  void duplicateNewStreamIsAProtocolError() {
    start();
    feed(ch, m(5, MplexFlag.NEW_STREAM, ""));
    feed(ch, m(5, MplexFlag.NEW_STREAM, ""));
    assertProtocolError(MuxError.DUPLICATE_STREAM);
    assertThat(only().closeCause().error()).isEqualTo(MuxError.CONNECTION_CLOSED);
  }

  @Test
  void messagesForUnknownStreamsAreDroppedAndCounted() {
    start();
    feed(ch, m(9, MplexFlag.MESSAGE_INITIATOR, "01020304"));
    feed(ch, m(9, MplexFlag.CLOSE_RECEIVER, ""));
    assertThat(events.get("dropped", MuxError.UNKNOWN_STREAM)).isEqualTo(2);
    assertThat(ch.isActive()).isTrue();
    assertThat(drain(ch)).isEmpty();
  }

  @Test
  void streamsBeyondTheLimitAreReset() {
    start(MuxConfig.defaults().withMaxInboundStreams(2));
    for (int id = 0; id < 1000; id++) {
      feed(ch, m(id, MplexFlag.NEW_STREAM, ""));
    }
    assertThat(mux.activeStreams()).isEqualTo(2);
    assertThat(events.get("refused", MuxError.TOO_MANY_STREAMS)).isEqualTo(998);
    String out = drain(ch);
    assertThat(out).startsWith(m(2, MplexFlag.RESET_RECEIVER, "") + m(3, MplexFlag.RESET_RECEIVER, ""));
    assertThat(ch.isActive()).isTrue();
  }

  @Test
  void slowReaderIsResetAtTheBufferBound() {
    inboundAutoRead = false;
    start(MuxConfig.defaults().withMplexMaxStreamBufferBytes(1 << 20));
    feed(ch, m(0, MplexFlag.NEW_STREAM, ""));
    StreamChannel s = only();
    ByteBuf first = feedPartial(ch, m(0, MplexFlag.MESSAGE_INITIATOR, "00".repeat(1 << 20)));
    assertThat(s.bufferedInboundBytes()).isEqualTo(1 << 20);
    assertThat(s.isActive()).isTrue();
    feed(ch, m(0, MplexFlag.MESSAGE_INITIATOR, "00"));
    assertThat(s.isActive()).isFalse();
    assertThat(s.closeCause().error()).isEqualTo(MuxError.STREAM_BUFFER_OVERFLOW);
    assertThat(drain(ch)).isEqualTo(m(0, MplexFlag.RESET_RECEIVER, ""));
    assertThat(first.refCnt()).as("buffered data released on reset").isZero();
    feed(ch, m(0, MplexFlag.MESSAGE_INITIATOR, "00"));
    assertThat(events.get("dropped", MuxError.UNKNOWN_STREAM)).isEqualTo(1);
  }

  @Test
  void unreadBytesOfAllStreamsAreBoundedPerConnection() {
    inboundAutoRead = false;
    start(MuxConfig.defaults().withMplexMaxStreamBufferBytes(1 << 20).withMaxConnectionBufferBytes(1 << 20));
    feed(ch, m(0, MplexFlag.NEW_STREAM, "") + m(1, MplexFlag.NEW_STREAM, ""));
    feedPartial(ch, m(0, MplexFlag.MESSAGE_INITIATOR, "00".repeat(600_000)));
    feedPartial(ch, m(1, MplexFlag.MESSAGE_INITIATOR, "00".repeat(400_000)));
    assertThat(mux.bufferedInboundBytes()).isEqualTo(1_000_000);
    feed(ch, m(1, MplexFlag.MESSAGE_INITIATOR, "00".repeat(100_000)));
    StreamChannel[] streams = accepted.keySet().toArray(new StreamChannel[0]);
    assertThat(streams[1].isActive()).isFalse();
    assertThat(streams[1].closeCause().error()).isEqualTo(MuxError.STREAM_BUFFER_OVERFLOW);
    assertThat(streams[0].isActive()).isTrue();
    assertThat(mux.bufferedInboundBytes()).isEqualTo(600_000);
    assertThat(drain(ch)).isEqualTo(m(1, MplexFlag.RESET_RECEIVER, ""));
  }

  @Test
  void dataAfterRemoteCloseResetsTheStream() {
    start();
    feed(ch, m(0, MplexFlag.NEW_STREAM, ""));
    StreamChannel s = only();
    feed(ch, m(0, MplexFlag.CLOSE_INITIATOR, ""));
    feed(ch, m(0, MplexFlag.MESSAGE_INITIATOR, "01"));
    assertThat(s.isActive()).isFalse();
    assertThat(s.closeCause().error()).isEqualTo(MuxError.DATA_AFTER_CLOSE);
    assertThat(drain(ch)).isEqualTo(m(0, MplexFlag.RESET_RECEIVER, ""));
  }

  @Test
  void largeWritesAreSplitIntoFramesOfTheConfiguredSize() throws Exception {
    start(MuxConfig.defaults().withMaxSendFrameLength(1024));
    StreamChannel s = mux.openStream(null).get();
    drain(ch);
    s.writeAndFlush(Unpooled.wrappedBuffer(new byte[2500]));
    String zeros1024 = "00".repeat(1024);
    assertThat(drain(ch))
        .isEqualTo(
            m(0, MplexFlag.MESSAGE_INITIATOR, zeros1024)
                + m(0, MplexFlag.MESSAGE_INITIATOR, zeros1024)
                + m(0, MplexFlag.MESSAGE_INITIATOR, "00".repeat(452)));
  }
}
