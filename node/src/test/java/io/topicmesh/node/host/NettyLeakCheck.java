package io.topicmesh.node.host;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test class when netty's leak detector reports a leaked buffer while it ran. netty only
 * reports leaks when it tracks a new buffer after the leaked one was garbage collected, so the
 * check runs a few GC + allocate rounds before looking at the captured reports.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final List<String> REPORTS = new CopyOnWriteArrayList<>();
  private static volatile boolean installed;

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
    if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
      throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid, got "
          + ResourceLeakDetector.getLevel());
    }
    REPORTS.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    check(context.getDisplayName());
  }

  /** Provokes pending leak reports and throws if any was captured since the last check. */
  static void check(String what) {
    install();
    for (int round = 0; round < 5 && REPORTS.isEmpty(); round++) {
      System.gc();
      System.runFinalization();
      for (int i = 0; i < 32; i++) {
        ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(16);
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(16);
        a.release();
        b.release();
      }
    }
    if (!REPORTS.isEmpty()) {
      String first = REPORTS.get(0);
      int n = REPORTS.size();
      REPORTS.clear();
      throw new AssertionError("netty reported " + n + " leak(s) in " + what + ", first:\n" + first);
    }
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent e) {
        if (e.getFormattedMessage().contains("LEAK")) {
          REPORTS.add(e.getFormattedMessage());
        }
      }
    };
    appender.setContext(logger.getLoggerContext());
    appender.setName("netty-leak-check");
    appender.start();
    logger.addAppender(appender);
    installed = true;
  }
}
