package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.multistream.MultistreamException;
import io.topicmesh.node.multistream.MultistreamHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * multistream-select as a listener sees it: whatever the dialer sends, the negotiation ends in one
 * of the supported protocols or a {@link MultistreamException}, or is still waiting for bytes; the
 * handler itself never throws.
 */
class MultistreamFuzzTest {
  private static final List<String> SUPPORTED = List.of("/meshsub/1.1.0", "/yamux/1.0.0", "/noise");

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void responder(byte[] input) {
    MultistreamHandler handler = MultistreamHandler.responder(SUPPORTED, Duration.ofSeconds(10), null);
    EmbeddedChannel ch = new EmbeddedChannel(handler);
    try {
      ch.writeInbound(Unpooled.wrappedBuffer(input));
      ch.runPendingTasks();
      ch.checkException();
      CompletableFuture<String> result = handler.protocolFuture();
      if (result.isDone()) {
        try {
          assertThat(result.join()).isIn(SUPPORTED);
        } catch (CompletionException e) {
          assertThat(e.getCause()).isInstanceOf(MultistreamException.class);
        }
      }
      Object out;
      while ((out = ch.readOutbound()) != null) {
        ((ByteBuf) out).release();
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
