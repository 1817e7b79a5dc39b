package io.topicmesh.node.pubsub.router;

/**
 * The router's time and timers in one object, so the two can never disagree: {@link #nanoTime()}
 * is the monotonic time every router duration is measured on, and {@link #schedule} runs a task
 * once that time has advanced by the delay. Production uses {@code ExecutorRouterScheduler}
 * (a {@code ScheduledExecutorService} and {@link System#nanoTime()}); tests and the simulator use
 * {@link VirtualScheduler}, where nothing happens until the caller advances the clock.
 */
public interface RouterScheduler extends TimeSource {
  /** Runs {@code task} after {@code delayMillis} of this scheduler's time; the handle cancels it. */
  Cancellable schedule(Runnable task, long delayMillis);

  /** A scheduled task handle. */
  interface Cancellable {
    void cancel();
  }
}
