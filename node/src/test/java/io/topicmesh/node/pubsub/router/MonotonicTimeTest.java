package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Router durations run on the scheduler's monotonic time; the wall clock seeds the seqno and
 * nothing else, so stepping it (NTP) changes no backoff, seen entry or fanout.
 */
class MonotonicTimeTest {
  /** A wall clock the test steps at will. */
  static final class SteppedClock extends Clock {
    long millis;

    SteppedClock(long millis) {
      this.millis = millis;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  @Test
  void backoffFollowsSchedulerTimeWhateverTheWallClockDoes() {
    SteppedClock wall = new SteppedClock(1_700_000_000_000L);
    RouterHarness h = new RouterHarness(b -> b.wallClock(wall));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 30L, List.of());
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(30_000);
    wall.millis += Duration.ofHours(1).toMillis();
    assertThat(h.router.backoffMillis(p.id, "t")).as("after a wall step forward").isEqualTo(30_000);
    wall.millis -= Duration.ofHours(2).toMillis();
    assertThat(h.router.backoffMillis(p.id, "t")).as("after a wall step back").isEqualTo(30_000);
    h.time.advance(10_000);
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(20_000);
  }

  @Test
  void seenEntriesExpireAfterSeenTtlOfSchedulerTime() {
    SteppedClock wall = new SteppedClock(1_700_000_000_000L);
    RouterHarness h = new RouterHarness(b -> b.wallClock(wall));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    PubsubMessage m = p.signed("t", "once".getBytes());
    p.publish(m);
    h.time.runPending();
    assertThat(h.delivered).hasSize(1);
    long ttl = h.router.params().seenTtl().toMillis();
    wall.millis += Duration.ofDays(1).toMillis(); // a wall jump must not expire the seen entry
    h.time.advance(ttl - 1);
    p.publish(m);
    h.time.runPending();
    assertThat(h.delivered).as("a copy within the seen TTL is a duplicate").hasSize(1);
    h.time.advance(2);
    p.publish(m);
    h.time.runPending();
    assertThat(h.delivered).as("a copy after the seen TTL is new again (first-seen cache)").hasSize(2);
  }

  @Test
  void seqnoIsSeededFromTheWallClockOnce() {
    SteppedClock wall = new SteppedClock(1_700_000_000_123L);
    RouterHarness h = new RouterHarness(b -> b.wallClock(wall));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    wall.millis = 5; // read at construction only
    h.router.publish("t", "a".getBytes());
    h.router.publish("t", "b".getBytes());
    h.time.runPending();
    assertThat(p.messages())
        .extracting(msg -> ByteBuffer.wrap(msg.seqno().toByteArray()).getLong())
        .containsExactly(1_700_000_000_123L * 1_000_000L + 1, 1_700_000_000_123L * 1_000_000L + 2);
  }

  @Test
  void aNegativeMonotonicOriginChangesNothing() {
    // System.nanoTime() may be negative: the router measures from its own origin.
    VirtualScheduler time = new VirtualScheduler(-9_000_000_000L);
    RouterHarness h =
        new RouterHarness(b -> b.scheduler(time).validationExecutor(time).deliveryExecutor(time));
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.subscribe("t");
    p.prune("t", 30L, List.of());
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(30_000);
    time.advance(29_000);
    assertThat(h.router.backoffMillis(p.id, "t")).isEqualTo(1_000);
    h.router.start();
    time.advance(h.router.params().heartbeatInitialDelay().toMillis());
    time.advance(5_000);
    assertThat(h.router.meshPeers("t")).as("regrafted once the backoff ran out").contains(p.id);
  }

  @Test
  void fanoutExpiresAfterFanoutTtlOfSchedulerTime() {
    SteppedClock wall = new SteppedClock(1_700_000_000_000L);
    RouterHarness h =
        new RouterHarness(b -> b.wallClock(wall).params(GossipParams.builder().floodPublish(false).build()));
    h.peers(3, "f");
    h.heartbeats(1);
    h.router.publish("f", "x".getBytes());
    h.time.runPending();
    assertThat(h.router.fanoutPeers("f")).hasSize(3);
    wall.millis += Duration.ofDays(1).toMillis();
    h.heartbeats(2);
    assertThat(h.router.fanoutPeers("f")).as("kept despite the wall jump").hasSize(3);
    long ttl = h.router.params().fanoutTtl().toMillis();
    long interval = h.router.params().heartbeatInterval().toMillis();
    h.heartbeats((int) (ttl / interval) + 2);
    assertThat(h.router.fanoutPeers("f")).as("dropped after the fanout TTL").isEmpty();
  }
}
