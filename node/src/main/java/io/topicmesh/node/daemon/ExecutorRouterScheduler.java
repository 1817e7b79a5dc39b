package io.topicmesh.node.daemon;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The router's timers on a real scheduled executor and the wall clock. */
final class ExecutorRouterScheduler implements RouterScheduler {
  private final ScheduledExecutorService executor;

  ExecutorRouterScheduler(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  @Override
  public long nowMillis() {
    return System.currentTimeMillis();
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
