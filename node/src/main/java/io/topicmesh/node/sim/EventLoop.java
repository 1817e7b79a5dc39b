package io.topicmesh.node.sim;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import java.util.Arrays;

/**
 * The simulation's one event queue: virtual time in nanoseconds, events in order of due time, ties
 * in the order they were scheduled (a sequence number), so one seed and one scenario always run the
 * same events in the same order. An indexed binary heap: a cancelled timer (the router cancels a
 * validation timeout for nearly every message) leaves the heap at once instead of lingering until
 * it is due. It is also every router's {@link RouterScheduler}. Single-threaded.
 */
final class EventLoop implements RouterScheduler {
  /** Bound on pending events; more means a runaway feedback loop in the simulated network. */
  static final int MAX_PENDING = 50_000_000;

  /** Something that happens at a virtual instant. */
  abstract static class Event {
    long at;
    long seq;
    int index = -1;

    abstract void fire();
  }

  private static final class Timer extends Event implements Cancellable {
    private final Runnable task;
    private final EventLoop loop;

    Timer(Runnable task, EventLoop loop) {
      this.task = task;
      this.loop = loop;
    }

    @Override
    void fire() {
      task.run();
    }

    @Override
    public void cancel() {
      loop.remove(this);
    }
  }

  private Event[] heap = new Event[1024];
  private int size;
  private long now;
  private long seq;
  private long fired;

  long now() {
    return now;
  }

  long fired() {
    return fired;
  }

  int pending() {
    return size;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayMillis) {
    Timer t = new Timer(task, this);
    at(t, now + Math.max(0, delayMillis) * 1_000_000L);
    return t;
  }

  /** Schedules {@code e} at absolute virtual time {@code atNanos} (not before now). */
  void at(Event e, long atNanos) {
    if (e.index >= 0) {
      throw new IllegalStateException("event already scheduled");
    }
    if (size >= MAX_PENDING) {
      throw new IllegalStateException("more than " + MAX_PENDING + " simulation events pending");
    }
    e.at = Math.max(atNanos, now);
    e.seq = seq++;
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    heap[size] = e;
    e.index = size;
    size++;
    up(size - 1);
  }

  void after(Event e, long delayNanos) {
    at(e, now + delayNanos);
  }

  void remove(Event e) {
    int i = e.index;
    if (i < 0) {
      return;
    }
    e.index = -1;
    size--;
    if (i == size) {
      heap[size] = null;
      return;
    }
    Event last = heap[size];
    heap[size] = null;
    heap[i] = last;
    last.index = i;
    if (!up(i)) {
      down(i);
    }
  }

  /** Runs events until the queue is empty or the next one is due after {@code endNanos}; then now = endNanos. */
  void runUntil(long endNanos) {
    while (size > 0 && heap[0].at <= endNanos) {
      Event e = heap[0];
      remove(e);
      now = e.at;
      fired++;
      e.fire();
    }
    now = Math.max(now, endNanos);
  }

  private static boolean less(Event a, Event b) {
    return a.at < b.at || (a.at == b.at && a.seq < b.seq);
  }

  private boolean up(int i) {
    Event e = heap[i];
    int start = i;
    while (i > 0) {
      int p = (i - 1) >>> 1;
      Event pe = heap[p];
      if (!less(e, pe)) {
        break;
      }
      heap[i] = pe;
      pe.index = i;
      i = p;
    }
    heap[i] = e;
    e.index = i;
    return i != start;
  }

  private void down(int i) {
    Event e = heap[i];
    int half = size >>> 1;
    while (i < half) {
      int c = 2 * i + 1;
      Event ce = heap[c];
      int r = c + 1;
      if (r < size && less(heap[r], ce)) {
        c = r;
        ce = heap[r];
      }
      if (!less(ce, e)) {
        break;
      }
      heap[i] = ce;
      ce.index = i;
      i = c;
    }
    heap[i] = e;
    e.index = i;
  }
}
