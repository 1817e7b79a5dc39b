package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link GossipRouter.Builder#verifyOnReceivingThread}: the signature of a message is checked on the
 * thread that handed its RPC to the router (after the mutex is released), unless another holder
 * drained that RPC; then on the validation executor, as without the option.
 */
class VerifyOnReceivingThreadTest {
  /** Harness with the option on whose validation executor records the tasks it is given. */
  private static final class Probe {
    final List<Thread> verifyThreads = new ArrayList<>();
    final List<Boolean> heldDuringVerify = new ArrayList<>();
    int executorTasks;
    final RouterHarness h;

    Probe() {
      RouterHarness[] self = new RouterHarness[1];
      h =
          new RouterHarness(
              b ->
                  b.verifyOnReceivingThread(true)
                      .validationExecutor(
                          cmd -> {
                            executorTasks++;
                            self[0].time.execute(cmd);
                          }));
      self[0] = h;
    }
  }

  @Test
  void rpcRunByItsReceiverIsVerifiedThereAfterReleaseNotOnTheExecutor() {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    ScriptedPeer other = h.peer();
    author.subscribe("t");
    other.subscribe("t");
    h.heartbeats(1);
    RouterHarness.clearAll(List.of(author, other));
    h.router.addObserver(
        new RouterObserver() {
          @Override
          public void delivered(String topic, io.topicmesh.node.pubsub.wire.MessageId id,
              io.topicmesh.node.identity.PeerId from, int bytes, long latencyMillis) {
            probe.verifyThreads.add(Thread.currentThread());
          }
        });
    PubsubMessage m = author.signed("t", "hello".getBytes());
    author.publish(m); // onRpc from this thread, the mutex free
    assertThat(probe.executorTasks).as("no validation-executor task for the signature check").isZero();
    // Verified, accepted and forwarded before onRpc returned, on this thread.
    assertThat(other.messages()).extracting(x -> x.data().toStringUtf8()).containsExactly("hello");
    assertThat(probe.verifyThreads).containsExactly(Thread.currentThread());
    h.time.runPending(); // the delivery executor
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("hello");
  }

  @Test
  void forgedMessageIsRejectedOnTheReceivingThreadAndNotForwarded() {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    ScriptedPeer other = h.peer();
    author.subscribe("t");
    other.subscribe("t");
    h.heartbeats(1);
    RouterHarness.clearAll(List.of(author, other));
    PubsubMessage genuine = author.signed("t", "real".getBytes());
    PubsubMessage forged =
        new PubsubMessage(genuine.from(), ByteString.copyFromUtf8("fake"), genuine.seqno(), "t", genuine.signature(), null);
    author.publish(forged);
    assertThat(h.events.events).contains("reject INVALID_SIGNATURE");
    assertThat(other.messages()).isEmpty();
    author.publish(genuine); // not shadowed by the forged copy
    assertThat(other.messages()).extracting(x -> x.data().toStringUtf8()).containsExactly("real");
    assertThat(probe.executorTasks).isZero();
    h.time.runPending();
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("real");
  }

  @Test
  void rpcDrainedByAnotherHolderIsVerifiedOnTheExecutor() throws Exception {
    Probe probe = new Probe();
    RouterHarness h = probe.h;
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    author.subscribe("t");
    PubsubMessage m = author.signed("t", "drained".getBytes());
    // Another thread holds the mutex while the RPC arrives: the RPC waits in the inbox and that
    // thread runs it when it releases, so the check must not run on it.
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch queued = new CountDownLatch(1);
    AtomicBoolean ranWithExecutorEmpty = new AtomicBoolean();
    CompletableFuture<Void> holder =
        CompletableFuture.runAsync(
            () -> {
              try (var s = h.router.mutex().lock("test-holder")) {
                held.countDown();
                queued.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              ranWithExecutorEmpty.set(probe.executorTasks == 0);
            });
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    author.publish(m); // queued: the mutex is busy
    assertThat(h.router.inboxDepth()).isEqualTo(1);
    queued.countDown();
    holder.get(10, TimeUnit.SECONDS);
    assertThat(ranWithExecutorEmpty).as("the holder handed the check to the executor").isFalse();
    assertThat(probe.executorTasks).isEqualTo(1);
    assertThat(h.delivered).isEmpty();
    h.time.runPending();
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("drained");
  }
}
