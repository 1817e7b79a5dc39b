package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** StrictSign verification runs on the validation executor, never while the router mutex is held. */
class SignatureOffLockTest {
  /** Harness whose validation executor records, per task, whether the router mutex was held. */
  private static final class Probe {
    final List<Boolean> heldDuringTask = new ArrayList<>();
    final RouterHarness h;

    Probe() {
      RouterHarness[] self = new RouterHarness[1];
      h =
          new RouterHarness(
              b ->
                  b.validationExecutor(
                      cmd ->
                          self[0].time.execute(
                              () -> {
                                heldDuringTask.add(self[0].router.mutex().isHeldByCurrentThread());
                                cmd.run();
                              })));
      self[0] = h;
    }
  }

  @Test
  void signatureIsVerifiedOnTheValidationExecutorOutsideTheMutex() {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    author.subscribe("t");
    PubsubMessage m = author.signed("t", "hello".getBytes());
    author.publish(m);
    // No validators on "t": the only validation-executor work is the signature check.
    assertThat(probe.heldDuringTask).isEmpty();
    assertThat(h.delivered).as("nothing delivered before the signature is checked").isEmpty();
    h.time.runPending();
    assertThat(probe.heldDuringTask).containsExactly(false);
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("hello");
  }

  @Test
  void concurrentCopiesAreVerifiedOnceDeliveredOnceAndForwardedOnce() {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer a = h.peer();
    ScriptedPeer b = h.peer();
    ScriptedPeer c = h.peer();
    for (ScriptedPeer p : List.of(a, b, c)) {
      p.subscribe("t");
    }
    h.heartbeats(1);
    RouterHarness.clearAll(List.of(a, b, c));
    probe.heldDuringTask.clear();
    PubsubMessage m = a.signed("t", "once".getBytes());
    a.publish(m);
    b.publish(m); // arrives while a's copy is still being verified
    h.time.runPending();
    assertThat(probe.heldDuringTask).containsExactly(false);
    assertThat(h.delivered).hasSize(1);
    assertThat(c.messages()).extracting(x -> x.data().toStringUtf8()).containsExactly("once");
    assertThat(h.events.events).contains("duplicate t");
  }

  @Test
  void genuineCopyWaitingBehindAForgedOneInFlightIsStillDelivered() {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    ScriptedPeer forger = h.peer();
    author.subscribe("t");
    forger.subscribe("t");
    PubsubMessage genuine = author.signed("t", "real".getBytes());
    PubsubMessage forged =
        new PubsubMessage(genuine.from(), ByteString.copyFromUtf8("fake"), genuine.seqno(), "t", genuine.signature(), null);
    assertThat(GossipTest.idOf(forged)).isEqualTo(GossipTest.idOf(genuine));
    forger.publish(forged);
    author.publish(genuine); // same id, queued behind the forged copy's verification
    h.time.runPending();
    assertThat(h.events.events).contains("reject INVALID_SIGNATURE");
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("real");
    assertThat(probe.heldDuringTask).containsExactly(false, false);
  }
}
