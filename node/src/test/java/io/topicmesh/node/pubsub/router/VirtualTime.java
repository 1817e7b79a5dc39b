package io.topicmesh.node.pubsub.router;

import java.util.PriorityQueue;
import java.util.concurrent.Executor;

/** Deterministic virtual clock, scheduler and executor: nothing runs until the test advances. */
final class VirtualTime implements RouterScheduler, Executor {
  private record Timer(long at, long seq, Runnable task, boolean[] cancelled) {}

  private final PriorityQueue<Timer> timers =
      new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private long now = 1_000_000;
  private long seq;

  @Override
  public long nowMillis() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMillis) {
    boolean[] c = new boolean[1];
    timers.add(new Timer(now + Math.max(0, delayMillis), seq++, task, c));
    return () -> c[0] = true;
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0);
  }

  /** Runs everything due within {@code millis} from now, advancing the clock task by task. */
  void advance(long millis) {
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

  /** Runs what is due now (executor tasks) without moving the clock. */
  void runPending() {
    advance(0);
  }
}
