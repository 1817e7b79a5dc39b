package io.topicmesh.node.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test class when netty's leak detector reports a leaked buffer that our code touched.
 *
 * <p>Listens to the detector's log, and after the class forces garbage collection and allocates,
 * which is when the detector reports. Only reports whose access records name one of {@code
 * packages} count, so a leak from another class in the same JVM is not blamed on this one. Leak
 * detection after GC is best effort: this catches leaks, it cannot prove their absence; refCnt()
 * checks in the tests do that.
 */
public final class NettyLeakCheck implements BeforeAllCallback, AfterAllCallback {
  private static final String DETECTOR_LOGGER = ResourceLeakDetector.class.getName();
  private final List<String> packages;
  private ListAppender<ILoggingEvent> appender;

  public NettyLeakCheck(String... packages) {
    this.packages = List.of(packages);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    verify();
  }

  /** Starts listening; for engines without Jupiter extensions (jqwik's @BeforeContainer). */
  public void start() {
    appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(DETECTOR_LOGGER)).addAppender(appender);
  }

  /** Provokes reporting and fails on leaks of ours; jqwik's @AfterContainer can call it. */
  public void verify() {
    try {
      for (int round = 0; round < 5; round++) {
        System.gc();
        Thread.onSpinWait();
        // The detector reports queued leaks when it tracks a new buffer.
        for (int i = 0; i < 200; i++) {
          ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(8);
          ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(8);
          a.release();
          b.release();
        }
      }
      List<String> ours =
          appender.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .filter(m -> m.contains("LEAK"))
              .filter(m -> packages.stream().anyMatch(m::contains))
              .collect(Collectors.toList());
      if (!ours.isEmpty()) {
        throw new AssertionError(
            ours.size() + " leaked buffer(s) reported by netty:\n" + String.join("\n---\n", ours));
      }
    } finally {
      ((Logger) LoggerFactory.getLogger(DETECTOR_LOGGER)).detachAppender(appender);
    }
  }
}
