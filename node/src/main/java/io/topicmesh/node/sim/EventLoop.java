package io.topicmesh.node.sim;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import java.util.Arrays;

/**
 * The simulation's one event queue: virtual time in nanoseconds, events in order of due time, ties
 * in the order they were scheduled (a sequence number), so one seed and one scenario always run the
 * same events in the same order. It is also every router's {@link RouterScheduler}. Single-threaded.
 *
 * <p>A calendar queue, because a binary heap over millions of pending events spent most of its
 * time in cache misses: events due within the next {@code SLOTS x SLOT_NANOS} (8.6 s) are appended
 * to the bucket of their 131 µs slot; the slot being run is an indexed binary heap of its few
 * events; later events wait in a second indexed heap until their slot comes. The order is exactly
 * (time, sequence), as with one heap. A cancelled timer (the router cancels a validation timeout
 * for nearly every message) leaves the heaps at once; in a bucket it is marked and skipped.
 */
final class EventLoop implements RouterScheduler {
  /** Bound on pending events; more means a runaway feedback loop in the simulated network. */
  static final int MAX_PENDING = 100_000_000;

  private static final int SLOT_SHIFT = 17;
  private static final int SLOTS = 1 << 16;
  private static final int MASK = SLOTS - 1;

  private static final byte NOWHERE = 0;
  private static final byte BUCKET = 1;
  private static final byte CURRENT = 2;
  private static final byte LATER = 3;

  /** Something that happens at a virtual instant. */
  abstract static class Event {
    long at;
    long seq;
    int index = -1;
    byte where;
    boolean cancelled;

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

  /** An indexed binary heap ordered by (at, seq). */
  private static final class Heap {
    private final byte tag;
    private Event[] heap = new Event[256];
    private int size;

    Heap(byte tag) {
      this.tag = tag;
    }

    int size() {
      return size;
    }

    Event peek() {
      return size == 0 ? null : heap[0];
    }

    void add(Event e) {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      e.where = tag;
      heap[size] = e;
      e.index = size;
      size++;
      up(size - 1);
    }

    Event poll() {
      Event e = heap[0];
      remove(e);
      return e;
    }

    void remove(Event e) {
      int i = e.index;
      e.index = -1;
      e.where = NOWHERE;
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

  private final Event[][] buckets = new Event[SLOTS][];
  private final int[] bucketSize = new int[SLOTS];
  private final Heap current = new Heap(CURRENT);
  private final Heap later = new Heap(LATER);
  /** The slot being run: events of this slot are in {@link #current}. */
  private long slot;
  /** Events in buckets, cancelled ones included until their slot is loaded. */
  private long inBuckets;
  private long pending;
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
    return (int) Math.min(Integer.MAX_VALUE, pending);
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
    if (e.where != NOWHERE) {
      throw new IllegalStateException("event already scheduled");
    }
    if (pending >= MAX_PENDING) {
      throw new IllegalStateException("more than " + MAX_PENDING + " simulation events pending");
    }
    e.at = Math.max(atNanos, now);
    e.seq = seq++;
    e.cancelled = false;
    pending++;
    long s = e.at >>> SLOT_SHIFT;
    if (s <= slot) {
      current.add(e);
    } else if (s - slot < SLOTS) {
      int b = (int) (s & MASK);
      Event[] arr = buckets[b];
      int n = bucketSize[b];
      if (arr == null) {
        arr = buckets[b] = new Event[16];
      } else if (n == arr.length) {
        arr = buckets[b] = Arrays.copyOf(arr, n * 2);
      }
      arr[n] = e;
      bucketSize[b] = n + 1;
      e.where = BUCKET;
      inBuckets++;
    } else {
      later.add(e);
    }
  }

  void after(Event e, long delayNanos) {
    at(e, now + delayNanos);
  }

  void remove(Event e) {
    switch (e.where) {
      case CURRENT -> current.remove(e);
      case LATER -> later.remove(e);
      case BUCKET -> {
        if (e.cancelled) {
          return;
        }
        e.cancelled = true;
      }
      default -> {
        return;
      }
    }
    pending--;
  }

  /** Runs events until none is due at or before {@code endNanos}; then now = endNanos. */
  void runUntil(long endNanos) {
    long endSlot = endNanos >>> SLOT_SHIFT;
    while (true) {
      Event e = current.peek();
      if (e != null) {
        if (e.at > endNanos) {
          break;
        }
        current.poll();
        pending--;
        now = e.at;
        fired++;
        e.fire();
        continue;
      }
      // The current slot is done: move to the next slot that holds anything.
      if (slot >= endSlot) {
        break;
      }
      if (inBuckets == 0) {
        Event l = later.peek();
        if (l == null) {
          slot = endSlot;
        } else {
          slot = Math.min(endSlot, Math.max(slot + 1, l.at >>> SLOT_SHIFT));
        }
      } else {
        slot++;
      }
      load(slot);
    }
    now = Math.max(now, endNanos);
  }

  private void load(long s) {
    int b = (int) (s & MASK);
    int n = bucketSize[b];
    if (n > 0) {
      Event[] arr = buckets[b];
      for (int i = 0; i < n; i++) {
        Event e = arr[i];
        arr[i] = null;
        e.where = NOWHERE;
        if (!e.cancelled) {
          current.add(e);
        }
      }
      bucketSize[b] = 0;
      inBuckets -= n;
      if (arr.length > 1024) {
        buckets[b] = null;
      }
    }
    long slotEnd = (s + 1) << SLOT_SHIFT;
    while (later.size() > 0 && later.peek().at < slotEnd) {
      current.add(later.poll());
    }
  }
}
