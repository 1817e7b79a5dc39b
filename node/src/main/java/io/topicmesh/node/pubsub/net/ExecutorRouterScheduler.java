package io.topicmesh.node.pubsub.net;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import io.topicmesh.node.pubsub.router.TimeSource;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The router's scheduler in production: timers on a {@link ScheduledExecutorService} (the
 * heartbeat never blocks it; its delays are monotonic too), time from {@link System#nanoTime()}.
 */
public final class ExecutorRouterScheduler implements RouterScheduler {
  private final ScheduledExecutorService executor;
  private final TimeSource time;

  public ExecutorRouterScheduler(ScheduledExecutorService executor) {
    this(executor, TimeSource.system());
  }

  public ExecutorRouterScheduler(ScheduledExecutorService executor, TimeSource time) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.time = Objects.requireNonNull(time, "time");
  }

  @Override
  public long nanoTime() {
    return time.nanoTime();
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
