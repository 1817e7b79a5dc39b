package io.topicmesh.node.protocol.ping;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Promise;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Initiator side of ping on one stream: {@link #ping} writes 32 random bytes and completes with the
 * round-trip time when the same 32 bytes come back. One ping is outstanding at a time; the stream
 * can be reused for further pings. A wrong echo fails the ping and closes the stream.
 *
 * <p>Echoes are compared in place in the cumulation (owned and released by the decoder).
 */
public final class PingInitiator extends ByteToMessageDecoder {
  private final Random random;
  private final LongSupplier nanoClock;
  private ChannelHandlerContext ctx;
  private byte[] outstanding;
  private long sentAtNanos;
  private Promise<Duration> pending;

  /**
   * @param random source of the payloads (a {@link java.security.SecureRandom} in production: the
   *     spec asks for random bytes so a responder cannot answer without reading)
   * @param nanoClock monotonic clock for RTT, e.g. {@code System::nanoTime}
   */
  public PingInitiator(Random random, LongSupplier nanoClock) {
    this.random = random;
    this.nanoClock = nanoClock;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Sends one ping; must be called on the channel's event loop or from any thread (it hops).
   *
   * @return a promise completed with the RTT, or failed with a {@link PingException}
   */
  public Promise<Duration> ping() {
    Promise<Duration> promise = ctx.executor().newPromise();
    if (ctx.executor().inEventLoop()) {
      start(promise);
    } else {
      ctx.executor().execute(() -> start(promise));
    }
    return promise;
  }

  private void start(Promise<Duration> promise) {
    if (pending != null) {
      promise.tryFailure(new PingException("a ping is already outstanding on this stream"));
      return;
    }
    if (!ctx.channel().isActive()) {
      promise.tryFailure(new PingException("ping stream is closed"));
      return;
    }
    byte[] payload = new byte[PingProtocol.PAYLOAD_BYTES];
    random.nextBytes(payload);
    outstanding = payload;
    pending = promise;
    sentAtNanos = nanoClock.getAsLong();
    ctx.writeAndFlush(ctx.alloc().buffer(payload.length).writeBytes(payload))
        .addListener(f -> {
          if (!f.isSuccess()) {
            fail("could not send ping: " + f.cause().getMessage());
          }
        });
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (in.readableBytes() >= PingProtocol.PAYLOAD_BYTES) {
      if (pending == null) {
        in.skipBytes(in.readableBytes());
        fail("unsolicited ping echo");
        ctx.close();
        return;
      }
      byte[] echo = new byte[PingProtocol.PAYLOAD_BYTES];
      in.readBytes(echo);
      long rtt = nanoClock.getAsLong() - sentAtNanos;
      if (!Arrays.equals(echo, outstanding)) {
        fail("ping echo differs from the payload sent");
        ctx.close();
        return;
      }
      Promise<Duration> p = pending;
      pending = null;
      outstanding = null;
      p.trySuccess(Duration.ofNanos(rtt));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    fail("ping stream closed before the echo arrived");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail("ping stream failed: " + cause.getMessage());
    ctx.close();
  }

  private void fail(String why) {
    Promise<Duration> p = pending;
    pending = null;
    outstanding = null;
    if (p != null) {
      p.tryFailure(new PingException(why));
    }
  }
}
