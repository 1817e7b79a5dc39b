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
}
