package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.lock.RouterMutex;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try")
class SignatureVerifierTest {
  private final RouterMutex mutex = new RouterMutex();
  private final ScriptedPeer author = new ScriptedPeer(RouterHarness.deterministicRandom(21));
  private final List<String> verdicts = new ArrayList<>();

  private PendingMessage pending(PubsubMessage m) {
    return new PendingMessage(author.id, MessageIdFunction.FROM_AND_SEQNO.apply(m), m, 0, null);
  }

  private void record(PendingMessage pv, Optional<RejectReason> bad) {
    assertThat(mutex.isHeldByCurrentThread()).as("verdict delivered under the mutex").isTrue();
    verdicts.add(pv.message().data().toStringUtf8() + ":" + bad.map(Enum::name).orElse("ok"));
  }

  private void verifyUnderMutex(SignatureVerifier v, PendingMessage pv) {
    int before = verdicts.size();
    try (var l = mutex.lock("test")) {
      v.verify(pv, this::record);
      assertThat(verdicts).as("nothing checked while the mutex is held").hasSize(before);
    }
  }

  @Test
  void genuineAndForgedCopiesGetTheirVerdictUnderTheMutexAfterRelease() {
    SignatureVerifier v = new SignatureVerifier(SignaturePolicy.STRICT_SIGN, Runnable::run, mutex);
    PubsubMessage genuine = author.signed("t", "real".getBytes());
    PubsubMessage forged =
        new PubsubMessage(genuine.from(), ByteString.copyFromUtf8("fake"), genuine.seqno(), "t", genuine.signature(), genuine.key());
    verifyUnderMutex(v, pending(genuine));
    verifyUnderMutex(v, pending(forged));
    assertThat(verdicts).containsExactly("real:ok", "fake:INVALID_SIGNATURE");
  }

  @Test
  void copiesWaitForTheOneInFlightThenCountAsDuplicates() {
    SignatureVerifier v = new SignatureVerifier(SignaturePolicy.STRICT_SIGN, Runnable::run, mutex);
    PendingMessage first = pending(author.signed("t", "m".getBytes()));
    assertThat(v.offer(first)).isEqualTo(SignatureVerifier.Admission.VERIFY);
    for (int i = 0; i < SignatureVerifier.MAX_WAITING_COPIES; i++) {
      assertThat(v.offer(first)).isEqualTo(SignatureVerifier.Admission.WAIT);
    }
    assertThat(v.offer(first)).isEqualTo(SignatureVerifier.Admission.DUPLICATE);
    assertThat(v.inFlight(first.id())).isTrue();
    assertThat(v.nextCopy(first.id())).as("next copy after a forged one").isSameAs(first);
    assertThat(v.verified(first.id())).hasSize(SignatureVerifier.MAX_WAITING_COPIES - 1);
    assertThat(v.inFlight(first.id())).isFalse();
    assertThat(v.verified(first.id())).as("an unknown id has no waiting copies").isEmpty();
    assertThat(v.nextCopy(first.id())).isNull();
  }

  @Test
  void idsInFlightAreBounded() {
    SignatureVerifier v = new SignatureVerifier(SignaturePolicy.STRICT_SIGN, Runnable::run, mutex);
    for (int i = 0; i < SignatureVerifier.MAX_IN_FLIGHT; i++) {
      PubsubMessage m = PubsubMessage.anonymous("t", ByteString.copyFromUtf8("m" + i));
      PendingMessage pv = new PendingMessage(author.id, new MessageId(ByteString.copyFromUtf8("id" + i)), m, 0, null);
      assertThat(v.offer(pv)).isEqualTo(SignatureVerifier.Admission.VERIFY);
    }
    PendingMessage more =
        new PendingMessage(author.id, new MessageId(ByteString.copyFromUtf8("more")), PubsubMessage.anonymous("t", ByteString.EMPTY), 0, null);
    assertThat(v.offer(more)).isEqualTo(SignatureVerifier.Admission.THROTTLED);
    v.forget(new MessageId(ByteString.copyFromUtf8("id0")));
    assertThat(v.offer(more)).isEqualTo(SignatureVerifier.Admission.VERIFY);
  }

  @Test
  void aRefusingExecutorForgetsTheIdCountsItAndGivesNoVerdict() {
    Executor refusing =
        r -> {
          throw new RejectedExecutionException("shut down");
        };
    List<PendingMessage> refused = new ArrayList<>();
    SignatureVerifier v = new SignatureVerifier(SignaturePolicy.STRICT_SIGN, refusing, mutex, refused::add, System::nanoTime);
    PendingMessage pv = pending(author.signed("t", "x".getBytes()));
    assertThat(v.offer(pv)).isEqualTo(SignatureVerifier.Admission.VERIFY);
    verifyUnderMutex(v, pv);
    assertThat(v.inFlight(pv.id())).isFalse();
    assertThat(verdicts).isEmpty();
    assertThat(refused).containsExactly(pv);
    assertThat(v.refused()).isEqualTo(1);
  }

  @Test
  void aCheckThatThrowsCountsAsAnInvalidSignature() {
    PubsubMessage genuine = author.signed("t", "k".getBytes());
    PubsubMessage badKey =
        new PubsubMessage(genuine.from(), genuine.data(), genuine.seqno(), "t", genuine.signature(), ByteString.copyFrom(new byte[] {1, 2, 3}));
    assertThat(SignatureVerifier.check(badKey, SignaturePolicy.STRICT_SIGN)).isPresent();
    assertThat(SignatureVerifier.check(genuine, SignaturePolicy.STRICT_SIGN)).isEmpty();
  }
}
