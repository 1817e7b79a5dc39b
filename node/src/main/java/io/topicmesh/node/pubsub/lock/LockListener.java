package io.topicmesh.node.pubsub.lock;

/** Observes {@link RouterMutex} acquisitions and releases (metrics hook). Called without I/O. */
public interface LockListener {
  /**
   * The mutex was taken by {@code holder}; {@code contended} when the first attempt found it held
   * ({@code waitNanos} is then the blocking wait, 0 for try-lock and inbox paths).
   */
  default void acquired(String holder, long waitNanos, boolean contended) {}

  /** The outermost scope of {@code holder} ended after {@code holdNanos}. */
  default void released(String holder, long holdNanos) {}

  /** A task could not take the mutex and was queued on the inbox, now {@code depth} deep. */
  default void queued(String holder, int depth) {}

  /** A hold exceeded the long-hold threshold. */
  default void longHold(String holder, long holdNanos) {}

  LockListener NONE = new LockListener() {};
}
