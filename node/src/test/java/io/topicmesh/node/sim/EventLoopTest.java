package io.topicmesh.node.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.router.RouterScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventLoopTest {
  @Test
  void runsInTimeOrderTiesInSchedulingOrderAndCancelledTimersNever() {
    EventLoop loop = new EventLoop();
    List<String> ran = new ArrayList<>();
    loop.schedule(() -> ran.add("b@5"), 5);
    loop.schedule(() -> ran.add("a@1"), 1);
    loop.schedule(() -> ran.add("c@5"), 5);
    RouterScheduler.Cancellable x = loop.schedule(() -> ran.add("cancelled"), 3);
    loop.schedule(() -> {
      ran.add("d@2 at " + loop.now());
      loop.schedule(() -> ran.add("e@2"), 0);
    }, 2);
    x.cancel();
    assertThat(loop.pending()).isEqualTo(4);
    loop.runUntil(4_000_000);
    assertThat(ran).containsExactly("a@1", "d@2 at 2000000", "e@2");
    assertThat(loop.now()).isEqualTo(4_000_000);
    loop.runUntil(10_000_000);
    assertThat(ran).containsExactly("a@1", "d@2 at 2000000", "e@2", "b@5", "c@5");
    assertThat(loop.pending()).isZero();
  }

  @Test
  void heapStaysOrderedUnderRandomInsertsAndRemovals() {
    EventLoop loop = new EventLoop();
    SplittableRandom r = new SplittableRandom(3);
    List<long[]> fired = new ArrayList<>();
    List<RouterScheduler.Cancellable> handles = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      long at = r.nextInt(1000);
      handles.add(loop.schedule(() -> fired.add(new long[] {loop.now()}), at));
    }
    for (int i = 0; i < 2_000; i++) {
      handles.get(r.nextInt(handles.size())).cancel();
    }
    int left = loop.pending();
    loop.runUntil(Long.MAX_VALUE / 2);
    assertThat(fired).hasSize(left);
    for (int i = 1; i < fired.size(); i++) {
      assertThat(fired.get(i)[0]).isGreaterThanOrEqualTo(fired.get(i - 1)[0]);
    }
  }

  /**
   * The calendar queue against a plain priority queue, in lockstep: events up to 30 s ahead (past the
   * calendar's 8.6 s horizon), many at the same instant, events scheduled and cancelled from inside
   * events, and the run cut into uneven pieces. Both must fire the same events in the same order.
   */
  @Test
  void calendarQueueFiresExactlyInTheOrderOfOnePriorityQueue() {
    EventLoop loop = new EventLoop();
    SplittableRandom r = new SplittableRandom(11);
    java.util.PriorityQueue<long[]> ref = new java.util.PriorityQueue<>(
        (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    java.util.Set<Long> refCancelled = new java.util.HashSet<>();
    List<Long> fired = new ArrayList<>();
    java.util.Set<Long> firedSet = new java.util.HashSet<>();
    List<RouterScheduler.Cancellable> handles = new ArrayList<>();
    List<Long> handleIds = new ArrayList<>();
    long[] nextId = {0};
    // One step of the workload, run when an event fires (and once at the start): it schedules new
    // events and cancels old ones, mirroring each operation on the reference queue.
    class Workload {
      int budget = 60_000;

      void step(long now) {
        int n = budget > 0 ? r.nextInt(4) : 0;
        for (int k = 0; k < n; k++) {
          budget--;
          int pick = r.nextInt(10);
          long delayMs = pick < 4 ? 0 : pick < 8 ? r.nextInt(50) : r.nextInt(30_000);
          long id = nextId[0]++;
          ref.add(new long[] {now + delayMs * 1_000_000L, id});
          handles.add(loop.schedule(() -> {
            fired.add(id);
            firedSet.add(id);
            step(loop.now());
          }, delayMs));
          handleIds.add(id);
        }
        if (r.nextInt(4) == 0 && !handles.isEmpty()) {
          int h = r.nextInt(handles.size());
          handles.get(h).cancel();
          if (!firedSet.contains(handleIds.get(h))) {
            refCancelled.add(handleIds.get(h));
          }
        }
      }
    }
    Workload w = new Workload();
    for (int i = 0; i < 200; i++) {
      w.step(0);
    }
    long t = 0;
    while (loop.pending() > 0) {
      t += 1 + r.nextInt(3_000_000) * 1000L;
      loop.runUntil(t);
      assertThat(loop.now()).isEqualTo(t);
    }
    List<Long> expected = new ArrayList<>();
    while (!ref.isEmpty()) {
      long[] e = ref.poll();
      if (!refCancelled.contains(e[1])) {
        expected.add(e[1]);
      }
    }
    assertThat(fired.size()).as("events fired").isGreaterThan(10_000);
    assertThat(fired).isEqualTo(expected);
  }
}
