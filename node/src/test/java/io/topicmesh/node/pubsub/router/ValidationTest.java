package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ValidationTest {
  @Test
  void acceptDeliversAndForwardsOnlyAfterTheValidatorAnswers() {
    RouterHarness h = new RouterHarness();
    List<CompletableFuture<ValidationResult>> pending = new ArrayList<>();
    h.router.addValidator("t", (src, m) -> {
      CompletableFuture<ValidationResult> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    });
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.heartbeats(1);
    RouterHarness.clearAll(ps);
    ps.get(0).publish(ps.get(0).signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(pending).hasSize(1);
    assertThat(ps.get(1).messages()).as("not forwarded before Accept").isEmpty();
    assertThat(h.delivered).isEmpty();
    pending.get(0).complete(ValidationResult.ACCEPT);
    h.time.runPending();
    assertThat(h.delivered).hasSize(1);
    assertThat(ps.get(1).messages()).hasSize(1);
    assertThat(ps.get(2).messages()).hasSize(1);
  }

  @Test
  void rejectPenalisesAndIgnoreDoesNot() {
    RouterHarness h =
        new RouterHarness(b -> b.scoreParams(PeerScoreParams.defaults().withTopic("t", TopicScoreParams.defaults())));
    h.router.addValidator("t", (src, m) -> CompletableFuture.completedFuture(
        m.data().byteAt(0) == 1 ? ValidationResult.REJECT : ValidationResult.IGNORE));
    h.subscribe("t");
    ScriptedPeer bad = h.peer();
    ScriptedPeer meh = h.peer();
    bad.subscribe("t");
    meh.subscribe("t");
    h.router.stop();
    bad.publish(bad.signed("t", new byte[] {1}));
    meh.publish(meh.signed("t", new byte[] {2}));
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.events.events).contains("reject VALIDATION_REJECTED", "reject VALIDATION_IGNORED");
    double badScore = h.router.score(bad.id);
    double mehScore = h.router.score(meh.id);
    assertThat(badScore).isLessThan(mehScore);
    assertThat(badScore).isLessThan(0);
  }

  @Test
  void fullValidationQueueThrottlesWithACounter() {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().maxValidationQueue(2).build()));
    h.router.addValidator("t", (src, m) -> new CompletableFuture<>()); // never answers
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    for (int i = 0; i < 5; i++) {
      p.publish(p.signed("t", new byte[] {(byte) i}));
    }
    h.time.runPending();
    assertThat(h.events.count("reject VALIDATION_THROTTLED")).isEqualTo(3);
    assertThat(h.router.score(p.id)).isZero();
  }

  @Test
  void throttledMessageCanBeAcceptedWhenItComesAgain() {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().maxValidationQueue(1).build()));
    List<CompletableFuture<ValidationResult>> pending = new ArrayList<>();
    h.router.addValidator("t", (src, m) -> {
      CompletableFuture<ValidationResult> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    });
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    PubsubMessage a = p.signed("t", new byte[] {1});
    PubsubMessage b = p.signed("t", new byte[] {2});
    p.publish(a);
    p.publish(b); // throttled
    h.time.runPending();
    pending.get(0).complete(ValidationResult.ACCEPT);
    h.time.runPending();
    p.publish(b);
    h.time.runPending();
    pending.get(1).complete(ValidationResult.ACCEPT);
    h.time.runPending();
    assertThat(h.delivered).hasSize(2);
  }

  @Test
  void validatorThatThrowsCountsAsFailure() {
    RouterHarness h = new RouterHarness();
    h.router.addValidator("t", (src, m) -> CompletableFuture.failedFuture(new RuntimeException("boom")));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(p.signed("t", new byte[] {1}));
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.events.events).contains("reject VALIDATION_FAILED");
  }

  @Test
  void localPublishIsValidatedToo() {
    RouterHarness h = new RouterHarness();
    h.router.addValidator("t", (src, m) -> CompletableFuture.completedFuture(ValidationResult.REJECT));
    h.subscribe("t");
    var f = h.router.publish("t", new byte[] {1});
    h.time.runPending();
    assertThat(f).isCompletedExceptionally();
  }

  @Test
  void validatorThatNeverAnswersTimesOutWithoutPenaltyAndFreesTheQueue() {
    RouterHarness h = new RouterHarness(b -> b.validationTimeout(java.time.Duration.ofSeconds(2))
        .params(GossipParams.builder().maxValidationQueue(1).build()));
    List<CompletableFuture<ValidationResult>> pending = new ArrayList<>();
    h.router.addValidator("t", (src, m) -> {
      CompletableFuture<ValidationResult> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    });
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(p.signed("t", new byte[] {1}));
    h.time.advance(2_000);
    assertThat(h.events.events).contains("reject VALIDATION_TIMEOUT");
    pending.get(0).complete(ValidationResult.ACCEPT); // too late: ignored
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.router.score(p.id)).isZero();
    p.publish(p.signed("t", new byte[] {2}));
    h.time.runPending();
    pending.get(1).complete(ValidationResult.ACCEPT);
    h.time.runPending();
    assertThat(h.delivered).hasSize(1);
  }
}
