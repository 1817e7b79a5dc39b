package io.topicmesh.node.pubsub.lock;

/** Observes {@link RouterMutex} acquisitions and releases (metrics hook). Called without I/O. */
public interface LockListener {
  /**
   * The mutex was taken by {@code holder}; {@code contended} when the first attempt found it held
   * ({@code waitNanos} is then the blocking wait, 0 for try-lock and inbox paths).
   */
  default void acquired(String holder, long waitNanos, boolean contended) {}

  /** The outermost scope of {@code holder} ended after {@code holdNanos} (wall time). */
  default void released(String holder, long holdNanos) {}

  /**
   * As {@link #released(String, long)}, with the CPU time the holding thread spent in the scope:
   * {@code cpuNanos} is {@link RouterMutex#CPU_NOT_MEASURED} unless the mutex measures CPU time. Wall
   * time also counts the time the holder was descheduled; CPU time is the work done under the lock.
   * The mutex calls this one; by default it forwards to the two-argument form.
   */
  default void released(String holder, long holdNanos, long cpuNanos) {
    released(holder, holdNanos);
  }

  /**
   * One task ran under the mutex (an inbox task, the release hook, or the body of a scope), for
   * per-task-kind accounting. Called only when the mutex measures CPU time.
   */
  default void taskRan(String name, long wallNanos, long cpuNanos) {}

  /** A task could not take the mutex and was queued on the inbox, now {@code depth} deep. */
  default void queued(String holder, int depth) {}

  /** A hold exceeded the long-hold threshold. */
  default void longHold(String holder, long holdNanos) {}

  /**
   * As {@link #longHold(String, long)}, with the holder's CPU time ({@link
   * RouterMutex#CPU_NOT_MEASURED} unless measured). The mutex calls this one; by default it forwards.
   */
  default void longHold(String holder, long holdNanos, long cpuNanos) {
    longHold(holder, holdNanos);
  }

  LockListener NONE = new LockListener() {};
}
