package io.topicmesh.node.mux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One muxed stream (yamux or mplex) as a netty child channel of the connection channel.
 *
 * <p>It lives on the connection's event loop, has its own pipeline, reads and writes {@link
 * ByteBuf}s and behaves like a socket channel to the handlers in it:
 *
 * <ul>
 *   <li><b>Reading</b> honours {@code autoRead} and {@code read()}: received data waits in the
 *       stream until the pipeline asks for it. With yamux the receive window is only re-opened to
 *       the peer as data is handed to the pipeline, so a slow reader stops the sender; with mplex a
 *       reader that falls more than {@link MuxConfig#mplexMaxStreamBufferBytes()} behind gets the
 *       stream reset.
 *   <li><b>Writing</b> a ByteBuf completes its promise once the whole buffer has been framed and
 *       handed to the connection. Data waits in this channel's outbound buffer while the yamux send
 *       window is exhausted or the connection is not writable, so {@code isWritable()} and {@code
 *       channelWritabilityChanged} work as usual (water marks from this channel's config).
 *   <li><b>Remote half-close</b> (yamux FIN, mplex Close) fires {@link ChannelInputShutdownEvent}
 *       then {@link ChannelInputShutdownReadComplete} after all data before it was read. Half-closure
 *       is always allowed: the stream stays open for writing.
 *   <li>{@link #closeWrite()} half-closes our side (FIN / Close) after everything written before it.
 *       Once both sides have closed for writing the channel closes itself.
 *   <li>{@link #close()} sends FIN if not sent yet and forgets the stream at once: later data from
 *       the peer is discarded, as go-yamux and go-mplex do. Pending writes that could not be sent
 *       yet are failed, and then the stream is reset instead, so the peer never mistakes a cut-off
 *       stream for a complete one. Use {@code closeWrite().addListener(...)} to close after
 *       delivery.
 *   <li>{@link #reset()} sends RST / Reset and closes at once. When the peer resets the stream or
 *       the connection goes away, a {@link StreamResetEvent} is fired and the channel goes inactive;
 *       {@link #closeCause()} tells why.
 * </ul>
 */
public final class StreamChannel extends AbstractChannel {
  private static final ChannelMetadata METADATA = new ChannelMetadata(false);

  /** Written through the pipeline by {@link #closeWrite()} so FIN follows the data before it. */
  static final Object CLOSE_WRITE =
      new Object() {
        @Override
        public String toString() {
          return "CLOSE_WRITE";
        }
      };

  private static final Object INPUT_SHUTDOWN = new Object();

  private final MuxHandler mux;
  private final long id;
  private final boolean inbound;
  private final ChannelConfig config;
  private final ArrayDeque<Object> inboundQueue = new ArrayDeque<>();

  /** Per-stream state of the concrete muxer (yamux windows); owned by the muxer. */
  Object protocolState;

  private boolean open = true;
  private int queuedBytes;
  private boolean readRequested;
  private boolean delivering;
  private boolean writeCloseRequested;
  private boolean writeClosed;
  private boolean remoteWriteClosed;
  private boolean inputShutdownDelivered;
  private boolean waitingForCredit;
  private boolean noFinOnClose;
  private boolean resetOnClose;
  private volatile StreamResetException closeCause;

  StreamChannel(MuxHandler mux, Channel connection, long id, boolean inbound) {
    super(connection);
    this.mux = mux;
    this.id = id;
    this.inbound = inbound;
    this.config = new DefaultChannelConfig(this);
    config.setAllocator(connection.config().getAllocator());
  }

  /** The protocol stream id (yamux: odd for the initiator of the connection; mplex: per side). */
  public long streamId() {
    return id;
  }

  /** True if the remote peer opened this stream. */
  public boolean isInbound() {
    return inbound;
  }

  /** Why the stream ended abnormally (reset, connection lost), or null while open / closed cleanly. */
  public StreamResetException closeCause() {
    return closeCause;
  }

  /** True once our side has sent FIN (yamux) or Close (mplex). */
  public boolean isWriteClosed() {
    return writeClosed;
  }

  /** True once the peer's FIN / Close has been delivered to the pipeline. */
  public boolean isInputShutdown() {
    return inputShutdownDelivered;
  }

  /**
   * Half-closes our side: FIN (yamux) or Close (mplex) is sent after everything written before
   * this call. The future completes when it has been handed to the connection. Writing afterwards
   * fails.
   */
  public ChannelFuture closeWrite() {
    ChannelPromise promise = newPromise();
    runOnLoop(() -> closeWrite0(promise));
    return promise;
  }

  /** Resets the stream (yamux RST, mplex Reset): both directions end at once, unsent data is lost. */
  public ChannelFuture reset() {
    runOnLoop(
        () -> {
          if (open) {
            mux.resetStream(this, MuxError.RESET_BY_LOCAL, false);
          }
        });
    return closeFuture();
  }

  @Override
  public ChannelConfig config() {
    return config;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isActive() {
    return open;
  }

  @Override
  public ChannelMetadata metadata() {
    return METADATA;
  }

  @Override
  protected AbstractUnsafe newUnsafe() {
    return new StreamUnsafe();
  }

  @Override
  protected boolean isCompatible(EventLoop loop) {
    return true;
  }

  @Override
  protected SocketAddress localAddress0() {
    return connection().localAddress();
  }

  @Override
  protected SocketAddress remoteAddress0() {
    return connection().remoteAddress();
  }

  @Override
  protected void doBind(SocketAddress localAddress) {
    throw new UnsupportedOperationException("a stream cannot be bound");
  }

  @Override
  protected void doDisconnect() {
    throw new UnsupportedOperationException("a stream cannot be disconnected; close it");
  }

  @Override
  protected void doClose() {
    if (!open) {
      return;
    }
    open = false;
    if (resetOnClose) {
      mux.writeReset(this);
      if (closeCause == null) {
        closeCause =
            new StreamResetException(
                MuxError.RESET_BY_LOCAL, "closed with unsent data on stream " + id);
      }
    } else if (!noFinOnClose && !writeClosed) {
      writeClosed = true;
      mux.writeCloseWrite(this);
    }
    releaseInbound();
    mux.streamClosed(this);
  }

  @Override
  protected void doBeginRead() {
    if (!open) {
      return;
    }
    readRequested = true;
    deliver();
  }

  @Override
  protected Object filterOutboundMessage(Object msg) throws Exception {
    if (msg == CLOSE_WRITE) {
      return msg;
    }
    if (!(msg instanceof ByteBuf)) {
      throw new UnsupportedOperationException(
          "a stream writes ByteBuf only, got " + msg.getClass().getName());
    }
    if (writeCloseRequested) {
      throw new ClosedChannelException();
    }
    return msg;
  }

  @Override
  protected void doWrite(ChannelOutboundBuffer in) {
    boolean closeAfter;
    for (; ; ) {
      closeAfter = writeWhatCreditAllows(in);
      // Flushing the connection can make it writable again and re-enter resumeWrite(), which is a
      // no-op while we are inside this flush: look at the credit again instead.
      mux.flushConnection();
      if (!waitingForCredit || !open || mux.writeCredit(this) <= 0) {
        break;
      }
    }
    if (closeAfter) {
      // closing from inside doWrite would fail the messages the loop is walking; do it next.
      eventLoop().execute(() -> close());
    }
  }

  /** Frames queued writes until the queue or the credit runs out; true if the stream should close. */
  private boolean writeWhatCreditAllows(ChannelOutboundBuffer in) {
    boolean closeAfter = false;
    waitingForCredit = false;
    for (; ; ) {
      Object msg = in.current();
      if (msg == null) {
        return closeAfter;
      }
      if (msg == CLOSE_WRITE) {
        if (!writeClosed) {
          writeClosed = true;
          mux.writeCloseWrite(this);
        }
        in.remove();
        closeAfter = inputShutdownDelivered;
        continue;
      }
      ByteBuf buf = (ByteBuf) msg;
      int readable = buf.readableBytes();
      if (readable == 0) {
        in.remove();
        continue;
      }
      int credit = mux.writeCredit(this);
      if (credit <= 0) {
        waitingForCredit = true;
        return closeAfter;
      }
      int n = Math.min(credit, readable);
      mux.writeData(this, buf.readRetainedSlice(n));
      if (n == readable) {
        in.remove();
      } else {
        in.progress(n);
      }
    }
  }

  /** The connection channel this stream is multiplexed on (same as {@link #parent()}). */
  public Channel connection() {
    return super.parent();
  }

  // ---- called by MuxHandler on the event loop ----

  void onData(ByteBuf data) {
    queuedBytes += data.readableBytes();
    mux.bufferedBytesChanged(data.readableBytes());
    inboundQueue.add(data);
    deliver();
  }

  /**
   * Bytes received on this stream that its pipeline has not read yet (bounded by the yamux window
   * or {@link MuxConfig#mplexMaxStreamBufferBytes()}). Call on the event loop.
   */
  public int bufferedInboundBytes() {
    return queuedBytes;
  }

  int queuedBytes() {
    return queuedBytes;
  }

  boolean remoteWriteClosed() {
    return remoteWriteClosed;
  }

  void onRemoteCloseWrite() {
    if (remoteWriteClosed) {
      return;
    }
    remoteWriteClosed = true;
    inboundQueue.add(INPUT_SHUTDOWN);
    deliver();
  }

  /** Ends the stream abnormally: no FIN is sent, queued input is dropped, the pipeline is told. */
  void abort(StreamResetException cause, boolean sendReset, boolean fireEvent) {
    if (!open) {
      return;
    }
    closeCause = cause;
    noFinOnClose = true;
    releaseInbound();
    if (sendReset) {
      mux.writeReset(this);
    }
    if (fireEvent) {
      pipeline().fireUserEventTriggered(new StreamResetEvent(cause));
    }
    close();
  }

  void resumeWrite() {
    if (open && waitingForCredit) {
      unsafe().flush();
    }
  }

  private void closeWrite0(ChannelPromise promise) {
    if (!open) {
      promise.setFailure(new ClosedChannelException());
      return;
    }
    if (writeCloseRequested) {
      promise.setSuccess();
      return;
    }
    writeCloseRequested = true;
    writeAndFlush(CLOSE_WRITE, promise);
  }

  private void deliver() {
    if (delivering || !readRequested || inboundQueue.isEmpty() || !isRegistered()) {
      return;
    }
    delivering = true;
    try {
      while (open && readRequested && !inboundQueue.isEmpty()) {
        readRequested = false;
        int consumed = 0;
        boolean eof = false;
        Object msg;
        while (open && (msg = inboundQueue.poll()) != null) {
          if (msg == INPUT_SHUTDOWN) {
            eof = true;
            break;
          }
          ByteBuf buf = (ByteBuf) msg;
          int n = buf.readableBytes();
          queuedBytes -= n;
          mux.bufferedBytesChanged(-n);
          consumed += n;
          pipeline().fireChannelRead(buf);
        }
        pipeline().fireChannelReadComplete();
        if (open && consumed > 0) {
          mux.dataConsumed(this, consumed);
        }
        if (eof && open) {
          inputShutdownDelivered = true;
          pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
          pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
          if (writeClosed) {
            close();
          }
        }
      }
    } finally {
      delivering = false;
    }
  }

  private void releaseInbound() {
    Object msg;
    while ((msg = inboundQueue.poll()) != null) {
      if (msg != INPUT_SHUTDOWN) {
        ReferenceCountUtil.release(msg);
      }
    }
    mux.bufferedBytesChanged(-queuedBytes);
    queuedBytes = 0;
  }

  private void runOnLoop(Runnable task) {
    if (eventLoop().inEventLoop()) {
      task.run();
    } else {
      eventLoop().execute(task);
    }
  }

  @Override
  public String toString() {
    return "stream(" + id + (inbound ? " in" : " out") + ") on " + connection();
  }

  private final class StreamUnsafe extends AbstractUnsafe {
    @Override
    public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
      promise.setFailure(new UnsupportedOperationException("streams are opened by the muxer"));
    }

    @Override
    public void close(ChannelPromise promise) {
      ChannelOutboundBuffer out = outboundBuffer();
      // Flushed writes still waiting for credit would be lost: reset so the peer cannot mistake
      // the cut-off stream for a complete one. isEmpty() counts flushed entries and is already
      // updated when a write's promise completes, so writeAndFlush(..).addListener(CLOSE) and
      // closeWrite().addListener(..close()) end with FIN. Unflushed writes were never sent anyway.
      if (open && !noFinOnClose && out != null && !out.isEmpty()) {
        resetOnClose = true;
      }
      super.close(promise);
    }
  }
}
