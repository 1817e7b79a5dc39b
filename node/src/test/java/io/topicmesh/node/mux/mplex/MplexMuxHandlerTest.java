package io.topicmesh.node.mux.mplex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxHandlerAbstractTest;
import io.topicmesh.node.mux.MuxPair;
import io.topicmesh.node.mux.Recorder;
import io.topicmesh.node.mux.StreamChannel;
import org.junit.jupiter.api.Test;

class MplexMuxHandlerTest extends MuxHandlerAbstractTest {
  @Override
  protected MuxPair.Factory factory() {
    return MplexHandler::new;
  }

  @Test
  void slowReaderIsResetWhenItsBufferPassesTheBound() throws Exception {
    int bound = MuxConfig.MPLEX_MAX_FRAME;
    connect(MuxConfig.defaults(), MuxConfig.defaults().withMplexMaxStreamBufferBytes(bound));
    Recorder serverRec = new Recorder();
    pair.server.onInbound =
        s -> {
          s.config().setAutoRead(false);
          s.pipeline().addLast(serverRec);
        };
    Recorder clientRec = new Recorder();
    StreamChannel out = pair.client.open(clientRec);
    writeChunks(out, randomBytes(3 * bound, 3), 64 * 1024);
    StreamChannel in = pair.server.nextAccepted();
    await().atMost(WAIT).until(() -> !in.isActive());
    assertThat(in.closeCause().error()).isEqualTo(MuxError.STREAM_BUFFER_OVERFLOW);
    assertThat(serverRec.received()).as("nothing was read").isZero();
    await().atMost(WAIT).until(() -> !out.isActive());
    assertThat(clientRec.reset().cause().error()).isEqualTo(MuxError.RESET_BY_REMOTE);
    assertThat(pair.server.events.get("closed", MuxError.STREAM_BUFFER_OVERFLOW)).isEqualTo(1);

    // the connection and other streams are unaffected
    pair.server.onInbound = s -> s.pipeline().addLast(new io.topicmesh.node.mux.Echo());
    Recorder echo = new Recorder();
    StreamChannel other = pair.client.open(echo);
    other.writeAndFlush(utf8("still fine"));
    await().atMost(WAIT).until(() -> echo.received() == 10);
    assertThat(pair.server.conn.isActive()).isTrue();
  }
}
