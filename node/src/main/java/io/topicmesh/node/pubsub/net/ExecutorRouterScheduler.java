package io.topicmesh.node.pubsub.net;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The router's scheduler on wall-clock time: timers on a {@link ScheduledExecutorService} (the
 * heartbeat never blocks it), {@link #nowMillis()} from a {@link Clock}.
 */
public final class ExecutorRouterScheduler implements RouterScheduler {
  private final ScheduledExecutorService executor;
  private final Clock clock;

  public ExecutorRouterScheduler(ScheduledExecutorService executor, Clock clock) {
    this.executor = executor;
    this.clock = clock;
  }

  @Override
  public long nowMillis() {
    return clock.millis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMillis) {
    if (executor.isShutdown()) {
      return () -> { };
    }
    ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }
}
