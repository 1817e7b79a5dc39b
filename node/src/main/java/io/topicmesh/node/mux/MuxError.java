package io.topicmesh.node.mux;

/**
 * Why a muxer closed a connection, reset or refused a stream, or dropped a frame. Used as the
 * reason label of {@link MuxListener} callbacks and carried by {@link MuxException}.
 */
public enum MuxError {
  /** A frame header announced more bytes than the protocol or our configuration allows. */
  FRAME_TOO_LARGE(true),
  /** A frame could not be parsed (bad varint, reserved bits, impossible field combination). */
  MALFORMED_FRAME(true),
  /** A yamux header with a version other than 0. */
  UNSUPPORTED_VERSION(true),
  /** A frame type or flag value the protocol does not define. */
  UNKNOWN_TYPE(true),
  /** A stream id that is invalid where it was used (0 for a stream frame, wrong parity for SYN). */
  INVALID_STREAM_ID(true),
  /** The peer opened a stream with an id that is already in use. */
  DUPLICATE_STREAM(true),
  /** The peer sent more data than the receive window it was granted (yamux). */
  WINDOW_OVERRUN(true),
  /** The peer grew our send window beyond 2^32-1 (yamux). */
  WINDOW_OVERFLOW(true),
  /** The peer answered a ping we never sent (or one already answered); dropped. Frame-level. */
  UNEXPECTED_PING(false),
  /** A ping not answered because the connection was not writable (a peer that does not read). */
  PING_NOT_ANSWERED(false),
  /** The peer did not answer a keepalive ping in time (yamux); the connection is closed. */
  KEEPALIVE_TIMEOUT(true),
  /** An inbound stream was refused because too many streams are open. Stream-level. */
  TOO_MANY_STREAMS(false),
  /** An inbound stream was refused because we are going away. Stream-level. */
  GOING_AWAY(false),
  /** A slow reader let more than the per-stream buffer bound accumulate (mplex). Stream-level. */
  STREAM_BUFFER_OVERFLOW(false),
  /** The peer sent data on a stream it had already closed for writing. Stream-level. */
  DATA_AFTER_CLOSE(false),
  /** A frame for a stream that does not exist (e.g. closed locally); dropped. Frame-level. */
  UNKNOWN_STREAM(false),
  /** The stream was reset by the remote peer. Stream-level. */
  RESET_BY_REMOTE(false),
  /** The stream was reset locally. Stream-level. */
  RESET_BY_LOCAL(false),
  /** The connection closed while the stream was open. */
  CONNECTION_CLOSED(false),
  /** The local side refused to open a stream (limit, go-away, connection closed). */
  OPEN_REFUSED(false);

  private final boolean fatal;

  MuxError(boolean fatal) {
    this.fatal = fatal;
  }

  /** True if this error closes the whole connection (a protocol violation). */
  public boolean isFatal() {
    return fatal;
  }
}
