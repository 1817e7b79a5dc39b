package io.topicmesh.node.multistream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import io.topicmesh.node.testing.NettyLeakCheck;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.Size;

class MultistreamFuzzTest {
  private static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh.node.multistream");

  @BeforeContainer
  static void listenForLeaks() {
    LEAKS.start();
  }

  @AfterContainer
  static void noLeaks() {
    LEAKS.verify();
  }

  private static final byte[] HEADER = {
    0x13, '/', 'm', 'u', 'l', 't', 'i', 's', 't', 'r', 'e', 'a', 'm', '/', '1', '.', '0', '.', '0',
    '\n'
  };

  /**
   * Arbitrary bytes, after a valid header or not, in arbitrary chunks: no exception escapes the
   * pipeline, every input buffer is released, and the handler either still waits, agreed, or
   * failed with a typed reason and closed the channel.
   */
  @Property(tries = 500)
  void arbitraryInputIsHandled(
      @ForAll boolean withHeader, @ForAll @Size(max = 40) List<@Size(max = 64) byte[]> chunks) {
    EmbeddedPair.Capture capture = new EmbeddedPair.Capture();
    MultistreamHandler r =
        MultistreamHandler.responder(
            List.of("/a", "/noise"), Duration.ofSeconds(5), (c, p) -> c.pipeline().addLast(capture));
    EmbeddedChannel ch = new EmbeddedChannel(r);
    List<ByteBuf> sent = new ArrayList<>();
    if (withHeader) {
      ByteBuf h = Unpooled.copiedBuffer(HEADER);
      sent.add(h);
      ch.writeInbound(h);
    }
    for (byte[] c : chunks) {
      if (c.length == 0 || !ch.isOpen()) {
        continue;
      }
      ByteBuf buf = Unpooled.copiedBuffer(c);
      sent.add(buf);
      ch.writeInbound(buf);
    }
    if (r.protocolFuture().isCompletedExceptionally()) {
      assertThat(ch.isOpen()).isFalse();
      assertThat(r.protocolFuture().handle((v, e) -> e)
              .join()).isInstanceOf(MultistreamException.class);
    }
    ch.finishAndReleaseAll();
    for (ByteBuf b : sent) {
      assertThat(b.refCnt()).isZero();
    }
  }
}
