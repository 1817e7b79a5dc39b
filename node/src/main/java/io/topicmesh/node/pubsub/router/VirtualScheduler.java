package io.topicmesh.node.pubsub.router;

import java.util.PriorityQueue;
import java.util.concurrent.Executor;

/**
 * Deterministic virtual time: a {@link RouterScheduler} and an {@link Executor} on which nothing
 * runs until the caller {@link #advance advances} the clock. Timers fire in order of due time,
 * ties in the order they were scheduled; executor tasks are timers due now. Many routers may share
 * one instance (one virtual clock for a whole simulated network). Single-threaded: call every
 * method from the thread that drives the simulation.
 */
public final class VirtualScheduler implements RouterScheduler, Executor {
  /** Bound on pending timers; more means a runaway feedback loop in the driven code. */
  public static final int MAX_PENDING = 10_000_000;

  private record Timer(long at, long seq, Runnable task, boolean[] cancelled) {}

  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long now;
  private long seq;

  /** Starts at virtual time 1,000,000 ms. */
  public VirtualScheduler() {
    this(1_000_000);
  }

  public VirtualScheduler(long startMillis) {
    this.now = startMillis;
  }

  /** Virtual time in milliseconds. */
  public long nowMillis() {
    return now;
  }

  @Override
  public long nanoTime() {
    return now * 1_000_000L;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMillis) {
    if (timers.size() >= MAX_PENDING) {
      throw new IllegalStateException("more than " + MAX_PENDING + " virtual timers pending");
    }
    boolean[] c = new boolean[1];
    timers.add(new Timer(now + Math.max(0, delayMillis), seq++, task, c));
    return () -> c[0] = true;
  }

  /** Runs {@code command} at the current virtual time, on the next {@link #advance}. */
  @Override
  public void execute(Runnable command) {
    schedule(command, 0);
  }

  /** Runs everything due within {@code millis} from now, moving the clock task by task. */
  public void advance(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("cannot go back in time: " + millis + " ms");
    }
    long end = now + millis;
    while (!timers.isEmpty() && timers.peek().at <= end) {
      Timer t = timers.poll();
      now = Math.max(now, t.at);
      if (!t.cancelled[0]) {
        t.task.run();
      }
    }
    now = end;
  }

  /** Runs what is due now (executor tasks and whatever they schedule for now) without moving the clock. */
  public void runPending() {
    advance(0);
  }

  /** Timers not yet run (cancelled ones included until their due time). */
  public int pending() {
    return timers.size();
  }
}
