package io.topicmesh.node.mux;

import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Two muxers connected by an in-JVM netty LocalChannel connection or loopback TCP, each connection
 * end on its own event loop thread.
 */
public final class MuxPair implements AutoCloseable {
  /** Creates the muxer under test. */
  public interface Factory {
    MuxHandler create(
        boolean initiator, MuxConfig config, ChannelHandler inboundInit, MuxListener listener);
  }

  /** One end of the connection. */
  public static final class Side {
    public volatile Channel conn;
    public volatile MuxHandler mux;
    public final CountingListener events = new CountingListener();
    public final BlockingQueue<StreamChannel> accepted = new LinkedBlockingQueue<>();
    /** What each inbound stream's pipeline gets; echo unless a test says otherwise. */
    public volatile Consumer<StreamChannel> onInbound = s -> s.pipeline().addLast(new Echo());

    final ChannelInitializer<StreamChannel> init =
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(StreamChannel s) {
            onInbound.accept(s);
            accepted.add(s);
          }
        };

    /** The next inbound stream, waiting for it up to 10 s. */
    public StreamChannel nextAccepted() throws InterruptedException {
      StreamChannel s = accepted.poll(10, TimeUnit.SECONDS);
      if (s == null) {
        throw new AssertionError("no inbound stream arrived within 10 s; events " + events);
      }
      return s;
    }

    /** Opens a stream whose pipeline holds {@code handlers}. */
    public StreamChannel open(ChannelHandler... handlers) throws Exception {
      return mux.openStream(
              new ChannelInitializer<StreamChannel>() {
                @Override
                protected void initChannel(StreamChannel s) {
                  s.pipeline().addLast(handlers);
                }
              })
          .get(10, TimeUnit.SECONDS);
    }

    /** Runs {@code task} on this side's event loop and returns its result. */
    public <T> T onLoop(Callable<T> task) throws Exception {
      return conn.eventLoop().submit(task).get(10, TimeUnit.SECONDS);
    }
  }

  private static final AtomicInteger SEQ = new AtomicInteger();

  public final Side client = new Side();
  public final Side server = new Side();
  private final Channel serverChannel;

  private final EventLoopGroup group;

  /** Over an in-JVM LocalChannel connection. */
  public MuxPair(Factory factory, MuxConfig clientConfig, MuxConfig serverConfig) throws Exception {
    this(factory, clientConfig, serverConfig, false);
  }

  /** Over loopback TCP (NIO) if {@code tcp}, else over an in-JVM LocalChannel connection. */
  public MuxPair(Factory factory, MuxConfig clientConfig, MuxConfig serverConfig, boolean tcp)
      throws Exception {
    group = new MultiThreadIoEventLoopGroup(2, tcp ? NioIoHandler.newFactory() : LocalIoHandler.newFactory());
    SocketAddress address =
        tcp ? new InetSocketAddress("127.0.0.1", 0) : new LocalAddress("mux-test-" + SEQ.incrementAndGet());
    serverChannel =
        new ServerBootstrap()
            .group(group)
            .channel(tcp ? NioServerSocketChannel.class : LocalServerChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    server.mux = factory.create(false, serverConfig, server.init, server.events);
                    ch.pipeline().addLast(server.mux);
                    server.conn = ch;
                  }
                })
            .bind(address)
            .sync()
            .channel();
    client.conn =
        new Bootstrap()
            .group(group)
            .channel(tcp ? NioSocketChannel.class : LocalChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    client.mux = factory.create(true, clientConfig, client.init, client.events);
                    ch.pipeline().addLast(client.mux);
                  }
                })
            .connect(serverChannel.localAddress())
            .sync()
            .channel();
    await().atMost(Duration.ofSeconds(10)).until(() -> server.conn != null && server.conn.isActive());
  }

  @Override
  public void close() {
    if (client.conn != null) {
      client.conn.close().syncUninterruptibly();
    }
    serverChannel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
