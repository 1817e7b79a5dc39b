package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.lock.WarnLimiter;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * StrictSign signature checks, the costliest step on the receive path, run off the router mutex
 * on the validation executor, or (with {@code verify(.., true)}) on the thread that releases the
 * mutex, after the release. One copy of a message id is checked at a time: copies from other
 * peers that arrive meanwhile wait, and are checked in turn only if the one in flight turns out
 * forged (a forged copy must not shadow the genuine message). Bounded by {@link #MAX_IN_FLIGHT}
 * ids and {@link #MAX_WAITING_COPIES} copies per id. Every method but {@link #check} runs under
 * the router mutex.
 */
final class SignatureVerifier {
  private static final Logger log = LoggerFactory.getLogger(SignatureVerifier.class);

  static final int MAX_IN_FLIGHT = 4096;
  static final int MAX_WAITING_COPIES = 16;

  /** What to do with a copy of a message that is not yet seen. */
  enum Admission {
    /** The id is now in flight: call {@link #verify}. */
    VERIFY,
    /** Another copy is in flight; this one waits in case that one is forged. */
    WAIT,
    /** Too many copies wait already: count this one as a duplicate. */
    DUPLICATE,
    /** Too many ids in flight: refuse this copy. */
    THROTTLED
  }

  private final SignaturePolicy policy;
  private final Executor executor;
  private final RouterMutex mutex;
  private final Consumer<PendingMessage> onRefused;
  private final Map<MessageId, ArrayDeque<PendingMessage>> inFlight = new HashMap<>();
  private final WarnLimiter refusalLog = new WarnLimiter(ValidationPipeline.REFUSAL_LOG_INTERVAL_NANOS);
  private final LongSupplier stopwatch;
  private long refused;

  /**
   * @param onRefused runs under the mutex for a copy the executor refused (its id is forgotten,
   *     so a later copy is checked again)
   * @param stopwatch nanoTime-like clock for rate-limiting warnings only
   */
  SignatureVerifier(
      SignaturePolicy policy,
      Executor executor,
      RouterMutex mutex,
      Consumer<PendingMessage> onRefused,
      LongSupplier stopwatch) {
    this.policy = Objects.requireNonNull(policy);
    this.executor = Objects.requireNonNull(executor);
    this.mutex = Objects.requireNonNull(mutex);
    this.onRefused = Objects.requireNonNull(onRefused);
    this.stopwatch = Objects.requireNonNull(stopwatch);
  }

  SignatureVerifier(SignaturePolicy policy, Executor executor, RouterMutex mutex) {
    this(policy, executor, mutex, pv -> {}, System::nanoTime);
  }

  /** Copies the executor refused so far. */
  long refused() {
    return refused;
  }

  Admission offer(PendingMessage pv) {
    ArrayDeque<PendingMessage> waiting = inFlight.get(pv.id());
    if (waiting != null) {
      if (waiting.size() < MAX_WAITING_COPIES) {
        waiting.add(pv);
        return Admission.WAIT;
      }
      return Admission.DUPLICATE;
    }
    if (inFlight.size() >= MAX_IN_FLIGHT) {
      return Admission.THROTTLED;
    }
    inFlight.put(pv.id(), new ArrayDeque<>());
    return Admission.VERIFY;
  }

  boolean inFlight(MessageId id) {
    return inFlight.containsKey(id);
  }

  int inFlightCount() {
    return inFlight.size();
  }

  /**
   * Checks {@code pv}'s signature on the executor once the mutex is released; {@code onVerdict}
   * then runs under the mutex with the reason to reject, or empty if genuine. If the executor
   * refuses the task (full, or shutting down), the id is forgotten, the refusal counted and
   * logged, and {@code onRefused} runs instead of a verdict.
   */
  void verify(PendingMessage pv, BiConsumer<PendingMessage, Optional<RejectReason>> onVerdict) {
    verify(pv, onVerdict, false);
  }

  /**
   * As {@link #verify(PendingMessage, BiConsumer)}; with {@code here} the check runs on the thread
   * that releases the mutex (after release, never under it) instead of on the executor.
   */
  void verify(PendingMessage pv, BiConsumer<PendingMessage, Optional<RejectReason>> onVerdict, boolean here) {
    Runnable task =
        () -> {
          Optional<RejectReason> verdict = check(pv.message(), policy);
          mutex.execute("verified", () -> onVerdict.accept(pv, verdict));
        };
    if (here) {
      mutex.afterRelease(task);
      return;
    }
    mutex.afterRelease(
        () -> {
          try {
            executor.execute(task);
          } catch (RejectedExecutionException e) {
            mutex.execute("verified", () -> refuse(pv));
          }
        });
  }

  private void refuse(PendingMessage pv) {
    forget(pv.id());
    refused++;
    long suppressed = refusalLog.admit("refused", stopwatch.getAsLong());
    if (suppressed != WarnLimiter.SUPPRESSED) {
      log.warn(
          "pubsub message {} on {} not verified: the validation executor refused it ({} refusals in all,"
              + " {} similar warnings suppressed since the last)",
          pv.id(), pv.message().topic(), refused, suppressed);
    }
    onRefused.accept(pv);
  }

  /**
   * The copy in flight was forged: returns the next waiting copy (the id stays in flight for it),
   * or null if none waits (then call {@link #forget}).
   */
  PendingMessage nextCopy(MessageId id) {
    ArrayDeque<PendingMessage> waiting = inFlight.get(id);
    return waiting == null ? null : waiting.poll();
  }

  /** Drops {@code id} and any copies waiting for it. */
  void forget(MessageId id) {
    inFlight.remove(id);
  }

  /** The copy in flight is genuine: forgets the id and returns the copies that waited for it. */
  Collection<PendingMessage> verified(MessageId id) {
    ArrayDeque<PendingMessage> waiting = inFlight.remove(id);
    return waiting == null ? List.of() : waiting;
  }

  /** The signature check itself; runs off the mutex. A check that throws counts as invalid. */
  static Optional<RejectReason> check(PubsubMessage m, SignaturePolicy policy) {
    try {
      return MessageSigning.check(m, policy);
    } catch (RuntimeException e) {
      return Optional.of(RejectReason.INVALID_SIGNATURE);
    }
  }
}
