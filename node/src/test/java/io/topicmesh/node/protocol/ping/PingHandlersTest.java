package io.topicmesh.node.protocol.ping;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import io.topicmesh.node.testing.NettyLeakCheck;
import org.junit.jupiter.api.extension.RegisterExtension;

class PingHandlersTest {
  @RegisterExtension static final NettyLeakCheck LEAKS = new NettyLeakCheck("io.topicmesh");

  @Test
  void responderEchoesEachWholePayloadOnly() {
    EmbeddedChannel ch = new EmbeddedChannel(new PingResponder());
    byte[] payload = new byte[70];
    new Random(1).nextBytes(payload);
    ByteBuf in = Unpooled.wrappedBuffer(payload);
    ch.writeInbound(in.retainedSlice(0, 20));
    assertThat((Object) ch.readOutbound()).isNull();
    ch.writeInbound(in.retainedSlice(20, 50));
    ByteBuf e1 = ch.readOutbound();
    ByteBuf e2 = ch.readOutbound();
    assertThat((Object) ch.readOutbound()).isNull();
    assertThat(e1).isEqualTo(Unpooled.wrappedBuffer(payload, 0, 32));
    assertThat(e2).isEqualTo(Unpooled.wrappedBuffer(payload, 32, 32));
    e1.release();
    e2.release();
    ch.finishAndReleaseAll();
    in.release();
    assertThat(in.refCnt()).isZero();
  }

  @Test
  void initiatorMeasuresRttWithInjectedClock() {
    AtomicLong now = new AtomicLong(1_000);
    PingInitiator initiator = new PingInitiator(new Random(7), now::get);
    EmbeddedChannel ch = new EmbeddedChannel(initiator);
    Promise<Duration> p = initiator.ping();
    ByteBuf sent = ch.readOutbound();
    assertThat(sent.readableBytes()).isEqualTo(32);
    now.addAndGet(2_500_000);
    ch.writeInbound(sent.retainedSlice(0, 10));
    assertThat(p.isDone()).isFalse();
    ch.writeInbound(sent.retainedSlice(10, 22));
    assertThat(p.isSuccess()).isTrue();
    assertThat(p.getNow()).isEqualTo(Duration.ofNanos(2_500_000));
    // The stream can be reused.
    Promise<Duration> p2 = initiator.ping();
    ByteBuf sent2 = ch.readOutbound();
    ch.writeInbound(sent2.retain());
    assertThat(p2.isSuccess()).isTrue();
    sent.release();
    sent2.release();
    ch.finishAndReleaseAll();
    assertThat(sent.refCnt()).isZero();
    assertThat(sent2.refCnt()).isZero();
  }

  @Test
  void wrongEchoFailsAndCloses() {
    PingInitiator initiator = new PingInitiator(new Random(7), System::nanoTime);
    EmbeddedChannel ch = new EmbeddedChannel(initiator);
    Promise<Duration> p = initiator.ping();
    ByteBuf sent = ch.readOutbound();
    sent.release();
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[32]));
    assertThat(p.cause()).isInstanceOf(PingException.class).hasMessageContaining("differs");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void secondConcurrentPingIsRefusedAndCloseFailsTheFirst() {
    PingInitiator initiator = new PingInitiator(new Random(7), System::nanoTime);
    EmbeddedChannel ch = new EmbeddedChannel(initiator);
    Promise<Duration> p = initiator.ping();
    Promise<Duration> p2 = initiator.ping();
    assertThat(p2.cause()).isInstanceOf(PingException.class).hasMessageContaining("already outstanding");
    ch.close();
    assertThat(p.cause()).isInstanceOf(PingException.class).hasMessageContaining("closed");
    ch.finishAndReleaseAll();
  }

  @Test
  void unsolicitedEchoClosesTheStream() {
    EmbeddedChannel ch = new EmbeddedChannel(new PingInitiator(new Random(7), System::nanoTime));
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[32]));
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }
}
