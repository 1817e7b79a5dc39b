package io.topicmesh.node.mux.yamux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxHandlerAbstractTest;
import io.topicmesh.node.mux.MuxPair;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class YamuxMuxHandlerTest extends MuxHandlerAbstractTest {
  @Override
  protected MuxPair.Factory factory() {
    return YamuxHandler::new;
  }

  @Test
  void slowReaderStopsTheSenderAtTheWindow() throws Exception {
    connect();
    Recorder serverRec = new Recorder();
    pair.server.onInbound =
        s -> {
          s.config().setAutoRead(false);
          s.pipeline().addLast(serverRec);
        };
    byte[] data = randomBytes(2 << 20, 7);
    StreamChannel out = pair.client.open();
    writeChunks(out, data, 32 * 1024);
    StreamChannel in = pair.server.nextAccepted();
    int window = MuxConfig.defaults().yamuxInitialWindow();
    await().atMost(WAIT).until(() -> pair.server.onLoop(in::bufferedInboundBytes) == window);
    // the sender stopped at the window: the rest waits in the stream's own outbound buffer.
    assertThat(pair.client.onLoop(() -> out.isWritable())).isFalse();
    assertThat(pair.client.onLoop(() -> out.unsafe().outboundBuffer().totalPendingWriteBytes()))
        .isGreaterThanOrEqualTo((long) data.length - window);
    assertThat(serverRec.received()).isZero();

    in.config().setAutoRead(true);
    await().atMost(WAIT).until(() -> serverRec.received() == data.length);
    assertThat(serverRec.crc()).isEqualTo(crc(data));
    await().atMost(WAIT).until(() -> pair.client.onLoop(out::isWritable));
    assertThat(pair.client.events.get("protocolError", MuxError.WINDOW_OVERRUN)).isZero();
  }

  @Test
  void pingMeasuresTheRoundTrip() throws Exception {
    connect();
    YamuxHandler client = (YamuxHandler) pair.client.mux;
    Duration rtt = client.ping().get(10, TimeUnit.SECONDS);
    assertThat(rtt).isPositive();
    assertThat(client.rtt()).isPositive();
  }

  @Test
  void goAwayFromThePeerStopsNewStreamsButNotOldOnes() throws Exception {
    connect();
    Recorder rec = new Recorder();
    StreamChannel out = pair.client.open(rec);
    // the server's muxer sends GO_AWAY(normal) when its pipeline closes; emulate a server that is
    // draining by writing the frame directly.
    pair.server.conn.writeAndFlush(
        YamuxFrameCodec.encode(pair.server.conn.alloc(), YamuxType.GO_AWAY, 0, 0, YamuxGoAway.NORMAL));
    await()
        .atMost(WAIT)
        .until(() -> !pair.client.mux.openStream(null).await().isSuccess());
    out.writeAndFlush(utf8("still works"));
    await().atMost(WAIT).until(() -> rec.received() == 11);
    assertThat(pair.client.conn.isActive()).isTrue();
  }
}
