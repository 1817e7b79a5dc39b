package io.topicmesh.node.pubsub.router;

/** The router's time and timers, injected so tests run on virtual time. */
public interface RouterScheduler {
  /** Current time in milliseconds (monotonic enough for TTLs; epoch or virtual). */
  long nowMillis();

  /** Runs {@code task} after {@code delayMillis}; the returned handle cancels it. */
  Cancellable schedule(Runnable task, long delayMillis);

  /** A scheduled task handle. */
  interface Cancellable {
    void cancel();
  }
}
