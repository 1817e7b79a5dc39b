package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import io.topicmesh.node.testing.NettyLeakCheck;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.Size;

class NoiseHandshakeFuzzTest {
  private static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh.node.security.noise");

  @BeforeContainer
  static void listenForLeaks() {
    LEAKS.start();
  }

  @AfterContainer
  static void noLeaks() {
    LEAKS.verify();
  }

  private static final PrivKey KEY = PrivKey.generate(KeyType.ED25519, new SecureRandom());

  /** Garbage handshake traffic to either role: typed failure or still waiting; nothing leaks. */
  @Property(tries = 300)
  void arbitraryHandshakeBytesAreHandled(
      @ForAll boolean initiator, @ForAll @Size(max = 20) List<@Size(max = 120) byte[]> chunks) {
    NoiseHandshakeHandler h =
        new NoiseHandshakeHandler(KEY, initiator, null, List.of("/yamux/1.0.0"), Duration.ofSeconds(5));
    EmbeddedChannel ch = new EmbeddedChannel(h);
    List<ByteBuf> sent = new ArrayList<>();
    for (byte[] c : chunks) {
      if (c.length == 0 || !ch.isOpen()) {
        continue;
      }
      ByteBuf buf = Unpooled.copiedBuffer(c);
      sent.add(buf);
      ch.writeInbound(buf);
    }
    // Random bytes can never complete an authenticated handshake.
    assertThat(h.sessionFuture().isDone() && !h.sessionFuture().isCompletedExceptionally()).isFalse();
    if (h.sessionFuture().isCompletedExceptionally()) {
      assertThat(ch.isOpen()).isFalse();
      assertThat(h.sessionFuture().handle((v, e) -> e).join()).isInstanceOf(NoiseException.class);
    }
    ch.finishAndReleaseAll();
    for (ByteBuf b : sent) {
      assertThat(b.refCnt()).isZero();
    }
  }
}
