package io.topicmesh.node.mux;

import java.io.IOException;

/** A muxer failure with a typed {@link MuxError} reason. No stack trace: these are expected. */
public class MuxException extends IOException {
  private static final long serialVersionUID = 1L;

  private final MuxError error;

  public MuxException(MuxError error, String message) {
    super(error + ": " + message, null);
    this.error = error;
  }

  public MuxError error() {
    return error;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
