package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.lock.WarnLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topic validators and the messages being validated. A message's validators run one after
 * the other on the validation executor, never under the router mutex, and may answer later
 * (asynchronous validation); the first REJECT or IGNORE ends the chain. Whichever comes first,
 * the answer or the timeout, decides, under the router mutex; the other is dropped. The router
 * bounds the number of messages in validation with {@link #pending()}. Every method runs under
 * the router mutex.
 */
final class ValidationPipeline {
  private static final Logger log = LoggerFactory.getLogger(ValidationPipeline.class);

  /** At most one refusal warning per this interval; the rest are counted in the next line. */
  static final long REFUSAL_LOG_INTERVAL_NANOS = 10_000_000_000L;
  /** How a message's validation ended. */
  enum Outcome {
    ACCEPT(null),
    REJECT(RejectReason.VALIDATION_REJECTED),
    IGNORE(RejectReason.VALIDATION_IGNORED),
    /** A validator threw, completed exceptionally or answered null. */
    FAILED(RejectReason.VALIDATION_FAILED),
    /** The validators did not answer within the timeout. */
    TIMEOUT(RejectReason.VALIDATION_TIMEOUT),
    /** The validation executor refused the work: its queue is full. */
    REFUSED(RejectReason.VALIDATION_THROTTLED),
    /** The validation executor refused the work: it is shut down. */
    SHUT_DOWN(RejectReason.VALIDATION_THROTTLED);

    private final RejectReason reason;

    Outcome(RejectReason reason) {
      this.reason = reason;
    }

    /** Why a message with this outcome is not delivered; null for ACCEPT. */
    RejectReason rejectReason() {
      return reason;
    }

    static Outcome of(ValidationResult r) {
      if (r == null) {
        return FAILED;
      }
      return switch (r) {
        case ACCEPT -> ACCEPT;
        case REJECT -> REJECT;
        case IGNORE -> IGNORE;
      };
    }
  }

  /** One message in validation; its fields are guarded by the router mutex except {@code timeout}. */
  private static final class Validation {
    boolean decided;
    volatile RouterScheduler.Cancellable timeout;
  }

  private final Executor executor;
  private final RouterScheduler scheduler;
  private final RouterMutex mutex;
  private final Duration timeout;
  private final LongSupplier stopwatch;
  private final Map<String, List<Validator>> byTopic = new HashMap<>();
  private int pending;
  private long refused;
  private final WarnLimiter refusalLog = new WarnLimiter(REFUSAL_LOG_INTERVAL_NANOS);

  /** @param stopwatch nanoTime-like clock for rate-limiting warnings only */
  ValidationPipeline(
      Executor executor, RouterScheduler scheduler, RouterMutex mutex, Duration timeout, LongSupplier stopwatch) {
    this.stopwatch = Objects.requireNonNull(stopwatch);
    this.executor = Objects.requireNonNull(executor);
    this.scheduler = Objects.requireNonNull(scheduler);
    this.mutex = Objects.requireNonNull(mutex);
    this.timeout = Objects.requireNonNull(timeout);
  }

  void addValidator(String topic, Validator v) {
    byTopic.computeIfAbsent(topic, k -> new ArrayList<>()).add(Objects.requireNonNull(v));
  }

  boolean hasValidators(String topic) {
    List<Validator> vs = byTopic.get(topic);
    return vs != null && !vs.isEmpty();
  }

  /** Messages whose validation started and has not ended. */
  int pending() {
    return pending;
  }

  /** Messages the validation executor refused so far. */
  long refused() {
    return refused;
  }

  /**
   * Validates {@code pv} with its topic's validators (as they are now) once the mutex is
   * released; {@code onDone} runs under the mutex with the outcome, exactly once, also when the
   * executor refuses the work ({@link Outcome#REFUSED}, {@link Outcome#SHUT_DOWN}: counted and
   * logged here). The executor must refuse rather than run the task on the caller, which may be
   * a netty event loop.
   */
  void start(PendingMessage pv, BiConsumer<PendingMessage, Outcome> onDone) {
    mutex.checkHeld();
    List<Validator> vs = List.copyOf(byTopic.getOrDefault(pv.message().topic(), List.of()));
    pending++;
    mutex.afterRelease(
        () -> {
          try {
            executor.execute(() -> run(pv, vs, onDone));
          } catch (RejectedExecutionException e) {
            Outcome o = executor instanceof ExecutorService es && es.isShutdown() ? Outcome.SHUT_DOWN : Outcome.REFUSED;
            mutex.execute("validation", () -> refuse(pv, o, onDone));
          }
        });
  }

  private void refuse(PendingMessage pv, Outcome o, BiConsumer<PendingMessage, Outcome> onDone) {
    refused++;
    pending--;
    long suppressed = refusalLog.admit("refused", stopwatch.getAsLong());
    if (suppressed != WarnLimiter.SUPPRESSED) {
      log.warn(
          "pubsub {} message {} on {} not validated: the validation executor refused it ({}; {} refusals in all,"
              + " {} similar warnings suppressed since the last)",
          pv.local() ? "local" : "received", pv.id(), pv.message().topic(),
          o == Outcome.SHUT_DOWN ? "shut down" : "queue full", refused, suppressed);
    }
    onDone.accept(pv, o);
  }

  /** On the validation executor. */
  private void run(PendingMessage pv, List<Validator> vs, BiConsumer<PendingMessage, Outcome> onDone) {
    CompletionStage<ValidationResult> chain = CompletableFuture.completedFuture(ValidationResult.ACCEPT);
    for (Validator validator : vs) {
      chain =
          chain.thenCompose(
              r -> r == ValidationResult.ACCEPT
                  ? validator.validate(pv.source(), pv.message())
                  : CompletableFuture.completedFuture(r));
    }
    Validation v = new Validation();
    v.timeout =
        scheduler.schedule(
            () -> mutex.execute("validation", () -> finish(v, pv, Outcome.TIMEOUT, onDone)),
            timeout.toMillis());
    chain.whenComplete(
        (r, err) -> {
          Outcome o = err != null ? Outcome.FAILED : Outcome.of(r);
          mutex.execute("validation", () -> finish(v, pv, o, onDone));
        });
  }

  private void finish(Validation v, PendingMessage pv, Outcome o, BiConsumer<PendingMessage, Outcome> onDone) {
    if (v.decided) {
      return;
    }
    v.decided = true;
    RouterScheduler.Cancellable t = v.timeout;
    if (t != null) {
      t.cancel();
    }
    pending--;
    onDone.accept(pv, o);
  }
}
