package io.topicmesh.node.security.noise;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The noise-libp2p transport after the handshake: every frame is a 2-byte big-endian length and a
 * ChaChaPoly ciphertext of at most {@link #MAX_FRAME_LENGTH} bytes.
 *
 * <p>Outbound: written {@link ByteBuf}s are coalesced into frames of {@link #MAX_PLAINTEXT_LENGTH}
 * plaintext bytes: as soon as a whole frame's worth is pending it is sealed and written (not
 * flushed), and a flush seals what is left into one last, shorter frame. So at most one frame's
 * plaintext waits here, a stream of small writes between two flushes costs one AEAD call per
 * 64 KiB rather than one per write, and each write's promise completes with the frame that holds
 * its last byte. Written buffers are released by this codec. A frame whose plaintext is one
 * contiguous buffer is sealed from it; otherwise the pieces are copied into the output and sealed
 * there, in place.
 *
 * <p>Inbound: whole frames are decrypted in place, in the buffer they arrived in, and passed on as
 * slices of it (the next handler owns and releases each); only a frame that straddles two reads is
 * first gathered into a buffer of its exact size. Empty frames are dropped.
 *
 * <p>A frame that fails authentication or is shorter than a tag ends the session: the channel is
 * closed, one line is logged and {@link #failure()} tells why. Installed by {@link
 * NoiseHandshakeHandler}; not shareable.
 */
public final class NoiseTransportCodec extends ChannelDuplexHandler {
  /** Largest Noise message, the 2-byte length prefix excluded. */
  public static final int MAX_FRAME_LENGTH = 65535;

  /** Largest plaintext per frame: the frame limit less the 16-byte tag. */
  public static final int MAX_PLAINTEXT_LENGTH = MAX_FRAME_LENGTH - CipherState.TAG_LENGTH;

  private static final Logger log = LoggerFactory.getLogger(NoiseTransportCodec.class);
  private static final int LENGTH_PREFIX = 2;
  private static final int FRAME_OVERHEAD = LENGTH_PREFIX + CipherState.TAG_LENGTH;

  private final CipherState sender;
  private final CipherState receiver;
  private final NoiseMetrics metrics;
  private final String remote;
  private NoiseException failure;

  // outbound: plaintext written but not yet sealed (less than one frame between flushes)
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
  private final ArrayDeque<ChannelPromise> pendingPromises = new ArrayDeque<>();
  private int pendingBytes;

  // inbound: a frame that straddles reads, gathered to its exact size (length prefix included)
  private ByteBuf partial;
  /** The first byte of a length prefix that arrived alone, or -1. */
  private int lengthHigh = -1;
  private final List<ByteBuf> decoded = new ArrayList<>();
  private boolean firedRead;

  NoiseTransportCodec(
      CipherState sender, CipherState receiver, NoiseMetrics metrics, String remote) {
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

  // ---------------------------------------------------------------- outbound

  /** Only ByteBufs can be encrypted; anything else would pass by in plaintext, so it fails. */
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf buf)) {
      String type = msg.getClass().getName();
      ReferenceCountUtil.release(msg);
      promise.setFailure(
          new IllegalArgumentException("noise transport can only encrypt ByteBuf, got " + type));
      return;
    }
    pending.add(buf);
    pendingPromises.add(promise);
    pendingBytes += buf.readableBytes();
    if (pendingBytes >= MAX_PLAINTEXT_LENGTH) {
      seal(ctx, false);
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (!pending.isEmpty()) {
      seal(ctx, true);
    }
    ctx.flush();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    // Unflushed plaintext is dropped, as the channel drops unflushed writes on close.
    failPending(new java.nio.channels.ClosedChannelException());
    super.close(ctx, promise);
  }

  /**
   * Seals the pending plaintext into frames in one output buffer and writes it: whole frames only,
   * or ({@code all}) the rest as well.
   */
  private void seal(ChannelHandlerContext ctx, boolean all) {
    int frames = all
        ? (pendingBytes + MAX_PLAINTEXT_LENGTH - 1) / MAX_PLAINTEXT_LENGTH
        : pendingBytes / MAX_PLAINTEXT_LENGTH;
    int plain = all ? pendingBytes : frames * MAX_PLAINTEXT_LENGTH;
    ByteBuf out = plain == 0 ? Unpooled.EMPTY_BUFFER : ctx.alloc().directBuffer(plain + frames * FRAME_OVERHEAD);
    // Promises of the writes whose last byte goes out with this buffer.
    List<ChannelPromise> done = new ArrayList<>(2);
    boolean voidIncluded = false;
    try {
      int left = plain;
      while (left > 0) {
        int chunk = Math.min(left, MAX_PLAINTEXT_LENGTH);
        int cipherLen = chunk + CipherState.TAG_LENGTH;
        int at = out.writerIndex() + LENGTH_PREFIX;
        out.writeShort(cipherLen);
        ByteBuf head = pending.peek();
        if (head.readableBytes() >= chunk && head.nioBufferCount() == 1) {
          sender.encrypt(null, head.nioBuffer(head.readerIndex(), chunk), out.nioBuffer(at, cipherLen));
          head.skipBytes(chunk);
        } else {
          // Pieces (several writes, or a composite such as a muxer header and its payload): copy
          // them into place and seal there.
          int filled = 0;
          while (filled < chunk) {
            ByteBuf b = pending.peek();
            int n = Math.min(b.readableBytes(), chunk - filled);
            if (b.nioBufferCount() == 1) {
              out.setBytes(at + filled, b, b.readerIndex(), n);
            } else {
              // A composite: copy its components one by one (setBytes(ByteBuf) would first merge
              // them into a temporary buffer).
              int off = at + filled;
              for (java.nio.ByteBuffer piece : b.nioBuffers(b.readerIndex(), n)) {
                int r = piece.remaining();
                out.setBytes(off, piece);
                off += r;
              }
            }
            b.skipBytes(n);
            filled += n;
            if (!b.isReadable()) {
              voidIncluded |= retireHead(done);
            }
          }
          sender.encrypt(null, out.nioBuffer(at, chunk), out.nioBuffer(at, cipherLen));
        }
        while (!pending.isEmpty() && !pending.peek().isReadable()) {
          voidIncluded |= retireHead(done);
        }
        out.writerIndex(at + cipherLen);
        left -= chunk;
      }
      if (all) {
        // Empty writes left over.
        while (!pending.isEmpty()) {
          voidIncluded |= retireHead(done);
        }
      }
      pendingBytes -= plain;
    } catch (NoiseException | RuntimeException e) {
      out.release();
      for (ChannelPromise p : done) {
        p.tryFailure(e);
      }
      failPending(e);
      ctx.fireExceptionCaught(e);
      return;
    }
    ctx.write(out, aggregate(ctx, done, voidIncluded));
  }

  /** Releases the head write; adds its promise to {@code done}; true if that was a void promise. */
  private boolean retireHead(List<ChannelPromise> done) {
    pending.poll().release();
    ChannelPromise p = pendingPromises.poll();
    if (p.isVoid()) {
      return true;
    }
    done.add(p);
    return false;
  }

  private static ChannelPromise aggregate(ChannelHandlerContext ctx, List<ChannelPromise> done, boolean voidIncluded) {
    if (done.isEmpty()) {
      return ctx.voidPromise();
    }
    if (done.size() == 1 && !voidIncluded) {
      return done.get(0);
    }
    ChannelPromise all = ctx.newPromise();
    all.addListener((ChannelFutureListener) f -> {
      for (ChannelPromise p : done) {
        if (f.isSuccess()) {
          p.trySuccess();
        } else {
          p.tryFailure(f.cause());
        }
      }
      if (!f.isSuccess() && voidIncluded) {
        // A void promise's write failing is reported through the pipeline, as netty would.
        f.channel().pipeline().fireExceptionCaught(f.cause());
      }
    });
    return all;
  }

  private void failPending(Throwable cause) {
    while (!pending.isEmpty()) {
      pending.poll().release();
      ChannelPromise p = pendingPromises.poll();
      if (!p.isVoid()) {
        p.tryFailure(cause);
      }
    }
    pendingBytes = 0;
  }

  // ---------------------------------------------------------------- inbound

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (failure == null) {
        decode(ctx, in);
      }
    } finally {
      in.release();
    }
    for (int i = 0; i < decoded.size(); i++) {
      firedRead = true;
      ctx.fireChannelRead(decoded.get(i));
    }
    decoded.clear();
  }

  private void decode(ChannelHandlerContext ctx, ByteBuf in) {
    if (lengthHigh >= 0 && in.isReadable()) {
      int frameLen = lengthHigh << 8 | in.readUnsignedByte();
      lengthHigh = -1;
      if (!startPartial(ctx, frameLen)) {
        return;
      }
    }
    if (partial != null) {
      int n = Math.min(partial.writableBytes(), in.readableBytes());
      partial.writeBytes(in, n);
      if (partial.isWritable()) {
        return;
      }
      ByteBuf frame = partial;
      partial = null;
      if (!open(ctx, frame, frame.readerIndex(), frame.readableBytes() - LENGTH_PREFIX, true)) {
        return;
      }
    }
    while (in.readableBytes() >= LENGTH_PREFIX) {
      int start = in.readerIndex();
      int frameLen = in.getUnsignedShort(start);
      if (!checkLength(ctx, frameLen)) {
        return;
      }
      if (in.readableBytes() < LENGTH_PREFIX + frameLen) {
        break;
      }
      in.skipBytes(LENGTH_PREFIX + frameLen);
      if (in.isReadOnly() || in.nioBufferCount() != 1) {
        // Cannot decrypt there: gather the frame into a buffer of ours first.
        ByteBuf copy = ctx.alloc().directBuffer(LENGTH_PREFIX + frameLen);
        copy.writeBytes(in, start, LENGTH_PREFIX + frameLen);
        if (!open(ctx, copy, 0, frameLen, true)) {
          return;
        }
      } else if (!open(ctx, in, start, frameLen, false)) {
        return;
      }
    }
    if (in.readableBytes() == 1) {
      lengthHigh = in.readUnsignedByte();
    } else if (in.isReadable()) {
      int frameLen = in.readUnsignedShort();
      if (startPartial(ctx, frameLen)) {
        partial.writeBytes(in);
      }
    }
  }

  /** Allocates the gathering buffer for a frame of {@code frameLen}, prefix written. */
  private boolean startPartial(ChannelHandlerContext ctx, int frameLen) {
    if (!checkLength(ctx, frameLen)) {
      return false;
    }
    partial = ctx.alloc().directBuffer(LENGTH_PREFIX + frameLen);
    partial.writeShort(frameLen);
    return true;
  }

  private boolean checkLength(ChannelHandlerContext ctx, int frameLen) {
    if (frameLen < CipherState.TAG_LENGTH) {
      fail(ctx, new NoiseException(
          Reason.MALFORMED_MESSAGE,
          "transport frame of " + frameLen + " bytes is shorter than its tag"));
      return false;
    }
    return true;
  }

  /**
   * Authenticates and decrypts the frame whose prefix is at {@code at} of {@code buf}, in place, and
   * queues its plaintext as a slice (retained, or {@code buf} itself when {@code owned}). False if
   * the session failed.
   */
  private boolean open(ChannelHandlerContext ctx, ByteBuf buf, int at, int frameLen, boolean owned) {
    int plainLen = frameLen - CipherState.TAG_LENGTH;
    int body = at + LENGTH_PREFIX;
    try {
      receiver.decrypt(null, buf.nioBuffer(body, frameLen), buf.nioBuffer(body, plainLen));
    } catch (NoiseException e) {
      if (owned) {
        buf.release();
      }
      fail(ctx, e);
      return false;
    }
    if (plainLen == 0) {
      if (owned) {
        buf.release();
      }
    } else if (owned) {
      decoded.add(buf.setIndex(body, body + plainLen));
    } else {
      decoded.add(buf.retainedSlice(body, plainLen));
    }
    return true;
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!firedRead && !ctx.channel().config().isAutoRead()) {
      // Nothing whole arrived yet: ask for more, as a ByteToMessageDecoder would.
      ctx.read();
    }
    firedRead = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    releaseState();
    super.channelInactive(ctx);
  }

  /** The session is over (the channel closed, or this codec removed): frees a native AEAD's contexts now. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    try {
      releaseState();
    } finally {
      sender.close();
      receiver.close();
    }
  }

  private void releaseState() {
    if (partial != null) {
      partial.release();
      partial = null;
    }
    lengthHigh = -1;
    failPending(new java.nio.channels.ClosedChannelException());
  }

  private void fail(ChannelHandlerContext ctx, NoiseException e) {
    failure = e;
    if (partial != null) {
      partial.release();
      partial = null;
    }
    metrics.transportFailed(e.reason());
    log.warn("{} noise session with {} closed ({}): {}", ctx.channel(), remote, e.reason(), e.getMessage());
    ctx.close();
  }
}
