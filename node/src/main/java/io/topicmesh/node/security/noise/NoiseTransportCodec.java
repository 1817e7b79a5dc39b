package io.topicmesh.node.security.noise;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.util.ReferenceCountUtil;
import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The noise-libp2p transport after the handshake: every frame is a 2-byte big-endian length and a
 * ChaChaPoly ciphertext of at most {@link #MAX_FRAME_LENGTH} bytes.
 *
 * <p>Outbound: each {@link ByteBuf} written is encrypted, split into frames of at most {@link
 * #MAX_PLAINTEXT_LENGTH} plaintext bytes; the written buffer is released by this codec. Inbound:
 * the reader index moves only once a whole frame is buffered; each frame is decrypted into a new
 * buffer that is passed on (the next handler owns and releases it); empty frames are dropped.
 *
 * <p>A frame that fails authentication or is shorter than a tag ends the session: the channel is
 * closed, one line is logged and {@link #failure()} tells why. Installed by {@link
 * NoiseHandshakeHandler}; not shareable.
 */
public final class NoiseTransportCodec extends ByteToMessageCodec<ByteBuf> {
  /** Largest Noise message, the 2-byte length prefix excluded. */
  public static final int MAX_FRAME_LENGTH = 65535;

  /** Largest plaintext per frame: the frame limit less the 16-byte tag. */
  public static final int MAX_PLAINTEXT_LENGTH = MAX_FRAME_LENGTH - CipherState.TAG_LENGTH;

  private static final Logger log = LoggerFactory.getLogger(NoiseTransportCodec.class);
  private static final int LENGTH_PREFIX = 2;

  private final CipherState sender;
  private final CipherState receiver;
  private final NoiseMetrics metrics;
  private final String remote;
  private NoiseException failure;

  NoiseTransportCodec(
      CipherState sender, CipherState receiver, NoiseMetrics metrics, String remote) {
    super(ByteBuf.class);
    this.sender = sender;
    this.receiver = receiver;
    this.metrics = metrics;
    this.remote = remote;
  }

  /**
   * Which ChaCha20-Poly1305 implementation sessions of this JVM use: {@code java} (ours), {@code
   * jdk}, {@code hybrid}, {@code native} (OpenSSL through FFM) or {@code jni} (OpenSSL through
   * JNI); set by the system property {@code topicmesh.noise.aead} (auto, java, jdk, hybrid, native,
   * jni).
   */
  public static String aeadImplementation() {
    return AeadChoice.selected().label();
  }

  /** Why this session was ended by a bad inbound frame, or null. */
  public NoiseException failure() {
    return failure;
  }

  /** Only ByteBufs can be encrypted; anything else would pass by in plaintext, so it fails. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
    if (!(msg instanceof ByteBuf)) {
      String type = msg.getClass().getName();
      ReferenceCountUtil.release(msg);
      promise.setFailure(
          new IllegalArgumentException("noise transport can only encrypt ByteBuf, got " + type));
      return;
    }
    super.write(ctx, msg, promise);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws Exception {
    int len = msg.readableBytes();
    int frames = (len + MAX_PLAINTEXT_LENGTH - 1) / MAX_PLAINTEXT_LENGTH;
    // One resize to the exact size while the buffer is still empty, not doubling with copies.
    out.ensureWritable(len + frames * (LENGTH_PREFIX + CipherState.TAG_LENGTH));
    while (msg.isReadable()) {
      int chunk = Math.min(msg.readableBytes(), MAX_PLAINTEXT_LENGTH);
      int cipherLen = chunk + CipherState.TAG_LENGTH;
      out.ensureWritable(LENGTH_PREFIX + cipherLen);
      out.writeShort(cipherLen);
      int at = out.writerIndex();
      if (msg.nioBufferCount() == 1) {
        sender.encrypt(null, msg.nioBuffer(msg.readerIndex(), chunk), out.nioBuffer(at, cipherLen));
      } else {
        // A composite (a muxer header and its payload): nioBuffer() would allocate and copy into a
        // new buffer; copy into place instead and encrypt there.
        out.setBytes(at, msg, msg.readerIndex(), chunk);
        sender.encrypt(null, out.nioBuffer(at, chunk), out.nioBuffer(at, cipherLen));
      }
      out.writerIndex(at + cipherLen);
      msg.skipBytes(chunk);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    while (failure == null && in.readableBytes() >= LENGTH_PREFIX) {
      int start = in.readerIndex();
      int frameLen = in.getUnsignedShort(start);
      if (frameLen < CipherState.TAG_LENGTH) {
        fail(ctx, new NoiseException(
            Reason.MALFORMED_MESSAGE,
            "transport frame of " + frameLen + " bytes is shorter than its tag"));
        break;
      }
      if (in.readableBytes() < LENGTH_PREFIX + frameLen) {
        return;
      }
      int plainLen = frameLen - CipherState.TAG_LENGTH;
      ByteBuf plain = ctx.alloc().buffer(plainLen);
      try {
        receiver.decrypt(
            null, in.nioBuffer(start + LENGTH_PREFIX, frameLen), plain.nioBuffer(0, plainLen));
      } catch (NoiseException e) {
        plain.release();
        fail(ctx, e);
        break;
      }
      plain.writerIndex(plainLen);
      in.skipBytes(LENGTH_PREFIX + frameLen);
      if (plainLen == 0) {
        plain.release();
      } else {
        out.add(plain);
      }
    }
    if (failure != null) {
      in.skipBytes(in.readableBytes());
    }
  }

  /** The session is over (the channel closed, or this codec removed): frees a native AEAD's contexts now. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    try {
      super.handlerRemoved(ctx);
    } finally {
      sender.close();
      receiver.close();
    }
  }

  private void fail(ChannelHandlerContext ctx, NoiseException e) {
    failure = e;
    metrics.transportFailed(e.reason());
    log.warn("{} noise session with {} closed ({}): {}", ctx.channel(), remote, e.reason(), e.getMessage());
    ctx.close();
  }
}
