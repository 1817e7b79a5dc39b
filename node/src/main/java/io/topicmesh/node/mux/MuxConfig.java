package io.topicmesh.node.mux;

import java.time.Duration;

/**
 * Limits and tuning shared by the yamux and mplex handlers. Immutable; every field is checked by
 * the constructor, which names the field and the value it rejected.
 *
 * @param maxInboundStreams streams the peer may have open at once on one connection; an extra
 *     inbound stream is refused with RST (yamux) or Reset (mplex). Default 512, at least 1.
 * @param maxOutboundStreams streams we may have open at once; {@code openStream} fails beyond it.
 *     Default 512, at least 1.
 * @param maxAckBacklog yamux: outbound streams opened but not yet acknowledged by the peer; the
 *     libp2p spec says at most 256. {@code openStream} fails beyond it. Default 256, 1..256.
 * @param yamuxInitialWindow yamux receive window per stream at open. The protocol fixes 256 KiB as
 *     the window both sides assume; a larger value is announced with the SYN/ACK. Default 256 KiB,
 *     at least 256 KiB.
 * @param yamuxMaxWindow yamux receive window a stream may auto-tune up to when its reader keeps
 *     up (go-yamux doubles it when window updates come faster than 4 RTT). It is also the largest
 *     data frame we accept. Default 16 MiB, at least {@code yamuxInitialWindow}, at most 1 GiB.
 * @param maxSendFrameLength largest payload we put in one data frame (yamux Data, mplex Message);
 *     larger writes are split. Default 64 KiB, 1 KiB..1 MiB (mplex's protocol maximum).
 * @param mplexMaxStreamBufferBytes mplex has no flow control: bytes received on a stream but not
 *     yet read by its pipeline beyond this bound reset the stream, as go-mplex does. Default 4 MiB,
 *     at least 1 MiB (one maximal frame).
 * @param maxPendingPings yamux: our own pings awaiting an answer; {@code ping()} fails beyond it.
 *     Answers to pings we never sent are dropped and counted. Default 32, 1..1024.
 * @param maxConnectionBufferBytes memory one connection may commit to unread data beyond the
 *     protocol minimum. yamux: receive windows only auto-tune above the initial window while the
 *     sum of all streams' windows stays within it (like go-yamux's memory manager). mplex: when
 *     the unread bytes of all streams together would pass it, the stream receiving is reset.
 *     Default 64 MiB, at least {@code mplexMaxStreamBufferBytes}.
 * @param yamuxKeepAliveInterval yamux: a ping is sent this often to detect a dead peer (go-yamux
 *     does the same every 30 s); {@link Duration#ZERO} turns keepalives off. Default 30 s. The
 *     host applies the same interval to connections whose muxer has no ping (mplex), with a libp2p
 *     ping ({@code /ipfs/ping/1.0.0}) on a new stream.
 * @param yamuxPingTimeout yamux: a keepalive ping not answered within this closes the connection
 *     ({@link MuxError#KEEPALIVE_TIMEOUT}). Default 10 s, positive. Also the mplex keep-alive's
 *     ping timeout.
 */
