package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Behaviour every muxer must have, run against yamux and mplex over an in-JVM connection: streams
 * both ways, echo, many concurrent streams, large transfers, read demand, half-close, reset,
 * stream limits and connection teardown.
 */
public abstract class MuxHandlerAbstractTest {
  protected static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  protected MuxPair pair;

  /** The muxer under test. */
  protected abstract MuxPair.Factory factory();

  /** Loopback TCP instead of the in-JVM LocalChannel. */
  protected boolean overTcp() {
    return false;
  }

  protected MuxPair connect(MuxConfig client, MuxConfig server) throws Exception {
    pair = new MuxPair(factory(), client, server, overTcp());
    return pair;
  }

  protected MuxPair connect() throws Exception {
    return connect(MuxConfig.defaults(), MuxConfig.defaults());
  }

  @AfterEach
  void closePair() {
    if (pair != null) {
      pair.close();
    }
  }

  protected static ByteBuf utf8(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
  }

  protected static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected static long crc(byte[] b) {
    CRC32 c = new CRC32();
    c.update(b);
    return c.getValue();
  }

  /** Writes {@code data} in chunks of {@code chunk} bytes and flushes. */
  protected static ChannelFuture writeChunks(StreamChannel s, byte[] data, int chunk) {
    ChannelFuture last = null;
    for (int off = 0; off < data.length; off += chunk) {
      int len = Math.min(chunk, data.length - off);
      last = s.write(Unpooled.wrappedBuffer(data, off, len));
    }
    s.flush();
    return last;
  }

  @Test
  void echoesOnStreamsOpenedByEitherSide() throws Exception {
    connect();
    Recorder clientRec = new Recorder();
    StreamChannel out = pair.client.open(clientRec);
    out.writeAndFlush(utf8("hello from client"));
    await().atMost(WAIT).until(() -> clientRec.received() == 17);
    assertThat(clientRec.text()).isEqualTo("hello from client");
    assertThat(out.isInbound()).isFalse();
    assertThat(out.parent()).isSameAs(pair.client.conn);
    StreamChannel serverSide = pair.server.nextAccepted();
    assertThat(serverSide.isInbound()).isTrue();
    assertThat(serverSide.parent()).isSameAs(pair.server.conn);

    Recorder serverRec = new Recorder();
    StreamChannel back = pair.server.open(serverRec);
    back.writeAndFlush(utf8("hello from server"));
    await().atMost(WAIT).until(() -> serverRec.received() == 17);
    assertThat(serverRec.text()).isEqualTo("hello from server");
    pair.client.nextAccepted();
    assertThat(pair.client.mux.activeStreams()).isEqualTo(2);
    assertThat(pair.server.mux.activeStreams()).isEqualTo(2);
  }

