package io.topicmesh.node.mux.yamux;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.MuxError;
import io.topicmesh.node.mux.MuxException;
import io.topicmesh.node.mux.MuxHandler;
import io.topicmesh.node.mux.MuxListener;
import io.topicmesh.node.mux.StreamChannel;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * yamux ({@code /yamux/1.0.0}, libp2p specs yamux/README.md, the hashicorp spec) on a netty
 * pipeline.
 *
 * <ul>
 *   <li>Streams opened by the connection initiator (client) have odd ids, the others even.
 *   <li>Outbound streams open with WINDOW_UPDATE|SYN; inbound ones are acknowledged at once with
 *       WINDOW_UPDATE|ACK, or refused with RST beyond {@link MuxConfig#maxInboundStreams()} or
 *       after we sent GO_AWAY.
 *   <li>Flow control: each stream grants the peer {@link MuxConfig#yamuxInitialWindow()} bytes and
 *       sends WINDOW_UPDATE only as its pipeline reads data, once at least half the window is
 *       free. Like go-yamux, the window doubles (up to {@link MuxConfig#yamuxMaxWindow()}) when
 *       updates are due faster than every 4 RTT, the RTT being measured with a ping at start.
 *       Data beyond the granted window is a protocol error (GO_AWAY protocol error, close).
 *   <li>Pings are answered (not while the connection is unwritable, so a peer that does not read
 *       cannot make us buffer answers); {@link #ping()} measures the round trip.
 *   <li>GO_AWAY is sent when the connection is closed; a received GO_AWAY (normal) stops new
 *       outbound streams, one with an error code closes the connection.
 * </ul>
 */
public class YamuxHandler extends MuxHandler {
  /** The multistream-select protocol id. */
  public static final String PROTOCOL_ID = "/yamux/1.0.0";

  private static final Logger log = LoggerFactory.getLogger(YamuxHandler.class);
  private static final long MAX_WINDOW = 0xFFFF_FFFFL;
  private static final long MAX_STREAM_ID = 0xFFFF_FFFFL;

  private final boolean initiator;
  private final LongSupplier nanoClock;
  /** Our pings awaiting an answer, by opaque value; bounded by maxPendingPings. */
  private final Map<Long, PendingPing> pings = new LinkedHashMap<>();

  private long nextStreamId;
  /** Payload bytes of the current DATA frame still to come, for {@link #payloadStream}. */
  private long payloadLeft;
  /** The stream the current DATA payload goes to; null to drop it (unknown or refused stream). */
  private StreamChannel payloadStream;
  /** The current DATA frame's flags, applied after its last payload byte. */
  private int payloadFlags;
  private long nextPingId = 1;
  private int ackBacklog;
  /** Window granted above the initial window, summed over streams; bounded by the budget. */
  private long grownWindowTotal;
  private boolean goAwaySent;
  private boolean remoteGoAway;
  private volatile long rttNanos;
  private ScheduledFuture<?> keepAlive;

  /**
   * @param isInitiator true on the side that dialed the connection (odd stream ids)
   * @param config limits and windows
   * @param inboundStreamInitializer {@code @Sharable} handler added to each inbound stream
   */
  public YamuxHandler(boolean isInitiator, MuxConfig config, ChannelHandler inboundStreamInitializer) {
    this(isInitiator, config, inboundStreamInitializer, MuxListener.NOOP);
  }

  public YamuxHandler(
      boolean isInitiator,
      MuxConfig config,
      ChannelHandler inboundStreamInitializer,
      MuxListener listener) {
    this(isInitiator, config, inboundStreamInitializer, listener, System::nanoTime);
  }

  YamuxHandler(
      boolean isInitiator,
      MuxConfig config,
      ChannelHandler inboundStreamInitializer,
      MuxListener listener,
      LongSupplier nanoClock) {
    super(config, inboundStreamInitializer, listener);
    this.initiator = isInitiator;
    this.nanoClock = nanoClock;
    this.nextStreamId = isInitiator ? 1 : 2;
  }

  @Override
  public String protocolId() {
    return PROTOCOL_ID;
  }

  /**
   * Sends a ping and completes with the round-trip time when the answer arrives; fails if {@link
   * MuxConfig#maxPendingPings()} pings are already outstanding or the connection closes.
   */
  public Future<Duration> ping() {
    if (ctx() == null) {
      return io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newFailedFuture(
          new MuxException(MuxError.CONNECTION_CLOSED, "muxer is not on a pipeline"));
    }
    Promise<Duration> promise = ctx().executor().newPromise();
    ctx().executor().execute(() -> ping0(promise));
    return promise;
  }

  /** The last measured round-trip time, or {@link Duration#ZERO} before the first answer. */
  public Duration rtt() {
    return Duration.ofNanos(rttNanos);
  }

  // ---------------------------------------------------------------- MuxHandler hooks

  @Override
  protected void onStart() {
    // go-yamux measures the RTT at session start; window auto-tuning needs it.
    ping0(null);
    long interval = config.yamuxKeepAliveInterval().toNanos();
    if (interval > 0) {
      keepAlive =
          ctx().executor().scheduleWithFixedDelay(this::keepAlive, interval, interval, TimeUnit.NANOSECONDS);
    }
  }

  private void keepAlive() {
    if (isClosing()) {
      return;
    }
    Promise<Duration> answered = ctx().executor().newPromise();
    ping0(answered);
    ctx().executor()
        .schedule(
            () -> {
              if (!answered.isDone() && !isClosing()) {
                protocolError(
                    new MuxException(
                        MuxError.KEEPALIVE_TIMEOUT,
                        "no answer to a keepalive ping within " + config.yamuxPingTimeout()));
              }
            },
            config.yamuxPingTimeout().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /**
   * A DATA payload is passed on as it arrives, piece by piece, rather than gathered into a whole
   * frame first: a frame of 64 KiB + 12 bytes never lines up with the 65,519-byte noise frames it
   * travels in, so gathering would copy almost every byte once more. Only a header cut by a read
   * boundary is gathered (12 bytes).
   */
  @Override
  protected int maxHeadLength() {
    return YamuxFrameCodec.HEADER_LENGTH;
  }

  @Override
  protected boolean decodeFrame(ByteBuf in) throws MuxException {
    if (payloadLeft > 0) {
      int n = (int) Math.min(in.readableBytes(), payloadLeft);
      if (n == 0) {
        return false;
      }
      ByteBuf piece = in.readRetainedSlice(n);
      payloadLeft -= n;
      StreamChannel s = payloadStream == null ? null : stream(payloadStream.streamId());
      if (s == payloadStream && s != null) {
        deliverData(s, piece);
      } else {
        piece.release();
      }
      if (payloadLeft == 0) {
        endOfData();
      }
      return true;
    }
    YamuxFrame frame = YamuxFrameCodec.decodeHeader(in, config.yamuxMaxWindow());
    if (frame == null) {
      return false;
    }
    switch (frame.type()) {
      case DATA, WINDOW_UPDATE -> onStreamFrame(frame);
      case PING -> onPing(frame);
      case GO_AWAY -> onGoAway(frame);
    }
    return true;
  }

  /** The last payload byte of a DATA frame was passed on: now its FIN or RST applies. */
  private void endOfData() {
    StreamChannel s = payloadStream;
    int flags = payloadFlags;
    payloadStream = null;
    payloadFlags = 0;
    if (s == null || stream(s.streamId()) != s) {
      return;
    }
    if ((flags & YamuxFlags.RST) != 0) {
      deliverRemoteReset(s);
    } else if ((flags & YamuxFlags.FIN) != 0 && s.isOpen()) {
      deliverRemoteCloseWrite(s);
    }
  }

  @Override
  protected long streamKey(long id, boolean inbound) {
    return id;
  }

  @Override
  protected long nextOutboundId() {
    long id = nextStreamId;
    nextStreamId += 2;
    return id;
  }

  @Override
  protected String outboundRefusal() {
    if (remoteGoAway) {
      return "peer sent GO_AWAY";
    }
    if (goAwaySent) {
      return "we sent GO_AWAY";
    }
    if (nextStreamId > MAX_STREAM_ID) {
      return "stream ids exhausted";
    }
    if (ackBacklog >= config.maxAckBacklog()) {
      return "ACK backlog of " + ackBacklog + " unacknowledged streams";
    }
    return null;
  }

  @Override
  protected void writeStreamOpen(StreamChannel s) {
    StreamState st = new StreamState(config.yamuxInitialWindow(), nanoClock.getAsLong());
    setState(s, st);
    ackBacklog++;
    writeFrame(
        YamuxFrameCodec.encode(
            ctx().alloc(),
            YamuxType.WINDOW_UPDATE,
            YamuxFlags.SYN,
            s.streamId(),
            config.yamuxInitialWindow() - MuxConfig.YAMUX_PROTOCOL_WINDOW));
  }

  @Override
  protected int sendCredit(StreamChannel s) {
    StreamState st = state(s);
    return (int) Math.min(st.sendWindow, config.maxSendFrameLength());
  }

  @Override
  protected void writeDataFrame(StreamChannel s, ByteBuf data) {
    StreamState st = state(s);
    st.sendWindow -= data.readableBytes();
    writeFrame(YamuxFrameCodec.encodeData(ctx().alloc(), 0, s.streamId(), data));
  }

  @Override
  protected void writeCloseWriteFrame(StreamChannel s) {
    writeFrame(
        YamuxFrameCodec.encode(ctx().alloc(), YamuxType.WINDOW_UPDATE, YamuxFlags.FIN, s.streamId(), 0));
  }

  @Override
  protected void writeResetFrame(StreamChannel s) {
    writeRst(s.streamId());
  }

  @Override
  protected void onDataConsumed(StreamChannel s, int bytes) {
    StreamState st = state(s);
    long window = st.recvCredit + queuedBytes(s);
    if (window >= st.recvTarget) {
      return;
    }
    long delta = st.recvTarget - window;
    if (delta < st.recvTarget / 2) {
      return;
    }
    long now = nanoClock.getAsLong();
    long rtt = rttNanos;
    if (rtt > 0 && now - st.epochStart < 4 * rtt && st.recvTarget < config.yamuxMaxWindow()) {
      long target = Math.min(st.recvTarget * 2, config.yamuxMaxWindow());
      long grow = target - st.recvTarget;
      if (grownWindowTotal + grow <= config.maxConnectionBufferBytes()) {
        grownWindowTotal += grow;
        st.recvTarget = target;
        delta = st.recvTarget - window;
      }
    }
    st.epochStart = now;
    st.recvCredit += delta;
    writeFrame(YamuxFrameCodec.encode(ctx().alloc(), YamuxType.WINDOW_UPDATE, 0, s.streamId(), delta));
  }

  @Override
  protected void onClosing() {
    writeGoAway(YamuxGoAway.NORMAL);
  }

  @Override
  protected void onProtocolError(MuxException e) {
    if (e.error() != MuxError.KEEPALIVE_TIMEOUT) {
      writeGoAway(YamuxGoAway.PROTOCOL_ERROR);
    }
  }

  @Override
  protected void onStreamRemoved(StreamChannel s) {
    StreamState st = state(s);
    if (st != null) {
      grownWindowTotal -= st.recvTarget - config.yamuxInitialWindow();
    }
    if (!s.isInbound() && st != null && !st.acked) {
      st.acked = true;
      ackBacklog--;
    }
  }

  // ---------------------------------------------------------------- frames

  /**
   * A WINDOW_UPDATE, or the header of a DATA frame whose payload (still in the input) {@link
   * #decodeFrame} then passes on; a DATA frame's FIN or RST applies after its payload.
   */
  private void onStreamFrame(YamuxFrame frame) throws MuxException {
    long id = frame.streamId();
    boolean isData = frame.type() == YamuxType.DATA;
    if (id == 0) {
      throw new MuxException(MuxError.INVALID_STREAM_ID, frame + " on the session stream 0");
    }
    StreamChannel s = stream(id);
    if (frame.hasFlag(YamuxFlags.SYN)) {
      if (s != null) {
        throw new MuxException(MuxError.DUPLICATE_STREAM, "SYN for open stream " + id);
      }
      if ((id % 2 == 1) == initiator) {
        throw new MuxException(
            MuxError.INVALID_STREAM_ID, "peer opened stream " + id + " with our parity");
      }
      s = acceptInbound(id, new StreamState(config.yamuxInitialWindow(), nanoClock.getAsLong()), goAwaySent);
      if (s == null) {
        if (connection().isWritable()) {
          writeRst(id);
        }
        skipPayload(frame);
        return;
      }
      writeFrame(
          YamuxFrameCodec.encode(
              ctx().alloc(),
              YamuxType.WINDOW_UPDATE,
              YamuxFlags.ACK,
              id,
              config.yamuxInitialWindow() - MuxConfig.YAMUX_PROTOCOL_WINDOW));
    } else if (s == null) {
      listener().frameDropped(connection(), MuxError.UNKNOWN_STREAM);
      log.debug("{} dropped {} for unknown stream", connection(), frame);
      skipPayload(frame);
      return;
    }
    StreamState st = state(s);
    if (frame.hasFlag(YamuxFlags.ACK) && !s.isInbound() && !st.acked) {
      st.acked = true;
      ackBacklog--;
    }
    if (isData) {
      long len = frame.length();
      if (len > st.recvCredit) {
        throw new MuxException(
            MuxError.WINDOW_OVERRUN,
            len + " bytes on stream " + id + " with a window of " + st.recvCredit);
      }
      st.recvCredit -= len;
      payloadStream = s;
      payloadFlags = frame.flags();
      payloadLeft = len;
      if (len == 0) {
        endOfData();
      }
      return;
    }
    st.sendWindow += frame.length();
    if (st.sendWindow > MAX_WINDOW) {
      throw new MuxException(
          MuxError.WINDOW_OVERFLOW, "send window of stream " + id + " grew to " + st.sendWindow);
    }
    if (frame.hasFlag(YamuxFlags.RST)) {
      deliverRemoteReset(s);
    } else if (frame.hasFlag(YamuxFlags.FIN) && s.isOpen()) {
      deliverRemoteCloseWrite(s);
    }
    if (s.isOpen()) {
      resumeWrite(s);
    }
  }

  /** The payload of a DATA frame for a stream we do not have is read and dropped. */
  private void skipPayload(YamuxFrame frame) {
    if (frame.type() == YamuxType.DATA && frame.length() > 0) {
      payloadStream = null;
      payloadFlags = 0;
      payloadLeft = frame.length();
    }
  }

  private void onPing(YamuxFrame frame) throws MuxException {
    if (frame.streamId() != 0) {
      throw new MuxException(MuxError.INVALID_STREAM_ID, frame + " not on stream 0");
    }
    if (frame.hasFlag(YamuxFlags.SYN)) {
      if (connection().isWritable()) {
        writeFrame(YamuxFrameCodec.encode(ctx().alloc(), YamuxType.PING, YamuxFlags.ACK, 0, frame.length()));
      } else {
        listener().frameDropped(connection(), MuxError.PING_NOT_ANSWERED);
      }
    } else if (frame.hasFlag(YamuxFlags.ACK)) {
      PendingPing p = pings.remove(frame.length());
      if (p == null) {
        listener().frameDropped(connection(), MuxError.UNEXPECTED_PING);
        return;
      }
      long rtt = Math.max(1, nanoClock.getAsLong() - p.sentNanos);
      rttNanos = rtt;
      if (p.promise != null) {
        p.promise.trySuccess(Duration.ofNanos(rtt));
      }
    } else {
      listener().frameDropped(connection(), MuxError.MALFORMED_FRAME);
    }
  }

  private void onGoAway(YamuxFrame frame) throws MuxException {
    if (frame.streamId() != 0) {
      throw new MuxException(MuxError.INVALID_STREAM_ID, frame + " not on stream 0");
    }
    remoteGoAway = true;
    long code = frame.length();
    if (code == YamuxGoAway.NORMAL) {
      log.debug("{} peer sent GO_AWAY: no new streams", connection());
      return;
    }
    log.info("{} peer sent GO_AWAY with error code {}; closing", connection(), code);
    ctx().close();
  }

  // ---------------------------------------------------------------- helpers

  private void ping0(Promise<Duration> promise) {
    if (!connection().isActive() || isClosing()) {
      if (promise != null) {
        promise.tryFailure(new MuxException(MuxError.CONNECTION_CLOSED, "connection is closed"));
      }
      return;
    }
    if (pings.size() >= config.maxPendingPings()) {
      if (promise != null) {
        promise.tryFailure(
            new MuxException(MuxError.OPEN_REFUSED, pings.size() + " pings already outstanding"));
      }
      return;
    }
    long id = nextPingId;
    nextPingId = nextPingId == MAX_WINDOW ? 1 : nextPingId + 1;
    pings.put(id, new PendingPing(nanoClock.getAsLong(), promise));
    writeFrame(YamuxFrameCodec.encode(ctx().alloc(), YamuxType.PING, YamuxFlags.SYN, 0, id));
    ctx().flush();
  }

  private void failPings() {
    for (PendingPing p : pings.values()) {
      if (p.promise != null) {
        p.promise.tryFailure(new MuxException(MuxError.CONNECTION_CLOSED, "connection closed"));
      }
    }
    pings.clear();
  }

  @Override
  protected void onTeardown() {
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    failPings();
  }

  private void writeRst(long id) {
    writeFrame(YamuxFrameCodec.encode(ctx().alloc(), YamuxType.WINDOW_UPDATE, YamuxFlags.RST, id, 0));
  }

  private void writeGoAway(int code) {
    if (!goAwaySent) {
      goAwaySent = true;
      writeFrame(YamuxFrameCodec.encode(ctx().alloc(), YamuxType.GO_AWAY, 0, 0, code));
    }
  }

  private static final class StreamState {
    /** Bytes we may still send before the peer's next WINDOW_UPDATE. */
    long sendWindow = MuxConfig.YAMUX_PROTOCOL_WINDOW;
    /** Bytes the peer may still send us (granted, not yet received). */
    long recvCredit;
    /** The receive window we aim to keep granted; grows with auto-tuning. */
    long recvTarget;
    /** When the last window update was sent (auto-tuning epoch). */
    long epochStart;
    /** Outbound streams: the peer's ACK (or the stream's end) was seen. */
    boolean acked;

    StreamState(int window, long now) {
      recvCredit = window;
      recvTarget = window;
      epochStart = now;
    }
  }

  private record PendingPing(long sentNanos, Promise<Duration> promise) {}
}
