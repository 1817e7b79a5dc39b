package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** Every failed publish completes its future with a PublishException naming the reason. */
class PublishFailureTest {
  /** Refuses work while {@code refusing}, else defers it to virtual time. */
  private static final class SwitchableExecutor implements Executor {
    final VirtualScheduler time;
    boolean refusing = true;

    SwitchableExecutor(VirtualScheduler time) {
      this.time = time;
    }

    @Override
    public void execute(Runnable r) {
      if (refusing) {
        throw new RejectedExecutionException("queue full");
      }
      time.execute(r);
    }
  }

  private static PublishException.Reason reasonOf(CompletableFuture<PublishResult> f) {
    assertThat(f).as("publish future").isCompletedExceptionally();
    Throwable t = f.handle((r, e) -> e).join();
    assertThat(t).isInstanceOf(PublishException.class);
    return ((PublishException) t).reason();
  }

  private static final Validator ACCEPT_ALL = (src, m) -> CompletableFuture.completedFuture(ValidationResult.ACCEPT);

  @Test
  void aRefusedValidationFailsThePublishAndLeaksNoQueueSlot() {
    VirtualScheduler time = new VirtualScheduler();
    SwitchableExecutor validation = new SwitchableExecutor(time);
    RouterHarness h =
        new RouterHarness(
            b -> b.scheduler(time)
                .deliveryExecutor(time)
                .validationExecutor(validation)
                .params(GossipParams.builder().maxValidationQueue(1).build()));
    h.router.addValidator("t", ACCEPT_ALL);
    h.router.subscribe("t", h.delivered::add);
    CompletableFuture<PublishResult> refused = h.router.publish("t", "a".getBytes());
    assertThat(reasonOf(refused)).isEqualTo(PublishException.Reason.QUEUE_FULL);
    assertThat(h.events.events).contains("reject VALIDATION_THROTTLED");
    validation.refusing = false;
    CompletableFuture<PublishResult> next = h.router.publish("t", "b".getBytes());
    time.runPending();
    assertThat(next).as("the refused message gave its queue slot back").isCompletedWithValueMatching(r -> r.id() != null);
  }

  @Test
  void aShutDownValidationExecutorSaysShuttingDown() {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    pool.shutdown();
    RouterHarness h = new RouterHarness(b -> b.validationExecutor(pool));
    h.router.addValidator("t", ACCEPT_ALL);
    h.subscribe("t");
    assertThat(reasonOf(h.router.publish("t", "a".getBytes()))).isEqualTo(PublishException.Reason.SHUTTING_DOWN);
  }

  @Test
  void aRefusedReceivedMessageIsThrottledAndNotMarkedSeen() {
    VirtualScheduler time = new VirtualScheduler();
    SwitchableExecutor validation = new SwitchableExecutor(time);
    RouterHarness h =
        new RouterHarness(
            b -> b.scheduler(time)
                .deliveryExecutor(time)
                .validationExecutor(validation)
                .signaturePolicy(SignaturePolicy.STRICT_NO_SIGN));
    h.router.addValidator("t", ACCEPT_ALL);
    h.router.subscribe("t", h.delivered::add);
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    var m = io.topicmesh.node.pubsub.wire.PubsubMessage.anonymous("t", com.google.protobuf.ByteString.copyFromUtf8("x"));
    p.publish(m);
    time.runPending();
    assertThat(h.events.events).contains("reject VALIDATION_THROTTLED");
    assertThat(h.delivered).isEmpty();
    validation.refusing = false;
    p.publish(m);
    time.runPending();
    assertThat(h.delivered).as("a later copy is validated and delivered").hasSize(1);
  }

  @Test
  void validatorVerdictsMapToReasons() {
    RouterHarness h = new RouterHarness(b -> b.validationTimeout(Duration.ofSeconds(1)));
    CompletableFuture<ValidationResult> never = new CompletableFuture<>();
    h.router.addValidator(
        "t",
        (src, m) ->
            switch (m.data().toStringUtf8()) {
              case "reject" -> CompletableFuture.completedFuture(ValidationResult.REJECT);
              case "ignore" -> CompletableFuture.completedFuture(ValidationResult.IGNORE);
              case "throw" -> throw new IllegalStateException("validator bug");
              case "slow" -> never;
              default -> CompletableFuture.completedFuture(ValidationResult.ACCEPT);
            });
    h.subscribe("t");
    var reject = h.router.publish("t", "reject".getBytes());
    var ignore = h.router.publish("t", "ignore".getBytes());
    var fail = h.router.publish("t", "throw".getBytes());
    var slow = h.router.publish("t", "slow".getBytes());
    h.time.runPending();
    assertThat(reasonOf(reject)).isEqualTo(PublishException.Reason.REJECTED);
    assertThat(reasonOf(ignore)).isEqualTo(PublishException.Reason.IGNORED);
    assertThat(reasonOf(fail)).isEqualTo(PublishException.Reason.VALIDATOR_FAILED);
    assertThat(slow).isNotDone();
    h.time.advance(1_000);
    assertThat(reasonOf(slow)).isEqualTo(PublishException.Reason.VALIDATION_TIMEOUT);
  }

  @Test
  void tooLargeAndDuplicateAreTyped() {
    RouterHarness h = new RouterHarness(b -> b.signaturePolicy(SignaturePolicy.STRICT_NO_SIGN));
    h.subscribe("t");
    byte[] huge = new byte[io.topicmesh.node.pubsub.wire.RpcLimits.defaults().maxRpcSize()];
    assertThat(reasonOf(h.router.publish("t", huge))).isEqualTo(PublishException.Reason.TOO_LARGE);
    CompletableFuture<PublishResult> first = h.router.publish("t", "same".getBytes());
    h.time.runPending();
    assertThat(first).isCompleted();
    assertThat(reasonOf(h.router.publish("t", "same".getBytes()))).isEqualTo(PublishException.Reason.DUPLICATE);
  }
}
