package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multistream.MultistreamException;
import io.topicmesh.node.multistream.MultistreamHandler;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection upgrade over real TCP on loopback: multistream picks /noise, Noise XX secures the
 * connection, multistream runs again (encrypted) to pick a muxer, then an echo carries 32 MiB.
 * (The client lists no muxers in the handshake, so no inlined muxer negotiation happens.)
 */
class NoiseLoopbackIT {
  private static final Logger log = LoggerFactory.getLogger(NoiseLoopbackIT.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Echoes every buffer back; ownership of each buffer passes to the write. */
  private static final class Echo extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ctx.writeAndFlush(msg);
    }
  }

  /** Hashes what arrives and completes once {@code expected} bytes came. */
  private static final class Digest extends ChannelInboundHandlerAdapter {
    final CompletableFuture<byte[]> done = new CompletableFuture<>();
    final MessageDigest md;
    final long expected;
    long received;

    Digest(long expected) throws Exception {
      this.expected = expected;
      md = MessageDigest.getInstance("SHA-256");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      try {
        received += buf.readableBytes();
        md.update(buf.nioBuffer());
      } finally {
        buf.release();
      }
      if (received >= expected) {
        done.complete(md.digest());
      }
    }
  }

  private Channel listen(PrivKey serverKey, CompletableFuture<SecureSession> serverSession) {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(
                        MultistreamHandler.responder(
                            List.of("/noise"),
                            TIMEOUT,
                            (c, p) -> {
                              NoiseHandshakeHandler noise =
                                  new NoiseHandshakeHandler(
                                      serverKey, false, null, List.of("/yamux/1.0.0"), TIMEOUT);
                              noise
                                  .sessionFuture()
                                  .whenComplete(
                                      (s, err) -> {
                                        if (err != null) {
                                          serverSession.completeExceptionally(err);
                                          return;
                                        }
                                        serverSession.complete(s);
                                        c.pipeline()
                                            .addLast(
                                                MultistreamHandler.responder(
                                                    List.of("/yamux/1.0.0"),
                                                    TIMEOUT,
                                                    (c2, p2) -> c2.pipeline().addLast(new Echo())));
                                      });
                              c.pipeline().addLast(noise);
                            }));
              }
            })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .syncUninterruptibly()
        .channel();
  }

  @Test
  void upgradeThenEchoManyMegabytes() throws Exception {
    PrivKey serverKey = PrivKey.generate(KeyType.ED25519, RANDOM);
    PrivKey clientKey = PrivKey.generate(KeyType.ED25519, RANDOM);
    CompletableFuture<SecureSession> serverSession = new CompletableFuture<>();
    Channel server = listen(serverKey, serverSession);

    int size = 32 << 20;
    byte[] payload = new byte[size];
    new Random(5).nextBytes(payload);
    Digest digest = new Digest(size);
    CompletableFuture<SecureSession> clientSession = new CompletableFuture<>();
    CompletableFuture<String> muxer = new CompletableFuture<>();
    PeerId serverId = PeerId.fromPublicKey(serverKey.publicKey());
    long[] t0 = new long[1];

    Channel client =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            MultistreamHandler.initiator(
                                List.of("/tls/1.0.0", "/noise"),
                                TIMEOUT,
                                (c, p) -> {
                                  NoiseHandshakeHandler noise =
                                      new NoiseHandshakeHandler(
                                          clientKey, true, serverId, List.of(), TIMEOUT);
                                  noise
                                      .sessionFuture()
                                      .whenComplete(
                                          (s, err) -> {
                                            if (err != null) {
                                              clientSession.completeExceptionally(err);
                                              return;
                                            }
                                            clientSession.complete(s);
                                            c.pipeline()
                                                .addLast(
                                                    MultistreamHandler.initiator(
                                                        List.of("/mplex/6.7.0", "/yamux/1.0.0"),
                                                        TIMEOUT,
                                                        (c2, p2) -> {
                                                          c2.pipeline().addLast(digest);
                                                          muxer.complete(p2);
                                                          t0[0] = System.nanoTime();
                                                          c2.writeAndFlush(
                                                              Unpooled.wrappedBuffer(payload));
                                                        }));
                                          });
                                  c.pipeline().addLast(noise);
                                }));
                  }
                })
            .connect(server.localAddress())
            .syncUninterruptibly()
            .channel();

    try {
      SecureSession cs = clientSession.get(10, TimeUnit.SECONDS);
      assertThat(cs.remotePeer()).isEqualTo(serverId);
      // The client listed no muxers in the handshake, so the muxer goes through multistream.
      assertThat(cs.inlinedMuxer()).isEmpty();
      assertThat(cs.remoteMuxers()).containsExactly("/yamux/1.0.0");
      assertThat(serverSession.get(10, TimeUnit.SECONDS).remotePeer())
          .isEqualTo(PeerId.fromPublicKey(clientKey.publicKey()));
      assertThat(muxer.get(10, TimeUnit.SECONDS)).isEqualTo("/yamux/1.0.0");
      byte[] got = digest.done.get(60, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0[0]) / 1e9;
      log.info(
          "noise echo of {} MiB over loopback: {} MB/s each way",
          size >> 20,
          String.format("%.1f", size / 1e6 / seconds));
      assertThat(got).isEqualTo(MessageDigest.getInstance("SHA-256").digest(payload));
    } finally {
      client.close().syncUninterruptibly();
      server.close().syncUninterruptibly();
    }
  }

  @Test
  void dialingTheWrongPeerFailsAndClosesBothEnds() throws Exception {
    PrivKey serverKey = PrivKey.generate(KeyType.ED25519, RANDOM);
    CompletableFuture<SecureSession> serverSession = new CompletableFuture<>();
    Channel server = listen(serverKey, serverSession);
    PeerId wrong = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, RANDOM).publicKey());
    CompletableFuture<SecureSession> clientSession = new CompletableFuture<>();
    Channel client =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                MultistreamHandler.initiator(
                    List.of("/noise"),
                    TIMEOUT,
                    (c, p) -> {
                      NoiseHandshakeHandler noise =
                          new NoiseHandshakeHandler(
                              PrivKey.generate(KeyType.ED25519, RANDOM), true, wrong, List.of(),
                              TIMEOUT);
                      noise.sessionFuture().whenComplete((s, e) -> {
                        if (e != null) {
                          clientSession.completeExceptionally(e);
                        } else {
                          clientSession.complete(s);
                        }
                      });
                      c.pipeline().addLast(noise);
                    }))
            .connect(server.localAddress())
            .syncUninterruptibly()
            .channel();
    try {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> clientSession.get(10, TimeUnit.SECONDS));
      assertThat(((NoiseException) e.getCause()).reason())
          .isEqualTo(NoiseException.Reason.PEER_ID_MISMATCH);
      assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
      ExecutionException se =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class, () -> serverSession.get(10, TimeUnit.SECONDS));
      assertThat(((NoiseException) se.getCause()).reason())
          .isEqualTo(NoiseException.Reason.UNEXPECTED_EOF);
    } finally {
      client.close().syncUninterruptibly();
      server.close().syncUninterruptibly();
    }
  }

  @Test
  void noCommonSecurityProtocol() throws Exception {
    PrivKey serverKey = PrivKey.generate(KeyType.ED25519, RANDOM);
    Channel server = listen(serverKey, new CompletableFuture<>());
    MultistreamHandler initiator = MultistreamHandler.initiator(List.of("/tls/1.0.0"), TIMEOUT, null);
    Channel client =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(initiator)
            .connect(server.localAddress())
            .syncUninterruptibly()
            .channel();
    try {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class,
              () -> initiator.protocolFuture().get(10, TimeUnit.SECONDS));
      assertThat(((MultistreamException) e.getCause()).reason())
          .isEqualTo(MultistreamException.Reason.NOT_SUPPORTED);
      assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      server.close().syncUninterruptibly();
    }
  }
}
