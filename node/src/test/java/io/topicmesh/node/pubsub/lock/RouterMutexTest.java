package io.topicmesh.node.pubsub.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RouterMutexTest {
  static final class Recorder implements LockListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void acquired(String holder, long waitNanos, boolean contended) {
      events.add("acquired " + holder + (contended ? " contended" : ""));
    }

    @Override
    public void released(String holder, long holdNanos) {
      events.add("released " + holder + " " + holdNanos);
    }

    @Override
    public void queued(String holder, int depth) {
      events.add("queued " + holder + " " + depth);
    }

    @Override
    public void longHold(String holder, long holdNanos) {
      events.add("long " + holder + " " + holdNanos);
    }
  }

  /** For tests of the count budget on real time: no drain-time bound however loaded the machine. */
  private static final Duration NO_DRAIN_TIME_BOUND = Duration.ofDays(1);

  /** Records the CPU-time side of the listener. */
  static final class CpuRecorder implements LockListener {
    final List<String> events = new CopyOnWriteArrayList<>();

    @Override
    public void released(String holder, long holdNanos, long cpuNanos) {
      events.add("released " + holder + " wall " + holdNanos + " cpu " + cpuNanos);
    }

    @Override
    public void taskRan(String name, long wallNanos, long cpuNanos) {
      events.add("task " + name + " wall " + wallNanos + " cpu " + cpuNanos);
    }
  }

  @Test
  void measuresCpuTimePerHoldAndPerTaskBesidesWallTime() {
    CpuRecorder rec = new CpuRecorder();
    AtomicLong now = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec, 16, RouterMutex.DEFAULT_DRAIN_TIME, null, cpu::get);
    assertThat(m.measuresCpuTime()).isTrue();
    try (var s = m.lock("heartbeat")) {
      now.addAndGet(50);
      cpu.addAndGet(5);
      // queued behind the holder: runs in the holder's release, as its own task
      assertThat(m.execute("rpc", () -> {
        now.addAndGet(30);
        cpu.addAndGet(20);
      })).isTrue();
    }
    assertThat(rec.events).containsExactly(
        "task heartbeat wall 50 cpu 5", "task rpc wall 30 cpu 20", "released heartbeat wall 80 cpu 25");
    rec.events.clear();
    m.execute("publish", () -> {
      now.addAndGet(7);
      cpu.addAndGet(3);
    });
    assertThat(rec.events).containsExactly("task publish wall 7 cpu 3", "released publish wall 7 cpu 3");
  }

  @Test
  void withoutACpuClockHoldsReportCpuNotMeasuredAndNoTasks() {
    CpuRecorder rec = new CpuRecorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec);
    assertThat(m.measuresCpuTime()).isFalse();
    try (var s = m.lock("heartbeat")) {
      now.addAndGet(50);
    }
    assertThat(rec.events).containsExactly("released heartbeat wall 50 cpu " + RouterMutex.CPU_NOT_MEASURED);
  }

  @Test
  void theJvmThreadCpuClockAdvancesWithWork() {
    var clock = RouterMutex.currentThreadCpuTime();
    assertThat(clock).as("HotSpot on Linux has a thread CPU clock").isNotNull();
    long before = clock.getAsLong();
    long x = 0;
    long deadline = System.nanoTime() + 200_000_000L;
    while (clock.getAsLong() == before && System.nanoTime() < deadline) {
      x += Long.numberOfTrailingZeros(x + System.nanoTime());
    }
    assertThat(clock.getAsLong()).as("after spinning (%d)", x).isGreaterThan(before);
  }

  @Test
  void scopesAreReentrantAndReleaseOnlyAtTheOutermost() {
    Recorder rec = new Recorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec);
    try (var outer = m.lock("outer")) {
      try (var inner = m.lock("inner")) {
        assertThat(m.isHeldByCurrentThread()).isTrue();
      }
      assertThat(m.isHeldByCurrentThread()).isTrue();
      now.addAndGet(5);
    }
    assertThat(m.isHeldByCurrentThread()).isFalse();
    assertThat(rec.events).containsExactly("acquired outer", "released outer 5");
    assertThatThrownBy(m::checkHeld).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void longHoldIsReportedWithTheHoldersName() {
    Recorder rec = new Recorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec);
    try (var s = m.lock("heartbeat")) {
      now.addAndGet(Duration.ofMillis(250).toNanos());
    }
    assertThat(rec.events).contains("long heartbeat 250000000");
  }

  @Test
  void executeRunsAtOnceWhenFree() {
    RouterMutex m = new RouterMutex();
    List<Boolean> held = new ArrayList<>();
    assertThat(m.execute("loop", () -> held.add(m.isHeldByCurrentThread()))).isTrue();
    assertThat(held).containsExactly(true);
    assertThat(m.isHeldByCurrentThread()).isFalse();
  }

  @Test
  void contendedTaskIsRunByTheHolderBeforeRelease() throws Exception {
    Recorder rec = new Recorder();
    RouterMutex m = new RouterMutex(10, System::nanoTime, Duration.ofSeconds(10), rec);
    List<String> ranOn = new CopyOnWriteArrayList<>();
    Thread submitter;
    try (var s = m.lock("holder")) {
      submitter =
          new Thread(
              () -> {
                boolean ok = m.execute("eventloop", () -> ranOn.add(Thread.currentThread().getName()));
                ranOn.add("returned " + ok);
              },
              "eventloop-1");
      submitter.start();
      submitter.join(5000);
      assertThat(submitter.isAlive()).as("execute must not block").isFalse();
      assertThat(ranOn).containsExactly("returned true");
      assertThat(m.inboxDepth()).isEqualTo(1);
    }
    assertThat(ranOn).containsExactly("returned true", Thread.currentThread().getName());
    assertThat(m.inboxDepth()).isZero();
    assertThat(rec.events).contains("queued eventloop 1");
  }

  @Test
  void afterReleaseWorkRunsOutsideTheLock() {
    RouterMutex m = new RouterMutex();
    List<Boolean> heldDuring = new ArrayList<>();
    try (var s = m.lock("router")) {
      m.afterRelease(() -> heldDuring.add(m.isHeldByCurrentThread()));
      assertThat(heldDuring).isEmpty();
    }
    assertThat(heldDuring).containsExactly(false);
    assertThatThrownBy(() -> m.afterRelease(() -> {})).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void blockingLockReportsContention() throws Exception {
    Recorder rec = new Recorder();
    RouterMutex m = new RouterMutex(10, System::nanoTime, Duration.ofSeconds(10), rec);
    CountDownLatch done = new CountDownLatch(1);
    Thread t;
    try (var s = m.lock("first")) {
      t =
          new Thread(
              () -> {
                try (var s2 = m.lock("second")) {
                  done.countDown();
                }
              });
      t.start();
      await().atMost(Duration.ofSeconds(5)).until(() -> t.getState() == Thread.State.WAITING);
    }
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(rec.events).contains("acquired second contended");
  }

  @Test
  void highWaterMarkSignalsPressureWithoutDropping() throws Exception {
    RouterMutex m = new RouterMutex(2, System::nanoTime, Duration.ofSeconds(10), LockListener.NONE);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    List<Boolean> accepted = new CopyOnWriteArrayList<>();
    try (var s = m.lock("holder")) {
      Thread t =
          new Thread(
              () -> {
                for (int i = 0; i < 4; i++) {
                  int n = i;
                  accepted.add(m.execute("loop", () -> ran.add(n)));
                }
              });
      t.start();
      t.join(5000);
    }
    assertThat(accepted).containsExactly(true, true, false, false);
    assertThat(ran).containsExactly(0, 1, 2, 3);
  }

  @Test
  void perThreadOrderIsKeptUnderContention() throws Exception {
    RouterMutex m = new RouterMutex(1_000_000, System::nanoTime, Duration.ofSeconds(10), LockListener.NONE);
    int threads = 4;
    int perThread = 5_000;
    List<List<Integer>> seen = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      seen.add(Collections.synchronizedList(new ArrayList<>()));
    }
    List<Thread> ts = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int id = i;
      ts.add(
          new Thread(
              () -> {
                for (int n = 0; n < perThread; n++) {
                  int v = n;
                  m.execute("loop-" + id, () -> seen.get(id).add(v));
                }
              }));
    }
    Thread hog =
        new Thread(
            () -> {
              for (int i = 0; i < 2_000; i++) {
                try (var s = m.lock("hog")) {
                  Thread.onSpinWait();
                }
              }
            });
    hog.start();
    ts.forEach(Thread::start);
    for (Thread t : ts) {
      t.join(30_000);
    }
    hog.join(30_000);
    try (var s = m.lock("final")) {
      // draining happens on release
    }
    for (int i = 0; i < threads; i++) {
      List<Integer> got = seen.get(i);
      assertThat(got).hasSize(perThread);
      for (int n = 0; n < perThread; n++) {
        assertThat(got.get(n)).as("thread %d position %d", i, n).isEqualTo(n);
      }
    }
    assertThat(m.inboxDepth()).isZero();
  }

  @Test
  void slowQueuedTaskIsReportedUnderItsOwnName() throws Exception {
    Recorder rec = new Recorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(10, now::get, Duration.ofMillis(100), rec);
    try (var s = m.lock("api")) {
      Thread t = new Thread(() -> m.execute("rpc", () -> now.addAndGet(Duration.ofMillis(300).toNanos())));
      t.start();
      t.join(5000);
    }
    assertThat(rec.events).contains("long rpc 300000000", "long api 300000000");
  }

  /** Queues {@code n} tasks from another thread while the caller holds {@code m}. */
  private static void queueFromAnotherThread(RouterMutex m, int n, List<Integer> ran) throws Exception {
    Thread t =
        new Thread(
            () -> {
              for (int i = 0; i < n; i++) {
                int k = i;
                m.execute("rpc", () -> ran.add(k));
              }
            });
    t.start();
    t.join(5000);
    assertThat(t.isAlive()).isFalse();
    assertThat(m.inboxDepth()).isEqualTo(n);
  }

  @Test
  void aHolderRunsAtMostItsBudgetAndHandsTheRestToTheDrainExecutor() throws Exception {
    List<Runnable> handedOver = new ArrayList<>();
    RouterMutex m =
        new RouterMutex(1_000, System::nanoTime, Duration.ofSeconds(10), LockListener.NONE, 3, NO_DRAIN_TIME_BOUND,
            handedOver::add, null);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    try (var s = m.lock("publisher")) {
      queueFromAnotherThread(m, 10, ran);
    }
    assertThat(ran).as("the publisher ran only its budget").containsExactly(0, 1, 2);
    assertThat(handedOver).as("one hand-over queued").hasSize(1);
    m.execute("rpc", () -> ran.add(99)); // the mutex is free: runs the queue head first, within budget
    assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(handedOver).as("no second hand-over while one is queued").hasSize(1);
    while (!handedOver.isEmpty()) {
      handedOver.remove(0).run();
    }
    assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 99);
    assertThat(m.inboxDepth()).isZero();
  }

  @Test
  void aHolderStartsNoQueuedTaskOnceItsHoldLastedTheDrainTime() throws Exception {
    List<Runnable> handedOver = new ArrayList<>();
    CpuRecorder rec = new CpuRecorder();
    AtomicLong now = new AtomicLong();
    RouterMutex m = new RouterMutex(
        1_000, now::get, Duration.ofSeconds(10), rec, 100, Duration.ofMillis(2), handedOver::add, () -> 0L);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    Thread t = new Thread(() -> {
      for (int i = 0; i < 10; i++) {
        int k = i;
        m.execute("rpc", () -> {
          ran.add(k);
          now.addAndGet(1_000_000); // each task takes 1 ms
        });
      }
    });
    try (var s = m.lock("publisher")) {
      t.start();
      t.join(5000);
      assertThat(m.inboxDepth()).isEqualTo(10);
    }
    assertThat(ran).as("two 1 ms tasks fill the 2 ms drain time; the budget of 100 is not the bound")
        .containsExactly(0, 1);
    assertThat(handedOver).hasSize(1);
    assertThat(rec.events).last().isEqualTo("released publisher wall 2000000 cpu 0");
    while (!handedOver.isEmpty()) {
      handedOver.remove(0).run();
    }
    assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(m.inboxDepth()).isZero();
    // every hold, the hand-overs' included, lasted at most the drain time
    assertThat(rec.events.stream().filter(e -> e.startsWith("released"))).hasSize(5)
        .allMatch(e -> e.contains(" wall 2000000 "));
  }

  @Test
  void withoutADrainExecutorTheHolderReleasesBetweenRounds() throws Exception {
    Recorder rec = new Recorder();
    RouterMutex m = new RouterMutex(
        1_000, System::nanoTime, Duration.ofSeconds(10), rec, 2, NO_DRAIN_TIME_BOUND, null, null);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    try (var s = m.lock("publisher")) {
      queueFromAnotherThread(m, 5, ran);
    }
    assertThat(ran).containsExactly(0, 1, 2, 3, 4);
    assertThat(rec.events.stream().filter(e -> e.startsWith("acquired") || e.startsWith("released")).map(e -> e.split(" ")[0] + " " + e.split(" ")[1]).toList())
        .containsExactly(
            "acquired publisher", "released publisher",
            "acquired inbox", "released inbox",
            "acquired inbox", "released inbox");
  }

  @Test
  void aRefusingDrainExecutorMakesHoldersDrainEverything() throws Exception {
    RouterMutex m =
        new RouterMutex(
            1_000,
            System::nanoTime,
            Duration.ofSeconds(10),
            LockListener.NONE,
            2,
            NO_DRAIN_TIME_BOUND,
            r -> {
              throw new java.util.concurrent.RejectedExecutionException("shut down");
            },
            null);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    try (var s = m.lock("closing")) {
      queueFromAnotherThread(m, 7, ran);
    }
    assertThat(ran).containsExactly(0, 1, 2, 3, 4, 5, 6);
    assertThat(m.inboxDepth()).isZero();
  }
}
