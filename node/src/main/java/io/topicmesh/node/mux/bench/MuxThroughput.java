package io.topicmesh.node.mux.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxHandler;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A JMH-free throughput harness for the muxers: N concurrent streams each send M bytes as fast as
 * stream backpressure allows to a sink that discards them and half-closes when the sender does;
 * the run ends when every stream has seen the sink's EOF, i.e. every byte was consumed.
 *
 * <p>{@link #measure} works on any connected pair of muxers (the integrator runs it over TCP +
 * noise); the sink side must have been built with {@link #sinkInitializer()} as its inbound
 * stream initializer. {@link #main} runs yamux (and mplex) over an in-JVM LocalChannel or a
 * loopback TCP connection without security:
 *
 * <pre>java -cp node.jar io.topicmesh.node.mux.bench.MuxThroughput [local|tcp] [yamux|mplex] [MiB]</pre>
 */
public final class MuxThroughput {
  private static final int CHUNK = 16 * 1024;

  private MuxThroughput() {}

  /** One measurement. */
  public record Result(String label, int streams, long bytes, Duration elapsed) {
    public double mibPerSecond() {
      return bytes / (1024.0 * 1024.0) / (elapsed.toNanos() / 1e9);
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT, "%-28s streams=%3d bytes=%,d time=%d ms -> %.1f MiB/s",
          label, streams, bytes, elapsed.toMillis(), mibPerSecond());
    }
  }

  /** The sink's inbound-stream initializer: discard data, count it, half-close on EOF. */
  public static ChannelHandler sinkInitializer() {
    return sinkInitializer(new AtomicLong());
  }

  /** As {@link #sinkInitializer()}, adding every received byte to {@code received}. */
  public static ChannelHandler sinkInitializer(AtomicLong received) {
    return new ChannelInitializer<StreamChannel>() {
      @Override
      protected void initChannel(StreamChannel s) {
        s.pipeline().addLast(new Sink(received));
      }
    };
  }

  /**
   * Opens {@code streams} streams on {@code source}, sends {@code bytesPerStream} on each and
   * waits until the sink has consumed all of it. Blocks the calling thread (not an event loop).
   */
  public static Result measure(String label, MuxHandler source, int streams, long bytesPerStream, Duration timeout)
      throws Exception {
    // every frame gets a slice of this one buffer; the muxer releases the slices.
    ByteBuf payload = Unpooled.wrappedBuffer(new byte[CHUNK]);
    List<Future<Void>> done = new ArrayList<>();
    long start = System.nanoTime();
    try {
      for (int i = 0; i < streams; i++) {
        Source src = new Source(payload, bytesPerStream);
        StreamChannel s = source.openStream(src).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        done.add(src.done(s));
      }
      long deadline = start + timeout.toNanos();
      for (Future<Void> f : done) {
        long left = deadline - System.nanoTime();
        if (!f.await(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
          throw new IllegalStateException(label + ": not finished within " + timeout);
        }
        if (!f.isSuccess()) {
          throw new IllegalStateException(label + ": stream failed", f.cause());
        }
      }
    } finally {
      payload.release();
    }
    return new Result(label, streams, streams * bytesPerStream, Duration.ofNanos(System.nanoTime() - start));
  }

  /** Runs the in-JVM benchmark and prints one line per run. */
  public static void main(String[] args) throws Exception {
    String transport = args.length > 0 ? args[0] : "local";
    String muxer = args.length > 1 ? args[1] : "yamux";
    long mib = args.length > 2 ? Long.parseLong(args[2]) : 256;
    for (Result r : runAll(transport, muxer, mib << 20, true)) {
      System.out.println(r);
    }
  }

  /**
   * Connects two muxers over {@code transport} ("local" or "tcp") and measures 1 stream and 64
   * streams moving {@code totalBytes} each run, after a short warm-up if {@code warmUp}.
   */
  public static List<Result> runAll(String transport, String muxer, long totalBytes, boolean warmUp)
      throws Exception {
    Function<ChannelHandler, MuxHandler> server =
        init -> muxer.equals("mplex")
            ? new MplexHandler(false, MuxConfig.defaults(), init)
            : new YamuxHandler(false, MuxConfig.defaults(), init);
    Function<ChannelHandler, MuxHandler> client =
        init -> muxer.equals("mplex")
            ? new MplexHandler(true, MuxConfig.defaults(), init)
            : new YamuxHandler(true, MuxConfig.defaults(), init);
    boolean tcp = transport.equals("tcp");
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(2, tcp ? NioIoHandler.newFactory() : LocalIoHandler.newFactory());
    try {
      AtomicLong received = new AtomicLong();
      Channel serverChannel;
      Bootstrap b = new Bootstrap().group(group);
      MuxHandler[] source = new MuxHandler[1];
      ChannelInitializer<Channel> serverInit =
          new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(server.apply(sinkInitializer(received)));
            }
          };
      ChannelInitializer<Channel> clientInit =
          new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              source[0] = client.apply(null);
              ch.pipeline().addLast(source[0]);
            }
          };
      Channel conn;
      if (tcp) {
        serverChannel =
            new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(serverInit)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        conn = b.channel(NioSocketChannel.class).handler(clientInit).connect(serverChannel.localAddress()).sync().channel();
      } else {
        LocalAddress address = new LocalAddress("mux-throughput-" + System.nanoTime());
        serverChannel =
            new ServerBootstrap().group(group).channel(LocalServerChannel.class).childHandler(serverInit)
                .bind(address).sync().channel();
        conn = b.channel(LocalChannel.class).handler(clientInit).connect(address).sync().channel();
      }
      String prefix = muxer + "/" + transport;
      Duration timeout = Duration.ofMinutes(5);
      if (warmUp) {
        measure(prefix + " warm-up", source[0], 8, Math.max(totalBytes / 64, CHUNK), timeout);
      }
      List<Result> results = new ArrayList<>();
      for (int streams : new int[] {1, 64}) {
        received.set(0);
        Result r = measure(prefix + " " + streams + " stream(s)", source[0], streams, totalBytes / streams, timeout);
        if (received.get() != r.bytes()) {
          throw new IllegalStateException(r.label() + ": sink got " + received.get() + " bytes, sent " + r.bytes());
        }
        results.add(r);
      }
      conn.close().sync();
      serverChannel.close().sync();
      return results;
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Writes its quota while the stream is writable, then half-closes; done at the sink's EOF. */
  private static final class Source extends ChannelInboundHandlerAdapter {
    private final ByteBuf payload;
    private long remaining;
    private Promise<Void> done;

    Source(ByteBuf payload, long bytes) {
      this.payload = payload;
      this.remaining = bytes;
    }

    Future<Void> done(StreamChannel s) {
      return promise(s);
    }

    private synchronized Promise<Void> promise(Channel ch) {
      if (done == null) {
        done = ch.eventLoop().newPromise();
      }
      return done;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      promise(ctx.channel());
      pump(ctx);
      ctx.fireChannelActive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      pump(ctx);
      ctx.fireChannelWritabilityChanged();
    }

    private void pump(ChannelHandlerContext ctx) {
      if (remaining == 0) {
        return;
      }
      while (remaining > 0 && ctx.channel().isWritable()) {
        int n = (int) Math.min(CHUNK, remaining);
        remaining -= n;
        ctx.write(payload.retainedSlice(0, n));
      }
      ctx.flush();
      if (remaining == 0) {
        ((StreamChannel) ctx.channel()).closeWrite();
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ((ByteBuf) msg).release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == ChannelInputShutdownEvent.INSTANCE) {
        promise(ctx.channel()).trySuccess(null);
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      promise(ctx.channel()).tryFailure(new IllegalStateException("stream closed before the sink's EOF"));
      ctx.fireChannelInactive();
    }
  }

  /** Counts and discards; half-closes when the source does. */
  private static final class Sink extends ChannelInboundHandlerAdapter {
    private final AtomicLong received;

    Sink(AtomicLong received) {
      this.received = received;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      received.addAndGet(buf.readableBytes());
      buf.release();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == ChannelInputShutdownEvent.INSTANCE) {
        ((StreamChannel) ctx.channel()).closeWrite();
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
