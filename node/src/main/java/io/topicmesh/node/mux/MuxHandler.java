package io.topicmesh.node.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream multiplexer installed on the pipeline of a secured connection, after the security codec.
 * It consumes every inbound {@link ByteBuf} of the connection (chunks of any size), writes frames
 * of any size to it, and exposes each stream as a {@link StreamChannel} child channel.
 *
 * <p>Inbound streams get {@code inboundStreamInitializer} (must be {@code @Sharable}, typically a
 * {@link io.netty.channel.ChannelInitializer}) added to their pipeline before they are registered,
 * so it runs before the stream sees any data. Outbound streams are opened with {@link
 * #openStream(ChannelHandler)}.
 *
 * <p>The connection must keep reading (autoRead on, or read() requested): backpressure is per
 * stream (yamux windows, mplex buffer bounds), never by stalling the whole connection, which would
 * block the window updates other streams wait for. Bytes that arrived before the muxer was added
 * (e.g. right after multistream-select) should be fired into the pipeline after adding it.
 *
 * <p>A protocol violation by the peer closes the connection (yamux sends GO_AWAY with the protocol
 * error code first) and is reported to the {@link MuxListener}; streams are torn down with {@link
 * MuxError#CONNECTION_CLOSED}. Closing the connection channel sends yamux GO_AWAY (normal) first.
 *
 * <p>I/O errors on the connection (including failed frame writes) close it and are logged at debug
 * level without a stack trace; they are not propagated further, so a handler that wants to see
 * them must sit before the muxer. Other exceptions pass on.
 *
 * <p>Subclasses implement the wire protocol through the protected hooks below; everything runs on
 * the connection's event loop.
 */
public abstract class MuxHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(MuxHandler.class);

  protected final MuxConfig config;
  private final ChannelHandler inboundStreamInitializer;
  private final MuxListener listener;
  private final Map<Long, StreamChannel> streams = new HashMap<>();

  private ChannelHandlerContext ctx;
  private ByteBuf cumulation;
  private boolean decoding;
  private boolean started;
  private boolean closed;
  private boolean needsFlush;
  /** Unread bytes queued in all streams together. */
  private long bufferedBytes;
  private volatile int inboundCount;
  private volatile int outboundCount;

  protected MuxHandler(
      MuxConfig config, ChannelHandler inboundStreamInitializer, MuxListener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.inboundStreamInitializer = inboundStreamInitializer;
    this.listener = listener == null ? MuxListener.NOOP : listener;
  }

  /** The multistream-select protocol id of this muxer, e.g. {@code /yamux/1.0.0}. */
  public abstract String protocolId();

  /**
   * Opens an outbound stream. {@code initializer} (may be null) is added to the stream's pipeline
   * before registration, so its handlers see {@code channelActive}. The future fails with a {@link
   * MuxException} ({@link MuxError#OPEN_REFUSED}) if the connection is closed or going away, or a
   * limit ({@code maxOutboundStreams}, yamux ACK backlog) is reached. Callable from any thread.
   */
  public Future<StreamChannel> openStream(ChannelHandler initializer) {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return ImmediateEventExecutor.INSTANCE.newFailedFuture(
          new MuxException(MuxError.OPEN_REFUSED, "muxer is not on a pipeline"));
    }
    Promise<StreamChannel> promise = c.executor().newPromise();
    if (c.executor().inEventLoop()) {
      openStream0(initializer, promise);
    } else {
      c.executor().execute(() -> openStream0(initializer, promise));
    }
    return promise;
  }

  /** Open streams on this connection, both directions. */
  public int activeStreams() {
    return inboundCount + outboundCount;
  }

  /** The streams open right now (a snapshot; call on the event loop for a consistent view). */
  public List<StreamChannel> streams() {
    return new ArrayList<>(streams.values());
  }

  // ---------------------------------------------------------------- netty events

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (closed) {
      in.release();
      return;
    }
    int head = maxHeadLength();
    if (head > 0) {
      readStreaming(ctx, in, head);
      return;
    }
    cumulation =
        cumulation == null
            ? in
            : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), cumulation, in);
    decoding = true;
    try {
      while (!closed && cumulation.isReadable()) {
        if (!decodeFrame(cumulation)) {
          break;
        }
      }
    } catch (MuxException e) {
      protocolError(e);
    } finally {
      decoding = false;
      if (closed || !cumulation.isReadable()) {
        cumulation.release();
        cumulation = null;
      } else if (cumulation.refCnt() == 1) {
        // Compacting moves bytes under any retained payload slice still queued in a stream, so
        // only compact when no slice is alive (as ByteToMessageDecoder does).
        cumulation.discardSomeReadBytes();
      }
      flushConnection();
    }
  }

  /**
   * Decodes straight from {@code in}, for protocols that take payloads piece by piece ({@link
   * #maxHeadLength()}): only the tail of a read shorter than a head is kept, in a small buffer that
   * the next read's first bytes complete, so no read is copied as a whole.
   */
  private void readStreaming(ChannelHandlerContext ctx, ByteBuf in, int head) {
    decoding = true;
    try {
      while (!closed && cumulation != null && in.isReadable()) {
        cumulation.discardReadBytes();
        cumulation.writeBytes(in, Math.min(in.readableBytes(), head - cumulation.readableBytes()));
        while (!closed && cumulation.isReadable() && decodeFrame(cumulation)) {
          // decoded one frame, or passed on a piece of a payload
        }
        if (!cumulation.isReadable()) {
          cumulation.release();
          cumulation = null;
        } else if (cumulation.readableBytes() >= head) {
          throw new IllegalStateException(
              protocolId() + " did not decode a whole head of " + cumulation.readableBytes() + " bytes");
        }
      }
      if (cumulation == null) {
        while (!closed && in.isReadable() && decodeFrame(in)) {
          // as above
        }
        if (!closed && in.isReadable()) {
          if (in.readableBytes() >= head) {
            throw new IllegalStateException(
                protocolId() + " did not decode a whole head of " + in.readableBytes() + " bytes");
          }
          cumulation = ctx.alloc().heapBuffer(head, head);
          cumulation.writeBytes(in);
        }
      }
    } catch (MuxException e) {
      protocolError(e);
    } finally {
      decoding = false;
      in.release();
      if (closed && cumulation != null) {
        cumulation.release();
        cumulation = null;
      }
      flushConnection();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (ctx.channel().isWritable()) {
      for (StreamChannel s : streams()) {
        s.resumeWrite();
      }
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    teardown("connection closed");
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    teardown("muxer removed from the pipeline");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (cause instanceof java.io.IOException) {
      // Frame writes use the void promise, so a broken or closed connection surfaces here. It is
      // an expected network failure: one line, no stack trace, and the connection goes.
      log.debug("{} {} connection failed: {}", ctx.channel(), protocolId(), cause.toString());
      ctx.close();
      return;
    }
    super.exceptionCaught(ctx, cause);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (!closed && ctx.channel().isActive()) {
      onClosing();
      ctx.flush();
    }
    teardown("connection closed locally");
    ctx.close(promise);
  }

  // ---------------------------------------------------------------- hooks for the protocols

  /**
   * Decodes and handles one whole frame from {@code in}. Returns false, without moving the reader
   * index, if {@code in} does not hold a whole frame yet.
   *
   * @throws MuxException for a protocol violation; the connection is then closed
   */
  protected abstract boolean decodeFrame(ByteBuf in) throws MuxException;

  /**
   * 0 if {@link #decodeFrame} needs whole frames in its input (the handler gathers them); else the
   * longest frame head, and {@link #decodeFrame} must make progress whenever its input holds that
   * many bytes (it takes payloads in pieces), so the handler decodes straight from each read and
   * keeps only a cut head between reads.
   */
  protected int maxHeadLength() {
    return 0;
  }

  /** Map key of a stream: the id, plus the initiator where ids are namespaced by it (mplex). */
  protected abstract long streamKey(long id, boolean inbound);

  /** Allocates the id of the next outbound stream. */
  protected abstract long nextOutboundId();

  /** Null if an outbound stream may be opened now, else why not. */
  protected abstract String outboundRefusal();

  /** Writes the frame that opens outbound stream {@code s} (yamux SYN, mplex NewStream). */
  protected abstract void writeStreamOpen(StreamChannel s);

  /** Bytes {@code s} may send right now in one frame (window and frame size), 0 to wait. */
  protected abstract int sendCredit(StreamChannel s);

  /** Frames {@code data} (at most {@link #sendCredit} bytes) for {@code s}; takes ownership. */
  protected abstract void writeDataFrame(StreamChannel s, ByteBuf data);

  /** Writes our half-close of {@code s} (yamux FIN, mplex Close). */
  protected abstract void writeCloseWriteFrame(StreamChannel s);

  /** Writes a reset of {@code s} (yamux RST, mplex Reset). */
  protected abstract void writeResetFrame(StreamChannel s);

  /** The pipeline of {@code s} has taken {@code bytes} more bytes (yamux: window update). */
  protected void onDataConsumed(StreamChannel s, int bytes) {}

  /** Bytes a stream may hold unread before it is reset; yamux relies on its window instead. */
  protected int maxStreamBufferBytes() {
    return Integer.MAX_VALUE;
  }

  /** Unread bytes all streams together may hold before the receiving stream is reset. */
  protected long maxConnectionBufferBytes() {
    return Long.MAX_VALUE;
  }

  /** The connection is ready: called once, on the event loop. */
  protected void onStart() {}

  /** The connection is being closed by us while still open (yamux: GO_AWAY normal). */
  protected void onClosing() {}

  /** The peer violated the protocol; called before the connection is closed (yamux: GO_AWAY). */
  protected void onProtocolError(MuxException e) {}

  /** {@code s} left the stream table. */
  protected void onStreamRemoved(StreamChannel s) {}

  /** The connection is gone or going: fail whatever waits for the peer. */
  protected void onTeardown() {}

  // ---------------------------------------------------------------- services for the protocols

  protected final ChannelHandlerContext ctx() {
    return ctx;
  }

  protected final MuxListener listener() {
    return listener;
  }

  /** True once the connection is closing or closed: nothing more is sent. */
  protected final boolean isClosing() {
    return closed;
  }

  /** Bytes received on {@code s} that its pipeline has not read yet. */
  protected static int queuedBytes(StreamChannel s) {
    return s.queuedBytes();
  }

  /** {@code s} got send credit: continue writing what waits in its outbound buffer. */
  protected static void resumeWrite(StreamChannel s) {
    s.resumeWrite();
  }

  protected final StreamChannel stream(long key) {
    return streams.get(key);
  }

  /** Per-stream state of the concrete protocol. */
  @SuppressWarnings("unchecked")
  protected static <T> T state(StreamChannel s) {
    return (T) s.protocolState;
  }

  protected static void setState(StreamChannel s, Object state) {
    s.protocolState = state;
  }

  /**
   * Accepts a stream the peer opened, or returns null (and reports it) if it must be refused; the
   * caller then sends the protocol's refusal.
   */
  protected final StreamChannel acceptInbound(long id, Object protocolState, boolean goingAway) {
    MuxError refusal = null;
    if (goingAway) {
      refusal = MuxError.GOING_AWAY;
    } else if (inboundCount >= config.maxInboundStreams()) {
      refusal = MuxError.TOO_MANY_STREAMS;
    }
    if (refusal != null) {
      listener.streamRefused(ctx.channel(), refusal);
      log.debug("{} refused inbound stream {}: {}", ctx.channel(), id, refusal);
      return null;
    }
    StreamChannel s = new StreamChannel(this, ctx.channel(), id, true);
    s.protocolState = protocolState;
    streams.put(streamKey(id, true), s);
    inboundCount++;
    register(s, inboundStreamInitializer, true);
    return s;
  }

  /** Hands received data (ownership included) to {@code s}, enforcing per-stream bounds. */
  protected final void deliverData(StreamChannel s, ByteBuf data) {
    if (!data.isReadable()) {
      data.release();
      return;
    }
    if (s.remoteWriteClosed()) {
      data.release();
      resetStream(s, MuxError.DATA_AFTER_CLOSE, true);
      return;
    }
    if (bufferedBytes + data.readableBytes() > maxConnectionBufferBytes()) {
      data.release();
      log.info(
          "{} reset stream {}: streams hold {} unread bytes, connection bound {}",
          ctx.channel(), s.streamId(), bufferedBytes, maxConnectionBufferBytes());
      resetStream(s, MuxError.STREAM_BUFFER_OVERFLOW, true);
      return;
    }
    if ((long) s.queuedBytes() + data.readableBytes() > maxStreamBufferBytes()) {
      data.release();
      log.info(
          "{} reset stream {}: its reader is {} bytes behind, bound {}",
          ctx.channel(), s.streamId(), s.queuedBytes(), maxStreamBufferBytes());
      resetStream(s, MuxError.STREAM_BUFFER_OVERFLOW, true);
      return;
    }
    s.onData(data);
  }

  /** The peer half-closed {@code s}. */
  protected final void deliverRemoteCloseWrite(StreamChannel s) {
    s.onRemoteCloseWrite();
  }

  /** The peer reset {@code s}. */
  protected final void deliverRemoteReset(StreamChannel s) {
    s.abort(
        new StreamResetException(MuxError.RESET_BY_REMOTE, "stream " + s.streamId() + " reset by peer"),
        false,
        true);
  }

  /** Resets {@code s} from our side: sends the reset frame and closes the stream. */
  protected final void resetStream(StreamChannel s, MuxError why, boolean fireEvent) {
    s.abort(new StreamResetException(why, "stream " + s.streamId() + " reset locally"), true, fireEvent);
  }

  protected final void writeFrame(ByteBuf frame) {
    ctx.write(frame, ctx.voidPromise());
    needsFlush = true;
  }

  /** Closes the connection for a protocol violation by the peer. */
  protected final void protocolError(MuxException e) {
    if (closed) {
      return;
    }
    log.warn("{} {} closing connection: {}", ctx.channel(), protocolId(), e.getMessage());
    listener.protocolError(ctx.channel(), e);
    onProtocolError(e);
    ctx.flush();
    teardown(e.getMessage());
    ctx.close();
  }

  // ---------------------------------------------------------------- used by StreamChannel

  int writeCredit(StreamChannel s) {
    if (closed || !ctx.channel().isWritable()) {
      return 0;
    }
    return sendCredit(s);
  }

  void writeData(StreamChannel s, ByteBuf data) {
    if (closed) {
      data.release();
      return;
    }
    writeDataFrame(s, data);
  }

  void writeCloseWrite(StreamChannel s) {
    if (!closed) {
      writeCloseWriteFrame(s);
    }
  }

  void writeReset(StreamChannel s) {
    if (!closed) {
      writeResetFrame(s);
    }
  }

  void dataConsumed(StreamChannel s, int bytes) {
    if (!closed) {
      onDataConsumed(s, bytes);
      flushConnection();
    }
  }

  void bufferedBytesChanged(int delta) {
    bufferedBytes += delta;
  }

  /** Unread bytes queued in all streams of this connection. Call on the event loop. */
  public long bufferedInboundBytes() {
    return bufferedBytes;
  }

  void flushConnection() {
    if (needsFlush && ctx != null) {
      needsFlush = false;
      ctx.flush();
    }
  }

  void streamClosed(StreamChannel s) {
    long key = streamKey(s.streamId(), s.isInbound());
    if (streams.get(key) == s) {
      streams.remove(key);
      if (s.isInbound()) {
        inboundCount--;
      } else {
        outboundCount--;
      }
      onStreamRemoved(s);
      StreamResetException cause = s.closeCause();
      listener.streamClosed(ctx.channel(), cause == null ? null : cause.error());
    }
    flushConnection();
  }

  // ---------------------------------------------------------------- internals

  private void start() {
    if (!started) {
      started = true;
      onStart();
      flushConnection();
    }
  }

  private void openStream0(ChannelHandler initializer, Promise<StreamChannel> promise) {
    String refusal =
        closed || !ctx.channel().isActive()
            ? "connection is closed"
            : outboundCount >= config.maxOutboundStreams()
                ? "maxOutboundStreams (" + config.maxOutboundStreams() + ") reached"
                : outboundRefusal();
    if (refusal != null) {
      promise.setFailure(new MuxException(MuxError.OPEN_REFUSED, refusal));
      return;
    }
    long id = nextOutboundId();
    StreamChannel s = new StreamChannel(this, ctx.channel(), id, false);
    streams.put(streamKey(id, false), s);
    outboundCount++;
    writeStreamOpen(s);
    register(s, initializer, false)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                promise.setSuccess(s);
              } else {
                // never registered, so never active: just tell the peer and forget it.
                writeReset(s);
                streamClosed(s);
                promise.setFailure(f.cause());
              }
            });
    flushConnection();
  }

  private io.netty.channel.ChannelFuture register(
      StreamChannel s, ChannelHandler initializer, boolean inbound) {
    if (initializer != null) {
      s.pipeline().addLast(initializer);
    }
    listener.streamOpened(ctx.channel(), inbound);
    return ctx.channel().eventLoop().register(s);
  }

  private void teardown(String why) {
    if (closed) {
      return;
    }
    closed = true;
    if (!streams.isEmpty()) {
      log.debug("{} tearing down {} streams: {}", ctx.channel(), streams.size(), why);
    }
    for (StreamChannel s : streams()) {
      s.abort(
          new StreamResetException(MuxError.CONNECTION_CLOSED, why), false, true);
    }
    onTeardown();
    if (cumulation != null && !decoding) {
      cumulation.release();
      cumulation = null;
    }
  }

  /** The connection channel, for logs. */
  protected final Channel connection() {
    return ctx.channel();
  }
}
