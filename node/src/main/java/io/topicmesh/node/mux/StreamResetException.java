package io.topicmesh.node.mux;

/**
 * The stream was reset (yamux RST, mplex Reset) or torn down with its connection; {@link #error()}
 * says which ({@link MuxError#RESET_BY_REMOTE}, {@link MuxError#RESET_BY_LOCAL}, {@link
 * MuxError#CONNECTION_CLOSED}, {@link MuxError#STREAM_BUFFER_OVERFLOW}, ...).
 */
public final class StreamResetException extends MuxException {
  private static final long serialVersionUID = 1L;

  public StreamResetException(MuxError error, String message) {
    super(error, message);
  }
}