public record MuxConfig(
    int maxInboundStreams,
    int maxOutboundStreams,
    int maxAckBacklog,
    int yamuxInitialWindow,
    int yamuxMaxWindow,
    int maxSendFrameLength,
    int mplexMaxStreamBufferBytes,
    int maxPendingPings,
    int maxConnectionBufferBytes,
    Duration yamuxKeepAliveInterval,
    Duration yamuxPingTimeout) {

  /** The window yamux peers assume at stream open (spec: "256KiB window size"). */
  public static final int YAMUX_PROTOCOL_WINDOW = 256 * 1024;

  /** mplex's maximum message size (spec: "up to 1MiB per message"). */
  public static final int MPLEX_MAX_FRAME = 1024 * 1024;

  public MuxConfig {
    check("maxInboundStreams", maxInboundStreams, 1, 1 << 20);
    check("maxOutboundStreams", maxOutboundStreams, 1, 1 << 20);
    check("maxAckBacklog", maxAckBacklog, 1, 256);
    check("yamuxInitialWindow", yamuxInitialWindow, YAMUX_PROTOCOL_WINDOW, 1 << 30);
    check("yamuxMaxWindow", yamuxMaxWindow, yamuxInitialWindow, 1 << 30);
    check("maxSendFrameLength", maxSendFrameLength, 1024, MPLEX_MAX_FRAME);
    check("mplexMaxStreamBufferBytes", mplexMaxStreamBufferBytes, MPLEX_MAX_FRAME, 1 << 30);
    check("maxPendingPings", maxPendingPings, 1, 1024);
    check("maxConnectionBufferBytes", maxConnectionBufferBytes, mplexMaxStreamBufferBytes, Integer.MAX_VALUE);
    if (yamuxKeepAliveInterval == null || yamuxKeepAliveInterval.isNegative()) {
      throw new IllegalArgumentException(
          "MuxConfig.yamuxKeepAliveInterval must be zero (off) or positive, got " + yamuxKeepAliveInterval);
    }
    if (yamuxPingTimeout == null || yamuxPingTimeout.isNegative() || yamuxPingTimeout.isZero()) {
      throw new IllegalArgumentException(
          "MuxConfig.yamuxPingTimeout must be positive, got " + yamuxPingTimeout);
    }
  }

  /** The documented defaults. */
  public static MuxConfig defaults() {
    return new MuxConfig(
        512, 512, 256, YAMUX_PROTOCOL_WINDOW, 16 << 20, 64 << 10, 4 << 20, 32, 64 << 20,
        Duration.ofSeconds(30), Duration.ofSeconds(10));
  }

  public MuxConfig withMaxInboundStreams(int v) {
    return new MuxConfig(v, maxOutboundStreams, maxAckBacklog, yamuxInitialWindow, yamuxMaxWindow,
        maxSendFrameLength, mplexMaxStreamBufferBytes, maxPendingPings,
        maxConnectionBufferBytes, yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withMaxOutboundStreams(int v) {
    return new MuxConfig(maxInboundStreams, v, maxAckBacklog, yamuxInitialWindow, yamuxMaxWindow,
        maxSendFrameLength, mplexMaxStreamBufferBytes, maxPendingPings,
        maxConnectionBufferBytes, yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withYamuxWindows(int initial, int max) {
    return new MuxConfig(maxInboundStreams, maxOutboundStreams, maxAckBacklog, initial, max,
        maxSendFrameLength, mplexMaxStreamBufferBytes, maxPendingPings,
        maxConnectionBufferBytes, yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withMaxSendFrameLength(int v) {
    return new MuxConfig(maxInboundStreams, maxOutboundStreams, maxAckBacklog, yamuxInitialWindow,
        yamuxMaxWindow, v, mplexMaxStreamBufferBytes, maxPendingPings,
        maxConnectionBufferBytes, yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withMplexMaxStreamBufferBytes(int v) {
    return new MuxConfig(maxInboundStreams, maxOutboundStreams, maxAckBacklog, yamuxInitialWindow,
        yamuxMaxWindow, maxSendFrameLength, v, maxPendingPings,
        Math.max(v, maxConnectionBufferBytes), yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withMaxConnectionBufferBytes(int v) {
    return new MuxConfig(maxInboundStreams, maxOutboundStreams, maxAckBacklog, yamuxInitialWindow,
        yamuxMaxWindow, maxSendFrameLength, mplexMaxStreamBufferBytes, maxPendingPings, v,
        yamuxKeepAliveInterval, yamuxPingTimeout);
  }

  public MuxConfig withYamuxKeepAlive(Duration interval, Duration pingTimeout) {
    return new MuxConfig(maxInboundStreams, maxOutboundStreams, maxAckBacklog, yamuxInitialWindow,
        yamuxMaxWindow, maxSendFrameLength, mplexMaxStreamBufferBytes, maxPendingPings,
        maxConnectionBufferBytes, interval, pingTimeout);
  }

  private static void check(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(
          "MuxConfig." + field + " must be in [" + min + ", " + max + "], got " + value);
    }
  }
}
