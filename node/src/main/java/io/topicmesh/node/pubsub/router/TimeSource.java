package io.topicmesh.node.pubsub.router;

/**
 * A monotonic time source, read like {@link System#nanoTime()}: only differences between two
 * readings mean anything, the origin is arbitrary (it may be negative) and the value never goes
 * back. Every duration the router keeps (backoff, seen TTL, IWANT promises, fanout TTL, score
 * decay, validation timeout) is measured on it, so an NTP step of the wall clock can neither
 * stretch a backoff nor expire a seen cache early. A simulator implements it as virtual time
 * ({@link VirtualScheduler}).
 */
@FunctionalInterface
public interface TimeSource {
  /** Current reading in nanoseconds; monotonic, arbitrary origin. */
  long nanoTime();

  /** The JVM's monotonic clock. */
  static TimeSource system() {
    return System::nanoTime;
  }
}
