package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.lock.LockListener;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Real threads: several "event loops" feed RPCs while the heartbeat and application calls contend
 * for the mutex. Nothing is lost or reordered per peer, sends never happen under the lock, and
 * contention is measured.
 */
@SuppressWarnings("try")
class RouterConcurrencyTest {
  @Test
  void eventLoopsNeverBlockAndPerPeerOrderIsKept() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    ExecutorService workers = Executors.newFixedThreadPool(2);
    AtomicInteger contended = new AtomicInteger();
    AtomicLong maxHold = new AtomicLong();
    List<String> sendViolations = new CopyOnWriteArrayList<>();
    try {
      var keys = RouterHarness.deterministicRandom(11);
      PrivKey k = PrivKey.generate(KeyType.ED25519, keys);
      RouterScheduler sched =
          new RouterScheduler() {
            @Override
            public long nanoTime() {
              return System.nanoTime();
            }

            @Override
            public Cancellable schedule(Runnable task, long delayMillis) {
              var f = timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
              return () -> f.cancel(false);
            }
          };
      GossipRouter[] holder = new GossipRouter[1];
      GossipRouter router =
          GossipRouter.builder(PeerId.fromPublicKey(k.publicKey()))
              .privateKey(k)
              .scheduler(sched)
              .random(new SplittableRandom(1))
              .validationExecutor(workers)
              .deliveryExecutor(workers)
              .params(GossipParams.builder().heartbeatInterval(Duration.ofMillis(5)).heartbeatInitialDelay(Duration.ZERO).build())
              .lockListener(new LockListener() {
                @Override
                public void queued(String holderName, int depth) {
                  contended.incrementAndGet();
                }

                @Override
                public void released(String holderName, long holdNanos) {
                  maxHold.accumulateAndGet(holdNanos, Math::max);
                }
              })
              .build();
      holder[0] = router;
      router.subscribe("t", m -> {});
      router.start();
      int loops = 4;
      int peersPerLoop = 5;
      int rounds = 300;
      List<PeerId> all = new ArrayList<>();
      ConcurrentHashMap<PeerId, AtomicInteger> sends = new ConcurrentHashMap<>();
      List<Thread> threads = new ArrayList<>();
      for (int l = 0; l < loops; l++) {
        List<PeerId> mine = new ArrayList<>();
        for (int p = 0; p < peersPerLoop; p++) {
          PeerId id = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, keys).publicKey());
          mine.add(id);
          all.add(id);
          sends.put(id, new AtomicInteger());
        }
        threads.add(new Thread(() -> {
          for (PeerId id : mine) {
            router.addPeer(id, PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, rpc -> {
              if (holder[0].mutex().isHeldByCurrentThread()) {
                sendViolations.add("send under lock");
              }
              sends.get(id).incrementAndGet();
            });
          }
          for (int r = 0; r < rounds; r++) {
            for (PeerId id : mine) {
              // alternate subscribe/unsubscribe: the final state shows whether order was kept
              router.onRpc(id, new Rpc(List.of(new SubOpts(r % 2 == 0, "x")), List.of(), null));
            }
          }
          for (PeerId id : mine) {
            router.onRpc(id, new Rpc(List.of(new SubOpts(true, "t")), List.of(), null));
          }
        }, "eventloop-" + l));
      }
      Thread app = new Thread(() -> {
        for (int i = 0; i < 200; i++) {
          router.publish("t", new byte[] {(byte) i});
        }
      });
      // Hold the mutex while the loops start so that contention certainly happens.
      try (var held = router.mutex().lock("test")) {
        threads.forEach(Thread::start);
        app.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> router.inboxDepth() > loops);
      }
      for (Thread t : threads) {
        t.join(30_000);
      }
      app.join(30_000);
      await().atMost(Duration.ofSeconds(60)).until(() -> router.topicPeers("t").size() == all.size());
      // rounds is even: the last x-announcement was an unsubscribe
      assertThat(router.topicPeers("x")).isEmpty();
      await().atMost(Duration.ofSeconds(60)).until(() -> router.meshPeers("t").size() >= 5);
      assertThat(sendViolations).isEmpty();
      assertThat(router.inboxDepth()).isZero();
      assertThat(contended.get()).as("contention was exercised and counted").isGreaterThan(0);
      assertThat(maxHold.get()).isGreaterThan(0);
    } finally {
      timer.shutdownNow();
      workers.shutdownNow();
    }
  }
}
