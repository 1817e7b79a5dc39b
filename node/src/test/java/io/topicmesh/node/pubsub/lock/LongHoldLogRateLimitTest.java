package io.topicmesh.node.pubsub.lock;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LongHoldLogRateLimitTest {
  private static final long MS = 1_000_000;
  private final Logger logger = (Logger) LoggerFactory.getLogger(RouterMutex.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void attach() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
    appender.stop();
  }

  private static void hold(RouterMutex m, AtomicLong now, String name, long ms) {
    try (var s = m.lock(name)) {
      now.addAndGet(ms * MS);
    }
  }

  @Test
  void atMostOneLinePerHolderPerIntervalWithExactListenerCounts() {
    RouterMutexTest.Recorder rec = new RouterMutexTest.Recorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec);
    for (int i = 0; i < 50; i++) {
      hold(m, now, "rpc", 150);
    }
    hold(m, now, "heartbeat", 200); // another holder has its own budget
    assertThat(rec.events.stream().filter(e -> e.startsWith("long "))).hasSize(51);
    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly(
            "router mutex held 150 ms wall time (CPU time not measured; wall time includes time descheduled) by rpc (0 similar warnings suppressed since the last)",
            "router mutex held 200 ms wall time (CPU time not measured; wall time includes time descheduled) by heartbeat (0 similar warnings suppressed since the last)");
    // 51 holds of 150-200 ms took 7.7 s; the next rpc warning after the 10 s window reports the rest.
    now.addAndGet(3_000 * MS);
    hold(m, now, "rpc", 120);
    assertThat(appender.list).hasSize(3);
    assertThat(appender.list.get(2).getFormattedMessage())
        .isEqualTo("router mutex held 120 ms wall time (CPU time not measured; wall time includes time descheduled) by rpc (49 similar warnings suppressed since the last)");
    hold(m, now, "rpc", 120);
    assertThat(appender.list).hasSize(3);
    assertThat(rec.events.stream().filter(e -> e.startsWith("long "))).hasSize(53);
  }

  @Test
  void longHoldLineGivesCpuTimeBesidesWallTimeWhenMeasured() {
    RouterMutexTest.Recorder rec = new RouterMutexTest.Recorder();
    AtomicLong now = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec, 16, RouterMutex.DEFAULT_DRAIN_TIME, null, cpu::get);
    try (var s = m.lock("heartbeat")) {
      now.addAndGet(300 * MS); // descheduled most of the time: 300 ms wall, 12.5 ms on the CPU
      cpu.addAndGet(12_500_000);
    }
    assertThat(appender.list).extracting(ILoggingEvent::getFormattedMessage)
        .containsExactly("router mutex held 300 ms wall time (12.5 ms CPU time) by heartbeat"
            + " (0 similar warnings suppressed since the last)");
  }

  @Test
  void limiterBoundsItsKeysAndSharesAnOverflowBucket() {
    WarnLimiter l = new WarnLimiter(10);
    for (int i = 0; i < WarnLimiter.MAX_KEYS; i++) {
      assertThat(l.admit("h" + i, 0)).isZero();
    }
    assertThat(l.admit("new1", 0)).isZero();
    assertThat(l.admit("new2", 1)).isEqualTo(WarnLimiter.SUPPRESSED);
    assertThat(l.admit("new3", 11)).isEqualTo(1);
    assertThat(l.admit("h0", 5)).isEqualTo(WarnLimiter.SUPPRESSED);
    assertThat(l.admit("h0", 10)).isEqualTo(1);
  }
}
