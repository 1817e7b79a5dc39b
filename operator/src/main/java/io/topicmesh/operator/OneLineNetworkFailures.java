package io.topicmesh.operator;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.core.CoreConstants;
import java.io.IOException;

/**
 * The operator's {@code %ex} (logback.xml): an exception caused by a network failure (an {@link
 * IOException} anywhere in its cause chain: refused or cut connections, timeouts, TLS errors while
 * the API server restarts) is an expected event, so its log line gets the cause chain appended in
 * one line instead of a stack trace. The operator framework and the client log these with stack
 * traces (a failed reconcile or status patch, each retry). Any other exception keeps its full stack
 * trace: that is a bug to look at.
 */
public class OneLineNetworkFailures extends ThrowableProxyConverter {
  @Override
  public String convert(ILoggingEvent event) {
    IThrowableProxy proxy = event.getThrowableProxy();
    if (proxy == null) {
      return "";
    }
    if (proxy instanceof ThrowableProxy p && networkFailure(p.getThrowable())) {
      return " [" + OperatorMain.rootCause(p.getThrowable()) + "]";
    }
    String trace = super.convert(event); // ends with a line separator; the pattern's %n ends the entry
    if (trace.endsWith(CoreConstants.LINE_SEPARATOR)) {
      trace = trace.substring(0, trace.length() - CoreConstants.LINE_SEPARATOR.length());
    }
    return CoreConstants.LINE_SEPARATOR + trace;
  }

  static boolean networkFailure(Throwable e) {
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }
}
