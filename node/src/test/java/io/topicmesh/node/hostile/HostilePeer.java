package io.topicmesh.node.hostile;

import com.google.protobuf.ByteString;
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
import io.topicmesh.node.pubsub.net.LocalPubsubNode;
import io.topicmesh.node.pubsub.router.MessageSigning;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A misbehaving gossipsub peer built from our own stack: a {@link Host} (TCP, noise, yamux,
 * multistream) with no router. It completes the real handshake and opens a {@code /meshsub/1.1.0}
 * stream, then writes whatever RPCs a test crafts. What the victim sends back is decoded and
 * counted (PRUNEs with their backoff, IWANT ids, messages), so a test can see how it is treated.
 */
final class HostilePeer implements AutoCloseable {
  static final String PROTOCOL = "/meshsub/1.1.0";

  final PrivKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom());
  final PeerId id = PeerId.fromPublicKey(key.publicKey());
  final Host host;
  private StreamChannel out;
  /** The victim's pubsub stream to us (the last one it opened). */
  private volatile StreamChannel inbound;
  private long seqno;
  private long writes;

  final AtomicLong framesIn = new AtomicLong();
  final AtomicLong messagesIn = new AtomicLong();
  final AtomicLong iwantIdsIn = new AtomicLong();
  final Queue<ControlPrune> prunesIn = new ConcurrentLinkedQueue<>();

  HostilePeer(String listenIp) {
    this(listenIp, c -> c);
  }

  /** As {@link #HostilePeer(String)}, with the host's configuration adjusted (muxers, limits). */
  HostilePeer(String listenIp, java.util.function.UnaryOperator<HostConfig> customise) {
    host = Host.create(customise.apply(HostConfig.defaults(key)
        .withListen(List.of(Multiaddr.parse("/ip4/" + listenIp + "/tcp/0"))).withIoThreads(1)));
    host.start();
    host.setStreamHandler(PROTOCOL, (stream, protocol, conn) -> {
      inbound = stream;
      stream.pipeline().addLast(new Reader());
    });
  }

  /** Connects to {@code victim} (full handshake) and opens our pubsub stream to it. */
  void connect(LocalPubsubNode victim) throws Exception {
    host.dial(victim.address()).get(10, TimeUnit.SECONDS);
    out = host.newStream(victim.host().peerId(), List.of(PROTOCOL)).get(10, TimeUnit.SECONDS);
  }

  /** Our connection to the victim. */
  io.topicmesh.node.transport.Connection connection() {
    return host.connections().get(0);
  }

  /**
   * Stops reading from the victim's TCP connection (netty autoRead off): the victim's writes fill
   * the socket buffers and, above them, its muxer's send window for our streams.
   */
  void stopReading() {
    StreamChannel in = inbound;
    if (in != null) {
      in.config().setAutoRead(false); // stream level: our yamux window for it stays shut
    }
    var ch = connection().channel();
    // TCP level: autoRead off, and read() requests from the handlers above (decoders ask for more
    // when autoRead is off) are swallowed, so nothing more is taken off the socket.
    ch.pipeline().addFirst("stop-reading", new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void read(ChannelHandlerContext ctx) {
        // never read again
      }
    });
    ch.config().setAutoRead(false);
  }

  /**
   * Opens a muxer stream to the victim and sends nothing on it, not even multistream-select: a
   * half-opened stream. The future fails if our own muxer refuses (its limits) or completes with
   * the stream, which the victim may reset at once if it is over its inbound limit.
   */
  io.netty.util.concurrent.Future<StreamChannel> openRawStream() {
    return connection().muxer().openStream(null);
  }

  /** Whether our pubsub stream to the victim is still open. */
  boolean streamOpen() {
    return out.isActive();
  }

  /** Opens a new pubsub stream to the victim, as after a reset. */
  void reopen(LocalPubsubNode victim) throws Exception {
    out = host.newStream(victim.host().peerId(), List.of(PROTOCOL)).get(10, TimeUnit.SECONDS);
  }

  /**
   * Writes one RPC frame; every 16th write (and any write while the stream is not writable) waits
   * until it is on the wire, so a loop cannot outrun the socket.
   */
  void write(Rpc rpc) {
    var f = out.writeAndFlush(Unpooled.wrappedBuffer(RpcCodec.encodeFrame(rpc)));
    if (++writes % 16 == 0 || !out.isWritable()) {
      f.syncUninterruptibly();
    }
  }

  /** Writes bytes as they are. */
  void writeRaw(ByteBuf bytes) {
    out.writeAndFlush(bytes).syncUninterruptibly();
  }

  static Rpc control(ControlMessage c) {
    return Rpc.ofControl(c);
  }

  /** A message on {@code topic} correctly signed by this peer. */
  PubsubMessage signed(String topic, byte[] data) {
    ByteString seq = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(++seqno).array());
    PubsubMessage m = new PubsubMessage(ByteString.copyFrom(id.bytes()), ByteString.copyFrom(data), seq,
        topic, null, null);
    return MessageSigning.sign(m, key, id);
  }

  /** A message whose signature does not verify (one bit of it flipped). */
  PubsubMessage badSignature(String topic, byte[] data) {
    PubsubMessage m = signed(topic, data);
    byte[] sig = m.signature().toByteArray();
    sig[sig.length / 2] ^= 0x01;
    return m.withSignature(ByteString.copyFrom(sig), m.key());
  }

  /** A message without any signing fields: invalid under StrictSign. */
  static PubsubMessage unsigned(String topic, byte[] data) {
    return PubsubMessage.anonymous(topic, ByteString.copyFrom(data));
  }

  /**
   * A signed peer record envelope (libp2p RFC 0003: payload type 0x0301, domain
   * "libp2p-peer-record") for {@code signer}'s peer id and {@code addrs}.
   */
  static byte[] signedPeerRecord(PrivKey signer, List<Multiaddr> addrs) {
    try {
      PeerId peer = PeerId.fromPublicKey(signer.publicKey());
      java.io.ByteArrayOutputStream rec = new java.io.ByteArrayOutputStream();
      com.google.protobuf.CodedOutputStream r = com.google.protobuf.CodedOutputStream.newInstance(rec);
      r.writeByteArray(1, peer.bytes());
      r.writeUInt64(2, System.currentTimeMillis());
      for (Multiaddr a : addrs) {
        java.io.ByteArrayOutputStream ai = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream aio = com.google.protobuf.CodedOutputStream.newInstance(ai);
        aio.writeByteArray(1, a.bytes());
        aio.flush();
        r.writeByteArray(3, ai.toByteArray());
      }
      r.flush();
      byte[] payloadType = {3, 1};
      byte[] payload = rec.toByteArray();
      java.io.ByteArrayOutputStream toSign = new java.io.ByteArrayOutputStream();
      for (byte[] part : List.of("libp2p-peer-record".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          payloadType, payload)) {
        toSign.writeBytes(io.topicmesh.node.util.Varint.encode(part.length));
        toSign.writeBytes(part);
      }
      java.io.ByteArrayOutputStream env = new java.io.ByteArrayOutputStream();
      com.google.protobuf.CodedOutputStream e = com.google.protobuf.CodedOutputStream.newInstance(env);
      e.writeByteArray(1, signer.publicKey().bytes());
      e.writeByteArray(2, payloadType);
      e.writeByteArray(3, payload);
      e.writeByteArray(5, signer.sign(toSign.toByteArray()));
      e.flush();
      return env.toByteArray();
    } catch (java.io.IOException x) {
      throw new java.io.UncheckedIOException(x);
    }
  }

  @Override
  public void close() {
    host.close();
  }

  /** Length-prefixed frames from the victim, decoded and counted. */
  private final class Reader extends ChannelInboundHandlerAdapter {
    private final RpcCodec codec = new RpcCodec(RpcLimits.defaults());
    private ByteBuf acc = Unpooled.buffer();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof ByteBuf b) {
          acc.writeBytes(b);
          drain();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void drain() {
      while (true) {
        acc.markReaderIndex();
        long len = 0;
        int shift = 0;
        boolean complete = false;
        while (acc.isReadable() && shift < 64) {
          byte b = acc.readByte();
          len |= (long) (b & 0x7f) << shift;
          shift += 7;
          if ((b & 0x80) == 0) {
            complete = true;
            break;
          }
        }
        if (!complete || acc.readableBytes() < len) {
          acc.resetReaderIndex();
          acc.discardReadBytes();
          return;
        }
        byte[] payload = new byte[(int) len];
        acc.readBytes(payload);
        framesIn.incrementAndGet();
        Rpc rpc = codec.decode(payload);
        messagesIn.addAndGet(rpc.publish().size());
        prunesIn.addAll(rpc.control().prune());
        for (ControlIWant w : rpc.control().iwant()) {
          iwantIdsIn.addAndGet(w.messageIds().size());
        }
      }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      acc.release();
      acc = Unpooled.EMPTY_BUFFER;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
