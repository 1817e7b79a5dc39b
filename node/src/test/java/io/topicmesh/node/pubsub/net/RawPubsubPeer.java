package io.topicmesh.node.pubsub.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.HostConfig;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.StreamChannel;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A host with no router that speaks pubsub by hand: it accepts the node's outbound stream (and
 * discards what arrives on it) and writes whatever frames a test wants on its own stream to the
 * node, including malformed ones.
 */
final class RawPubsubPeer implements AutoCloseable {
  static final String PROTOCOL = "/meshsub/1.1.0";

  final PrivKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom());
  final PeerId id = PeerId.fromPublicKey(key.publicKey());
  final Host host;
  StreamChannel out;

  RawPubsubPeer(String listenIp) {
    host = Host.create(HostConfig.defaults(key)
        .withListen(List.of(Multiaddr.parse("/ip4/" + listenIp + "/tcp/0"))).withIoThreads(1));
    host.start();
    host.setStreamHandler(PROTOCOL, (stream, protocol, conn) -> stream.pipeline()
        .addLast(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
          }
        }));
  }

  /** Connects to {@code node} and opens our pubsub stream to it. */
  void connect(LocalPubsubNode node) throws Exception {
    host.dial(node.address()).get(10, TimeUnit.SECONDS);
    out = host.newStream(node.host().peerId(), List.of(PROTOCOL)).get(10, TimeUnit.SECONDS);
  }

  void write(Rpc rpc) {
    writeRaw(Unpooled.wrappedBuffer(RpcCodec.encodeFrame(rpc)));
  }

  /** Writes bytes as they are; the stream owns {@code bytes} from here. */
  void writeRaw(ByteBuf bytes) {
    out.writeAndFlush(bytes).syncUninterruptibly();
  }

  @Override
  public void close() {
    host.close();
  }
}
