package io.topicmesh.node.mux;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails a test if netty's (paranoid) leak detector reported a leaked buffer during it. The detector
 * reports when a leaked buffer has been collected and another buffer is tracked, so after the test
 * we collect garbage and allocate a few buffers to flush out reports.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @Override
  public void beforeEach(ExtensionContext context) {
    Logger logger = (Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
    appender.list.clear();
    appender.start();
    logger.addAppender(appender);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Logger logger = (Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
    try {
      for (int i = 0; i < 3; i++) {
        System.gc();
        for (int j = 0; j < 64; j++) {
          ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(8);
          ByteBuf b = UnpooledByteBufAllocator.DEFAULT.buffer(8);
          a.release();
          b.release();
        }
      }
      List<String> leaks =
          appender.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .filter(m -> m.contains("LEAK"))
              .collect(Collectors.toList());
      assertThat(leaks).as("netty leak reports during the test").isEmpty();
    } finally {
      logger.detachAppender(appender);
    }
  }
}
