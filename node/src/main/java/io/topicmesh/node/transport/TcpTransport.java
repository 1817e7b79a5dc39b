package io.topicmesh.node.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * TCP on netty: native epoll when {@link Epoll#isAvailable()}, NIO otherwise. Owns one event loop
 * group used for listening sockets and connections alike; {@link #close()} shuts it down.
 *
 * <p>Connections read into buffers that adapt between 2 KiB and {@link #MAX_READ} (netty's default
 * stops at 64 KiB, less than one 65,537-byte noise frame, so nearly every frame was cut by a read
 * and had to be gathered), and stay writable until {@link #WRITE_HIGH} bytes wait in their
 * outbound buffer (netty's default 64 KiB is one noise frame: a bulk sender woke up for every
 * frame).
 */
public final class TcpTransport implements AutoCloseable {
  /** Largest read into one buffer; reads only grow this large while they keep filling it. */
  static final int MAX_READ = 256 * 1024;
  /** Outbound bytes queued in a connection at which it turns unwritable (soft bound). */
  static final int WRITE_HIGH = 256 * 1024;
  /** ... and writable again below this. */
  static final int WRITE_LOW = 128 * 1024;

  private final EventLoopGroup group;
  private final Class<? extends Channel> socketClass;
  private final Class<? extends ServerChannel> serverClass;
  private final String kind;

  private TcpTransport(int threads, boolean allowEpoll) {
    IoHandlerFactory factory;
    if (allowEpoll && Epoll.isAvailable()) {
      factory = EpollIoHandler.newFactory();
      socketClass = EpollSocketChannel.class;
      serverClass = EpollServerSocketChannel.class;
      kind = "epoll";
    } else {
      factory = NioIoHandler.newFactory();
      socketClass = NioSocketChannel.class;
      serverClass = NioServerSocketChannel.class;
      kind = "nio";
    }
    group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("topicmesh-io", true), factory);
  }

  /**
   * @param threads event loop threads; 0 means netty's default (2 × cores)
   */
  public static TcpTransport create(int threads) {
    return new TcpTransport(threads, true);
  }

  /** A transport that uses NIO even where epoll is available (tests, comparisons). */
  public static TcpTransport createNio(int threads) {
    return new TcpTransport(threads, false);
  }

  /** "epoll" or "nio". */
  public String kind() {
    return kind;
  }

  public EventLoopGroup group() {
    return group;
  }

  /** Binds a listening socket; {@code childInitializer} sets up each accepted connection. */
  public ChannelFuture listen(InetSocketAddress address, ChannelHandler childInitializer) {
    return new ServerBootstrap()
        .group(group)
        .channel(serverClass)
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ))
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_LOW, WRITE_HIGH))
        .childHandler(childInitializer)
        .bind(address);
  }

  /** Opens a connection; the future fails after {@code connectTimeout} if the SYN goes unanswered. */
  public ChannelFuture dial(InetSocketAddress remote, ChannelHandler initializer, Duration connectTimeout) {
    return new Bootstrap()
        .group(group)
        .channel(socketClass)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ))
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_LOW, WRITE_HIGH))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .handler(initializer)
        .connect(remote);
  }

  /** Shuts the event loops down and waits (bounded) for them to finish. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
