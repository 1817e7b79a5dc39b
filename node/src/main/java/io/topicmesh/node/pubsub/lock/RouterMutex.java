package io.topicmesh.node.pubsub.lock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mutex that guards all router tables, after Apache Traffic Server's ProxyMutex.
 *
 * <p><b>The way in</b> is {@link #execute}: it puts the task on the inbox and then tries the lock;
 * whoever holds the mutex runs queued tasks before releasing, so the caller never blocks, nothing
 * is dropped, and tasks run in the order they were submitted (per submitting thread, hence per
 * peer). Application threads that must wait for a result may instead take a blocking scope with
 * {@link #lock} ({@code try (var s = mutex.lock("api")) {…}}); never from an event loop. There is
 * no other entry: no public try-lock, and the router keeps no compare-and-set state beside the
 * mutex.
 *
 * <ul>
 *   <li>Reentrant by its owner thread.
 *   <li>A releasing holder runs at most {@code drainBudget} queued tasks, and starts none once its
 *       hold has lasted {@code drainTime} (wall time, so also a bound on its CPU time), so whoever
 *       happens to hold the mutex (a publisher, an event loop) never does everyone's work and holds
 *       stay short: a hold is its own work, plus at most {@code drainTime}, plus the last task. The
 *       rest is handed to the {@code drainExecutor} (the router's own thread, as ATS reschedules on
 *       its event thread); without one, the releasing thread goes on in rounds of {@code
 *       drainBudget} tasks, releasing the mutex between rounds.
 *   <li>Work that must not run under the lock (network writes, user callbacks) is registered with
 *       {@link #afterRelease} and run by the releasing thread once the mutex is free.
 *   <li>Hold time and contention go to a {@link LockListener}; a hold longer than the threshold is
 *       logged with the holder's name, at most once per {@link #LONG_HOLD_LOG_INTERVAL} per name
 *       (the listener still sees every one).
 *   <li>Hold time is wall time, which also counts the time the holder was descheduled (on a
 *       loaded machine most of a long hold). Given a thread CPU clock ({@link
 *       #currentThreadCpuTime()}), the mutex also measures the CPU time the holder spent under the
 *       lock, per hold and per task. Off by default: reading the thread CPU clock is a system call
 *       (1-4 µs on Linux, against ~0.1 µs for {@code nanoTime}), taken twice per hold and per task.
 * </ul>
 *
 * <p>The inbox has a high-water mark rather than a hard cap: dropping would lose protocol state,
 * so {@link #execute} reports pressure and callers stop reading (netty autoRead) until it clears.
 */
public final class RouterMutex {
  private static final Logger log = LoggerFactory.getLogger(RouterMutex.class);

  /** At most one long-hold warning per holder name per this interval; the rest are counted. */
  public static final Duration LONG_HOLD_LOG_INTERVAL = Duration.ofSeconds(10);

  /** Default bound on the queued tasks one holder runs before it releases. */
  public static final int DEFAULT_DRAIN_BUDGET = 256;

  /**
   * Default bound on the time one holder drains the inbox: no queued task is started once the hold
   * has lasted this long. A fifth of the 10 ms a hold should stay under.
   */
  public static final Duration DEFAULT_DRAIN_TIME = Duration.ofMillis(2);

  /** The CPU time passed to the listener when the mutex does not measure it. */
  public static final long CPU_NOT_MEASURED = -1;

  private final ReentrantLock lock = new ReentrantLock();
  private final Queue<Task> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inboxDepth = new AtomicInteger();
  private final int inboxHighWater;
  private final LongSupplier nanoTime;
  private final long longHoldNanos;
  private final LockListener listener;
  private final int drainBudget;
  private final long drainTimeNanos;
  private final Executor drainExecutor;
  /** The current thread's CPU time in ns, or null: CPU time is not measured. */
  private final LongSupplier threadCpuTime;
  /** A hand-over to the drain executor is queued and has not started yet (internal to the mutex). */
  private final AtomicBoolean handOverQueued = new AtomicBoolean();
  private volatile boolean drainExecutorRefused;
  // Long holds come in storms under saturation: the listener sees every one, the log a sample.
  private final WarnLimiter longHoldLog = new WarnLimiter(LONG_HOLD_LOG_INTERVAL.toNanos());
  // Owner-only state (read and written under the lock).
  private Queue<Runnable> afterRelease = new ArrayDeque<>();
  private String holder;
  private long acquiredAt;
  private long acquiredCpu;
  /** The outermost scope was taken with {@link #lock}: its body is reported as a task on release. */
  private boolean scopeBody;
  private volatile Runnable releaseHook;

  private record Task(String holder, Runnable work) {}

  /**
   * @param inboxHighWater inbox depth above which {@link #execute} reports pressure
   * @param nanoTime monotonic time source for hold measurements
   * @param longHold holds longer than this are logged
   */
  public RouterMutex(int inboxHighWater, LongSupplier nanoTime, Duration longHold, LockListener listener) {
    this(inboxHighWater, nanoTime, longHold, listener, DEFAULT_DRAIN_BUDGET, null);
  }

  /**
   * @param drainBudget queued tasks a releasing holder runs at most (per acquisition)
   * @param drainExecutor where the rest of the inbox is drained once a holder spent its budget
   *     (a thread of the router's own, never an event loop); null: the releasing thread goes on in
   *     rounds, releasing the mutex between them
   */
  public RouterMutex(
      int inboxHighWater,
      LongSupplier nanoTime,
      Duration longHold,
      LockListener listener,
      int drainBudget,
      Executor drainExecutor) {
    this(inboxHighWater, nanoTime, longHold, listener, drainBudget, DEFAULT_DRAIN_TIME, drainExecutor, null);
  }

  /**
   * @param drainTime a holder starts no queued task once its hold has lasted this long
   * @param threadCpuTime the current thread's CPU time in ns ({@link #currentThreadCpuTime()}), to
   *     measure the CPU time of holds and tasks besides their wall time; null: wall time only
   */
  public RouterMutex(
      int inboxHighWater,
      LongSupplier nanoTime,
      Duration longHold,
      LockListener listener,
      int drainBudget,
      Duration drainTime,
      Executor drainExecutor,
      LongSupplier threadCpuTime) {
    if (inboxHighWater < 1) {
      throw new IllegalArgumentException("inboxHighWater must be >= 1, got " + inboxHighWater);
    }
    if (drainBudget < 1) {
      throw new IllegalArgumentException("drainBudget must be >= 1, got " + drainBudget);
    }
    this.inboxHighWater = inboxHighWater;
    this.nanoTime = Objects.requireNonNull(nanoTime);
    this.longHoldNanos = longHold.toNanos();
    this.listener = Objects.requireNonNull(listener);
    this.drainBudget = drainBudget;
    this.drainTimeNanos = drainTime.toNanos();
    if (drainTimeNanos < 0) {
      throw new IllegalArgumentException("drainTime must be >= 0, got " + drainTime);
    }
    this.drainExecutor = drainExecutor;
    this.threadCpuTime = threadCpuTime;
  }

  /**
   * The JVM's CPU clock of the current thread (ThreadMXBean), or null where the JVM has none or it is
   * disabled.
   */
  public static LongSupplier currentThreadCpuTime() {
    java.lang.management.ThreadMXBean b = java.lang.management.ManagementFactory.getThreadMXBean();
    if (!b.isCurrentThreadCpuTimeSupported() || !b.isThreadCpuTimeEnabled()) {
      return null;
    }
    return b::getCurrentThreadCpuTime;
  }

  /** Whether holds and tasks are measured in CPU time too. */
  public boolean measuresCpuTime() {
    return threadCpuTime != null;
  }

  public RouterMutex() {
    this(10_000, System::nanoTime, Duration.ofMillis(100), LockListener.NONE);
  }

  /**
   * A held scope; closing the outermost one drains the inbox (up to the budget), releases, then
   * runs after-release work.
   */
  public final class Scope implements AutoCloseable {
    private boolean closed;

    private Scope() {}

    @Override
    public void close() {
      if (closed) {
        return;
      }
      closed = true;
      release();
    }
  }

  /** Blocks until the mutex is held. Not for event-loop threads: use {@link #execute}. */
  public Scope lock(String holderName) {
    if (lock.isHeldByCurrentThread()) {
      lock.lock();
      return new Scope();
    }
    boolean contended = !lock.tryLock();
    long waited = 0;
    if (contended) {
      long start = nanoTime.getAsLong();
      lock.lock();
      waited = nanoTime.getAsLong() - start;
    }
    onAcquired(holderName, waited, contended);
    scopeBody = true;
    return new Scope();
  }

  /** Takes the mutex if it is free (or already ours); {@code null} otherwise. Only {@link #execute} and the hand-over use it. */
  private Scope tryLock(String holderName) {
    if (lock.isHeldByCurrentThread()) {
      lock.lock();
      return new Scope();
    }
    if (!lock.tryLock()) {
      return null;
    }
    onAcquired(holderName, 0, false);
    return new Scope();
  }

  /**
   * Runs {@code work} under the mutex without ever blocking: if the mutex is busy the task waits on
   * the inbox and the current holder runs it before releasing. Tasks submitted earlier always run
   * first. Returns {@code false} when the inbox is above its high-water mark (apply backpressure).
   */
  public boolean execute(String holderName, Runnable work) {
    Objects.requireNonNull(work);
    // Uncontended: the mutex is free and nothing waits in the inbox, so the task is the next in
    // line; it runs at once instead of going through the inbox (which only the holder drains, so
    // an inbox found empty while holding the lock stays FIFO). A reentrant call queues, as ever:
    // it runs when the outermost scope releases.
    if (inbox.isEmpty() && !lock.isHeldByCurrentThread() && lock.tryLock()) {
      onAcquired(holderName, 0, false);
      if (inbox.isEmpty()) {
        runTask(holderName, work, holderName);
      } else {
        // Someone queued between the look and the lock: keep the order, ours goes last.
        inbox.add(new Task(holderName, work));
        inboxDepth.incrementAndGet();
      }
      release(); // drains the inbox (up to the budget), runs the hook, releases
      return true;
    }
    inbox.add(new Task(holderName, work));
    int depth = inboxDepth.incrementAndGet();
    Scope s = tryLock(holderName);
    if (s == null) {
      listener.queued(holderName, depth);
      return depth <= inboxHighWater;
    }
    s.close(); // draining happens on release
    return true;
  }

  /**
   * Sets work that runs under the lock at the end of every outermost scope, after the inbox is
   * drained (the router collects its outbound batches there).
   */
  public void setReleaseHook(Runnable hook) {
    this.releaseHook = hook;
  }

  /**
   * Registers work to run after the outermost scope is released, on the releasing thread (e.g.
   * flushing outbound RPCs). Must be called while holding the mutex.
   */
  public void afterRelease(Runnable work) {
    checkHeld();
    afterRelease.add(work);
  }

  public boolean isHeldByCurrentThread() {
    return lock.isHeldByCurrentThread();
  }

  /** Throws unless the current thread holds the mutex (guards table access in the router). */
  public void checkHeld() {
    if (!lock.isHeldByCurrentThread()) {
      throw new IllegalStateException("router mutex not held by " + Thread.currentThread().getName());
    }
  }

  public int inboxDepth() {
    return inboxDepth.get();
  }

  /** Name of the current holder, or null. Racy by nature; for diagnostics. */
  public String holder() {
    return holder;
  }

  private void onAcquired(String holderName, long waited, boolean contended) {
    holder = holderName;
    acquiredAt = nanoTime.getAsLong();
    acquiredCpu = threadCpuTime == null ? 0 : threadCpuTime.getAsLong();
    listener.acquired(holderName, waited, contended);
  }

  private void release() {
    if (lock.getHoldCount() > 1) {
      lock.unlock();
      return;
    }
    if (scopeBody) {
      scopeBody = false;
      if (threadCpuTime != null) {
        listener.taskRan(holder, nanoTime.getAsLong() - acquiredAt, threadCpuTime.getAsLong() - acquiredCpu);
      }
    }
    int budget = drainBudget;
    while (true) {
      do {
        int ran = drainInbox(budget);
        // time's up: the rest goes to the next holder (the drain executor, or another round)
        budget = nanoTime.getAsLong() - acquiredAt >= drainTimeNanos ? 0 : budget - ran;
        runHook();
      } while (budget > 0 && !inbox.isEmpty());
      String name = holder;
      long held = nanoTime.getAsLong() - acquiredAt;
      long heldCpu = threadCpuTime == null ? CPU_NOT_MEASURED : threadCpuTime.getAsLong() - acquiredCpu;
      // Hand the after-release work over by swapping queues (no copy); most releases have none.
      Queue<Runnable> post = null;
      if (!afterRelease.isEmpty()) {
        post = afterRelease;
        afterRelease = new ArrayDeque<>();
      }
      holder = null;
      lock.unlock();
      listener.released(name, held, heldCpu);
      if (held > longHoldNanos) {
        listener.longHold(name, held, heldCpu);
        long suppressed = longHoldLog.admit(name, nanoTime.getAsLong());
        if (suppressed != WarnLimiter.SUPPRESSED) {
          log.warn(
              "router mutex held {} ms wall time ({}) by {} ({} similar warnings suppressed since the last)",
              held / 1_000_000, cpuPart(heldCpu), name, suppressed);
        }
      }
      if (post != null) {
        runAll(post);
      }
      if (inbox.isEmpty()) {
        return;
      }
      if (budget <= 0) {
        if (drainExecutor != null && !drainExecutorRefused) {
          handOver();
          return;
        }
        budget = drainBudget; // no drain executor: another round, the mutex was free in between
      }
      // A task was queued after the last drain; its submitter saw the mutex held: take it over.
      if (!lock.tryLock()) {
        return;
      }
      onAcquired("inbox", 0, false);
    }
  }

  /** Queues one drain of the inbox on the drain executor, unless one is queued already. */
  private void handOver() {
    if (!handOverQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      drainExecutor.execute(
          () -> {
            handOverQueued.set(false);
            // If the mutex is busy its holder drains (or hands over) when it releases.
            Scope s = tryLock("inbox");
            if (s != null) {
              s.close();
            }
          });
    } catch (RejectedExecutionException e) {
      handOverQueued.set(false);
      drainExecutorRefused = true;
      log.info("router inbox drain executor refused work (shutting down): holders drain the whole inbox from now on");
      Scope s = tryLock("inbox");
      if (s != null) {
        s.close();
      }
    }
  }

  /**
   * Runs up to {@code max} queued tasks, none once the hold has lasted {@code drainTime}; returns
   * how many ran.
   */
  private int drainInbox(int max) {
    int ran = 0;
    long deadline = acquiredAt + drainTimeNanos;
    long now = nanoTime.getAsLong();
    Task t;
    while (ran < max && now - deadline < 0 && (t = inbox.poll()) != null) {
      ran++;
      inboxDepth.decrementAndGet();
      now = runTask(t.holder(), t.work(), holder);
    }
    return ran;
  }

  /**
   * Runs one task under the mutex, named {@code name} while it runs; a long one is reported. Returns
   * the time it ended.
   */
  private long runTask(String name, Runnable work, String outer) {
    holder = name;
    long start = nanoTime.getAsLong();
    long startCpu = threadCpuTime == null ? 0 : threadCpuTime.getAsLong();
    try {
      work.run();
    } catch (RuntimeException e) {
      log.error("router task from {} failed", name, e);
    } finally {
      holder = outer;
    }
    long end = nanoTime.getAsLong();
    long took = end - start;
    long tookCpu = CPU_NOT_MEASURED;
    if (threadCpuTime != null) {
      tookCpu = threadCpuTime.getAsLong() - startCpu;
      listener.taskRan(name, took, tookCpu);
    }
    if (took > longHoldNanos) {
      // Name the task, not only the scope that happened to run it.
      listener.longHold(name, took, tookCpu);
      long suppressed = longHoldLog.admit(name, nanoTime.getAsLong());
      if (suppressed != WarnLimiter.SUPPRESSED) {
        log.warn(
            "router task {} ran {} ms wall time ({}) under the mutex (run by {}; {} similar warnings suppressed since the last)",
            name, took / 1_000_000, cpuPart(tookCpu), outer, suppressed);
      }
    }
    return end;
  }

  /** The CPU part of a long-hold line: wall time minus CPU time is time spent descheduled or waiting. */
  private static String cpuPart(long cpuNanos) {
    if (cpuNanos == CPU_NOT_MEASURED) {
      return "CPU time not measured; wall time includes time descheduled";
    }
    return String.format(java.util.Locale.ROOT, "%.1f ms CPU time", cpuNanos / 1e6);
  }

  private void runHook() {
    Runnable hook = releaseHook;
    if (hook == null) {
      return;
    }
    long start = 0;
    long startCpu = 0;
    if (threadCpuTime != null) {
      start = nanoTime.getAsLong();
      startCpu = threadCpuTime.getAsLong();
    }
    try {
      hook.run();
    } catch (RuntimeException e) {
      log.error("router release hook failed", e);
    }
    if (threadCpuTime != null) {
      listener.taskRan("releaseHook", nanoTime.getAsLong() - start, threadCpuTime.getAsLong() - startCpu);
    }
  }

  private static void runAll(Queue<Runnable> post) {
    for (Runnable r : post) {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.error("after-release work failed", e);
      }
    }
  }
}
