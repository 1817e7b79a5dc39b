package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeerOutboxTest {
  private final PeerId peer = new ScriptedPeer(RouterHarness.deterministicRandom(41)).id;

  private static PubsubMessage msg(String s) {
    return PubsubMessage.anonymous("t", ByteString.copyFromUtf8(s));
  }

  private static List<String> data(List<Rpc> rpcs) {
    return rpcs.stream().flatMap(r -> r.publish().stream()).map(m -> m.data().toStringUtf8()).toList();
  }

  @Test
  void collectBatchesTheLanesControlFirstAndFlushWritesInOrder() {
    List<Rpc> sent = new CopyOnWriteArrayList<>();
    PeerOutbox box = new PeerOutbox(peer, sent::add);
    box.lanes().addMessage(msg("a"), 10);
    box.lanes().addSub(new SubOpts(true, "t"));
    box.lanes().addMessage(msg("b"), 10);
    assertThat(box.depth()).isEqualTo(3);
    List<Rpc> collected = box.collect(1 << 20);
    assertThat(box.depth()).isZero();
    assertThat(collected).hasSize(1);
    assertThat(collected.get(0).subscriptions()).containsExactly(new SubOpts(true, "t"));
    assertThat(box.handedOff()).isEqualTo(1);
    assertThat(sent).as("nothing written before flush").isEmpty();
    box.flush();
    assertThat(data(sent)).containsExactly("a", "b");
    assertThat(box.handedOff()).isZero();
    assertThat(box.collect(1 << 20)).as("empty lanes collect nothing").isEmpty();
  }

  @Test
  void rpcsAreCutAtMaxRpcSize() {
    PeerOutbox box = new PeerOutbox(peer, r -> {});
    for (int i = 0; i < 10; i++) {
      box.lanes().addMessage(msg("x".repeat(100) + i), 100);
    }
    List<Rpc> collected = box.collect(250);
    assertThat(collected).hasSize(5);
    assertThat(data(collected)).hasSize(10);
  }

  @Test
  void aFailingSendIsLoggedAndTheNextRpcStillGoesOut() {
    List<String> sent = new CopyOnWriteArrayList<>();
    PeerOutbox box =
        new PeerOutbox(
            peer,
            r -> {
              String d = r.publish().get(0).data().toStringUtf8();
              if (d.equals("bad")) {
                throw new IllegalStateException("channel closed");
              }
              sent.add(d);
            });
    box.lanes().addMessage(msg("bad"), 10);
    box.collect(10);
    box.lanes().addMessage(msg("good"), 10);
    box.collect(10);
    box.flush();
    assertThat(sent).containsExactly("good");
  }

  @Test
  void aSecondFlusherNeverWritesConcurrentlyAndTheFirstPicksUpItsWork() throws Exception {
    CountDownLatch inFirstSend = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger maxConcurrent = new AtomicInteger();
    List<String> sent = new CopyOnWriteArrayList<>();
    PeerOutbox box =
        new PeerOutbox(
            peer,
            r -> {
              maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
              try {
                String d = r.publish().get(0).data().toStringUtf8();
                if (d.equals("first")) {
                  inFirstSend.countDown();
                  assertThat(release.await(10, TimeUnit.SECONDS)).as("released").isTrue();
                }
                sent.add(d);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                concurrent.decrementAndGet();
              }
            });
    box.lanes().addMessage(msg("first"), 10);
    box.collect(10);
    Thread flusher = new Thread(box::flush, "flusher-1");
    flusher.start();
    assertThat(inFirstSend.await(10, TimeUnit.SECONDS)).as("first flusher is sending").isTrue();
    box.lanes().addMessage(msg("second"), 10);
    box.collect(10);
    box.flush(); // returns at once: the first flusher owns the sender
    assertThat(sent).as("the second flusher wrote nothing itself").isEmpty();
    release.countDown();
    flusher.join(TimeUnit.SECONDS.toMillis(10));
    assertThat(flusher.isAlive()).isFalse();
    assertThat(sent).containsExactly("first", "second");
    assertThat(maxConcurrent.get()).isEqualTo(1);
  }

  @Test
  void writabilityIsAFlagTheRouterReads() {
    PeerOutbox box = new PeerOutbox(peer, r -> {});
    assertThat(box.writable()).isTrue();
    box.setWritable(false);
    assertThat(box.writable()).isFalse();
  }
}
