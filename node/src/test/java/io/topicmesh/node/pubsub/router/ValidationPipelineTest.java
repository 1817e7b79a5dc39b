package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try")
class ValidationPipelineTest {
  private final VirtualScheduler time = new VirtualScheduler();
  private final RouterMutex mutex = new RouterMutex();
  private final ValidationPipeline pipeline = new ValidationPipeline(time, time, mutex, Duration.ofSeconds(5), System::nanoTime);
  private final ScriptedPeer source = new ScriptedPeer(RouterHarness.deterministicRandom(31));
  private final List<String> outcomes = new ArrayList<>();
  private final List<String> calls = new ArrayList<>();

  private void start(String data) {
    PendingMessage pv =
        new PendingMessage(
            source.id, new MessageId(ByteString.copyFromUtf8(data)), PubsubMessage.anonymous("t", ByteString.copyFromUtf8(data)), 0, null);
    try (var l = mutex.lock("test")) {
      pipeline.start(
          pv,
          (p, o) -> {
            assertThat(mutex.isHeldByCurrentThread()).as("outcome under the mutex").isTrue();
            outcomes.add(p.message().data().toStringUtf8() + ":" + o);
          });
    }
  }

  private Validator answering(String name, ValidationResult r) {
    return (from, m) -> {
      calls.add(name);
      return CompletableFuture.completedFuture(r);
    };
  }

  @Test
  void validatorsRunInOrderOffTheMutexAndTheFirstNonAcceptEndsTheChain() {
    pipeline.addValidator("t", answering("a", ValidationResult.ACCEPT));
    pipeline.addValidator("t", answering("b", ValidationResult.IGNORE));
    pipeline.addValidator("t", answering("c", ValidationResult.REJECT));
    assertThat(pipeline.hasValidators("t")).isTrue();
    assertThat(pipeline.hasValidators("u")).isFalse();
    start("m");
    assertThat(pipeline.pending()).isEqualTo(1);
    assertThat(calls).as("nothing runs before the executor does").isEmpty();
    time.runPending();
    assertThat(calls).containsExactly("a", "b");
    assertThat(outcomes).containsExactly("m:IGNORE");
    assertThat(pipeline.pending()).isZero();
  }

  @Test
  void everyValidatorAcceptingAccepts() {
    pipeline.addValidator("t", answering("a", ValidationResult.ACCEPT));
    pipeline.addValidator("t", answering("b", ValidationResult.ACCEPT));
    start("m");
    time.runPending();
    assertThat(outcomes).containsExactly("m:ACCEPT");
  }

  @Test
  void aSlowValidatorTimesOutAndItsLateAnswerIsDropped() {
    CompletableFuture<ValidationResult> slow = new CompletableFuture<>();
    pipeline.addValidator("t", (from, m) -> slow);
    start("m");
    time.advance(4_999);
    assertThat(outcomes).isEmpty();
    assertThat(pipeline.pending()).isEqualTo(1);
    time.advance(1);
    assertThat(outcomes).containsExactly("m:TIMEOUT");
    slow.complete(ValidationResult.ACCEPT);
    time.runPending();
    assertThat(outcomes).as("decided once").containsExactly("m:TIMEOUT");
    assertThat(pipeline.pending()).isZero();
  }

  @Test
  void anAnswerBeforeTheTimeoutCancelsIt() {
    CompletableFuture<ValidationResult> later = new CompletableFuture<>();
    pipeline.addValidator("t", (from, m) -> later);
    start("m");
    time.advance(1_000);
    later.complete(ValidationResult.REJECT);
    time.advance(10_000);
    assertThat(outcomes).containsExactly("m:REJECT");
  }

  @Test
  void throwingFailingAndNullAnsweringValidatorsFail() {
    pipeline.addValidator(
        "t",
        (from, m) -> {
          String d = m.data().toStringUtf8();
          if (d.equals("throws")) {
            throw new IllegalStateException("boom");
          }
          return d.equals("null") ? null : CompletableFuture.failedFuture(new RuntimeException("no"));
        });
    start("throws");
    start("null");
    start("fails");
    time.runPending();
    assertThat(outcomes).containsExactly("throws:FAILED", "null:FAILED", "fails:FAILED");
    assertThat(pipeline.pending()).isZero();
  }

  @Test
  void outcomesMapToRejectReasons() {
    assertThat(ValidationPipeline.Outcome.ACCEPT.rejectReason()).isNull();
    assertThat(ValidationPipeline.Outcome.REJECT.rejectReason()).isEqualTo(RejectReason.VALIDATION_REJECTED);
    assertThat(ValidationPipeline.Outcome.IGNORE.rejectReason()).isEqualTo(RejectReason.VALIDATION_IGNORED);
    assertThat(ValidationPipeline.Outcome.TIMEOUT.rejectReason()).isEqualTo(RejectReason.VALIDATION_TIMEOUT);
    assertThat(ValidationPipeline.Outcome.FAILED.rejectReason()).isEqualTo(RejectReason.VALIDATION_FAILED);
  }

  @Test
  void aRefusingExecutorEndsTheValidationAsRefusedAndFreesItsSlot() {
    ValidationPipeline refusing =
        new ValidationPipeline(
            r -> {
              throw new java.util.concurrent.RejectedExecutionException("full");
            },
            time,
            mutex,
            Duration.ofSeconds(5),
            System::nanoTime);
    refusing.addValidator("t", answering("a", ValidationResult.ACCEPT));
    PendingMessage pv =
        new PendingMessage(source.id, new MessageId(ByteString.copyFromUtf8("m")), PubsubMessage.anonymous("t", ByteString.EMPTY), 0, null);
    try (var l = mutex.lock("test")) {
      refusing.start(pv, (p, o) -> outcomes.add(o.name()));
      assertThat(refusing.pending()).isEqualTo(1);
    }
    assertThat(outcomes).containsExactly("REFUSED");
    assertThat(refusing.pending()).isZero();
    assertThat(refusing.refused()).isEqualTo(1);
    assertThat(calls).isEmpty();
    assertThat(ValidationPipeline.Outcome.REFUSED.rejectReason()).isEqualTo(RejectReason.VALIDATION_THROTTLED);
  }
}