  @Test
  void manyConcurrentStreamsEchoIndependently() throws Exception {
    connect();
    int streams = 100;
    List<Recorder> recs = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      Recorder rec = new Recorder();
      StreamChannel s = pair.client.open(rec);
      byte[] data = randomBytes(20_000 + i * 37, i);
      recs.add(rec);
      payloads.add(data);
      writeChunks(s, data, 4096);
      s.closeWrite();
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              for (int i = 0; i < streams; i++) {
                assertThat(recs.get(i).received()).as("stream %d", i).isEqualTo(payloads.get(i).length);
                assertThat(recs.get(i).inputShutdown()).as("EOF on stream %d", i).isTrue();
              }
            });
    for (int i = 0; i < streams; i++) {
      assertThat(recs.get(i).crc()).as("content of stream %d", i).isEqualTo(crc(payloads.get(i)));
    }
    // both sides half-closed: every stream ends by itself.
    await().atMost(WAIT).until(() -> pair.client.mux.activeStreams() == 0 && pair.server.mux.activeStreams() == 0);
    assertThat(pair.server.events.get("opened", "in")).isEqualTo(streams);
  }

  @Test
  void largeTransferArrivesIntact() throws Exception {
    connect();
    byte[] data = randomBytes(4 << 20, 42);
    Recorder rec = new Recorder();
    StreamChannel s = pair.client.open(rec);
    writeChunks(s, data, 100_000);
    s.closeWrite();
    await().atMost(WAIT).until(rec::inputShutdown);
    assertThat(rec.received()).isEqualTo(data.length);
    assertThat(rec.crc()).isEqualTo(crc(data));
  }

  @Test
  void readDemandIsHonoured() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound =
        s -> {
          s.config().setAutoRead(false);
          s.pipeline().addLast(serverRec);
        };
    StreamChannel s = pair.client.open();
    s.writeAndFlush(utf8("one"));
    StreamChannel in = pair.server.nextAccepted();
    await().atMost(WAIT).until(() -> pair.server.onLoop(in::bufferedInboundBytes) == 3);
    assertThat(serverRec.received()).as("nothing delivered without read()").isZero();
    in.read();
    await().atMost(WAIT).until(() -> serverRec.received() == 3);
    s.writeAndFlush(utf8("two"));
    await().atMost(WAIT).until(() -> pair.server.onLoop(in::bufferedInboundBytes) == 3);
    assertThat(serverRec.received()).isEqualTo(3);
    in.config().setAutoRead(true);
    await().atMost(WAIT).until(() -> serverRec.received() == 6);
    assertThat(serverRec.text()).isEqualTo("onetwo");
  }

  @Test
  void halfCloseBothWaysEndsTheStream() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound = s -> s.pipeline().addLast(serverRec);
    Recorder clientRec = new Recorder();
    StreamChannel out = pair.client.open(clientRec);
    out.write(utf8("request"));
    out.closeWrite().get(10, TimeUnit.SECONDS);
    assertThat(out.isWriteClosed()).isTrue();
    Future<Void> late = out.writeAndFlush(utf8("too late")).await();
    assertThat(late.isSuccess()).as("write after closeWrite").isFalse();

    StreamChannel in = pair.server.nextAccepted();
    await().atMost(WAIT).until(serverRec::inputShutdown);
    assertThat(serverRec.text()).isEqualTo("request");
    assertThat(in.isActive()).as("half-closed stream stays open for writing").isTrue();
    in.writeAndFlush(utf8("response"));
    in.closeWrite();
    await().atMost(WAIT).until(clientRec::inputShutdown);
    assertThat(clientRec.text()).isEqualTo("response");
    await().atMost(WAIT).until(() -> !out.isActive() && !in.isActive());
    assertThat(out.closeCause()).isNull();
    assertThat(in.closeCause()).isNull();
    assertThat(pair.client.mux.activeStreams()).isZero();
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 0);
    assertThat(pair.server.events.get("closed", null)).isEqualTo(1);
  }

  @Test
  void closeSendsEofAndForgetsTheStream() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound = s -> s.pipeline().addLast(serverRec);
    StreamChannel out = pair.client.open();
    out.writeAndFlush(utf8("bye"));
    out.close().get(10, TimeUnit.SECONDS);
    StreamChannel in = pair.server.nextAccepted();
    await().atMost(WAIT).until(serverRec::inputShutdown);
    assertThat(serverRec.text()).isEqualTo("bye");
    assertThat(pair.client.mux.activeStreams()).isZero();
    // the peer may still write: its data is dropped and counted, not an error.
    in.writeAndFlush(utf8("ignored"));
    await().atMost(WAIT).until(() -> pair.client.events.get("dropped", MuxError.UNKNOWN_STREAM) >= 1);
    assertThat(pair.client.conn.isActive()).isTrue();
  }

  @Test
  void closeAfterTheLastWriteEndsWithEofNotReset() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound = s -> s.pipeline().addLast(serverRec);
    StreamChannel out = pair.client.open();
    out.writeAndFlush(utf8("last words")).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    await().atMost(WAIT).until(serverRec::inputShutdown);
    assertThat(serverRec.text()).isEqualTo("last words");
    assertThat(serverRec.reset()).isNull();
    assertThat(out.closeCause()).isNull();
  }

  @Test
  void resetEndsBothSidesWithACause() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound = s -> s.pipeline().addLast(serverRec);
    StreamChannel out = pair.client.open();
    out.writeAndFlush(utf8("x"));
    StreamChannel in = pair.server.nextAccepted();
    await().atMost(WAIT).until(() -> serverRec.received() == 1);
    out.reset().get(10, TimeUnit.SECONDS);
    assertThat(out.isActive()).isFalse();
    assertThat(out.closeCause().error()).isEqualTo(MuxError.RESET_BY_LOCAL);
    await().atMost(WAIT).until(() -> !in.isActive());
    assertThat(serverRec.reset()).isNotNull();
    assertThat(serverRec.reset().cause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
    assertThat(in.closeCause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
    assertThat(serverRec.inputShutdown()).as("a reset is not an EOF").isFalse();
    Future<Void> w = in.writeAndFlush(utf8("after reset")).await();
    assertThat(w.isSuccess()).isFalse();
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 0);
    assertThat(pair.server.events.get("closed", MuxError.RESET_BY_REMOTE)).isEqualTo(1);
  }

  @Test
  void inboundStreamsBeyondTheLimitAreRefused() throws Exception {
    connect(MuxConfig.defaults(), MuxConfig.defaults().withMaxInboundStreams(4));
    pair.server.onInbound = s -> s.pipeline().addLast(new Recorder());
    List<Recorder> recs = new ArrayList<>();
    List<StreamChannel> outs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      Recorder r = new Recorder();
      recs.add(r);
      StreamChannel s = pair.client.open(r);
      outs.add(s);
      s.writeAndFlush(utf8("hi"));
    }
    await().atMost(WAIT).until(() -> pair.server.events.get("refused", MuxError.TOO_MANY_STREAMS) == 2);
    await().atMost(WAIT).until(() -> !outs.get(4).isActive() && !outs.get(5).isActive());
    assertThat(recs.get(4).reset().cause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
    for (int i = 0; i < 4; i++) {
      assertThat(outs.get(i).isActive()).as("stream %d within the limit", i).isTrue();
    }
    assertThat(pair.server.mux.activeStreams()).isEqualTo(4);
    assertThat(pair.server.conn.isActive()).isTrue();
    // a slot freed is usable again
    outs.get(0).reset();
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 3);
    StreamChannel again = pair.client.open(new Recorder());
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 4);
    assertThat(again.isActive()).isTrue();
  }

  @Test
  void outboundStreamsBeyondTheLimitFailToOpen() throws Exception {
    connect(MuxConfig.defaults().withMaxOutboundStreams(2), MuxConfig.defaults());
    pair.client.open();
    pair.client.open();
    Future<StreamChannel> third = pair.client.mux.openStream(null).await();
    assertThat(third.isSuccess()).isFalse();
    assertThat(third.cause()).isInstanceOf(MuxException.class);
    assertThat(((MuxException) third.cause()).error()).isEqualTo(MuxError.OPEN_REFUSED);
  }

  @Test
  void closingTheConnectionTearsDownAllStreams() throws Exception {
    connect();
    List<Recorder> serverRecs = new ArrayList<>();
    pair.server.onInbound =
        s -> {
          Recorder r = new Recorder();
          synchronized (serverRecs) {
            serverRecs.add(r);
          }
          s.pipeline().addLast(r);
        };
    List<StreamChannel> outs = new ArrayList<>();
    List<Recorder> clientRecs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Recorder r = new Recorder();
      clientRecs.add(r);
      StreamChannel s = pair.client.open(r);
      s.writeAndFlush(utf8("data"));
      outs.add(s);
    }
    List<StreamChannel> ins = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ins.add(pair.server.nextAccepted());
    }
    pair.client.conn.close().sync();
    for (StreamChannel s : outs) {
      assertThat(s.isActive()).isFalse();
      assertThat(s.closeCause().error()).isEqualTo(MuxError.CONNECTION_CLOSED);
    }
    assertThat(clientRecs.get(0).reset()).isNotNull();
    await().atMost(WAIT).until(() -> ins.stream().noneMatch(StreamChannel::isActive));
    for (StreamChannel s : ins) {
      assertThat(s.closeCause().error()).isEqualTo(MuxError.CONNECTION_CLOSED);
    }
    assertThat(pair.client.mux.activeStreams()).isZero();
    assertThat(pair.server.mux.activeStreams()).isZero();
    Future<StreamChannel> late = pair.client.mux.openStream(null).await();
    assertThat(late.isSuccess()).isFalse();
  }

  @Test
  void handlersMayCloseStreamsFromChannelRead() throws Exception {
    connect();
    pair.server.onInbound =
        s ->
            s.pipeline()
                .addLast(
                    new ChannelInboundHandlerAdapter() {
                      @Override
                      public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        ctx.close();
                      }
                    });
    Recorder rec = new Recorder();
    StreamChannel out = pair.client.open(rec);
    // several frames queued at once: the ones after the close must be released, not delivered.
    for (int i = 0; i < 10; i++) {
      out.write(utf8("frame" + i));
    }
    out.flush();
    await().atMost(WAIT).until(rec::inputShutdown);
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 0);
    assertThat(pair.server.conn.isActive()).isTrue();
  }

  @Test
  void openStreamWorksFromAnyThread() throws Exception {
    connect();
    List<Future<StreamChannel>> futures = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      futures.add(pair.client.mux.openStream(null));
    }
    for (Future<StreamChannel> f : futures) {
      assertThat(f.get(10, TimeUnit.SECONDS).isActive()).isTrue();
    }
    assertThat(pair.client.mux.activeStreams()).isEqualTo(10);
    await().atMost(WAIT).until(() -> pair.server.mux.activeStreams() == 10);
  }

  /** Seeded random mix of complete, reset and closed streams, all at once ({@code -Dmux.seed=N}). */
  @Test
  void randomMixOfStreamEndingsLeavesNothingBehind() throws Exception {
    connect();
    randomMix(pair.client, pair.server, Long.getLong("mux.seed", 20261122));
  }

  @Test
  void randomMixOfStreamEndingsOpenedByTheListener() throws Exception {
    connect();
    randomMix(pair.server, pair.client, Long.getLong("mux.seed", 7) + 1);
  }

  private void randomMix(MuxPair.Side opener, MuxPair.Side echoer, long seed) throws Exception {
    Random random = new Random(seed);
    int streams = 60;
    List<StreamChannel> outs = new ArrayList<>();
    List<Recorder> recs = new ArrayList<>();
    List<Integer> endings = new ArrayList<>();
    List<Long> crcs = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (int i = 0; i < streams; i++) {
      Recorder rec = new Recorder();
      StreamChannel s = opener.open(rec);
      byte[] data = randomBytes(random.nextInt(200_000) + 1, i);
      int ending = random.nextInt(3); // 0 closeWrite, 1 reset part-way, 2 close after writing
      if (ending == 1) {
        writeChunks(s, java.util.Arrays.copyOf(data, data.length / 2), 1 + random.nextInt(20_000));
        s.reset();
      } else {
        writeChunks(s, data, 1 + random.nextInt(20_000));
        if (ending == 0) {
          s.closeWrite();
        } else {
          s.closeWrite().addListener(f -> s.close());
        }
      }
      outs.add(s);
      recs.add(rec);
      endings.add(ending);
      crcs.add(crc(data));
      sizes.add(data.length);
    }
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(opener.mux.activeStreams()).as("opener streams; %s", opener.events).isZero();
              assertThat(echoer.mux.activeStreams()).as("echoer streams; %s", echoer.events).isZero();
            });
    for (int i = 0; i < streams; i++) {
      StreamChannel s = outs.get(i);
      assertThat(s.isActive()).isFalse();
      switch (endings.get(i)) {
        case 0 -> {
          assertThat(recs.get(i).received()).as("echo of stream %d", i).isEqualTo((long) sizes.get(i));
          assertThat(recs.get(i).crc()).as("echo content of stream %d", i).isEqualTo(crcs.get(i));
          assertThat(s.closeCause()).isNull();
        }
        case 1 -> assertThat(s.closeCause().error()).isEqualTo(MuxError.RESET_BY_LOCAL);
        default -> assertThat(s.closeCause()).as("stream %d closed cleanly", i).isNull();
      }
    }
    assertThat(opener.events.toString()).doesNotContain("protocolError");
    assertThat(echoer.events.toString()).doesNotContain("protocolError");
    assertThat(echoer.onLoop(() -> echoer.mux.bufferedInboundBytes())).isZero();
  }
}
