package io.topicmesh.node.daemon.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Probe accounting on virtual time: the monotonic and wall clocks are plain numbers here. */
class ProbeStatsTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;
  /** Wall clock = monotonic clock + this (the publisher's clock agrees with ours unless a test skews it). */
  private static final long EPOCH = 1_700_000_000L * S;

  private final List<Long> latencies = new ArrayList<>();
  private final ProbeStats stats = new ProbeStats(latencies::add);

  private static ProbePayload probe(String from, long seq, long sentMono) {
    return new ProbePayload(from, 7, seq, EPOCH + sentMono, 1000, false);
  }

  private void receive(ProbePayload p, long nowMono) {
    stats.receive(p, nowMono, EPOCH + nowMono);
  }

  @Test
  void everyProbeOnTimeIsARatioOfOneWithItsLatency() {
    for (int s = 0; s < 30; s++) {
      long sent = s * S;
      receive(probe("A", s, sent), sent + 3 * MS);
      receive(probe("B", s, sent), sent + 40 * MS);
      stats.tick(sent + 500 * MS);
    }
    ProbeStats.Snapshot snap = stats.snapshot(30 * S);
    assertThat(snap.publishers()).isEqualTo(2);
    // each seq is due interval + grace (2 s) after the previous arrival: 27 or 28 settled per publisher by now
    assertThat(snap.windowExpected()).isBetween(54L, 56L);
    assertThat(snap.deliveryRatio()).isEqualTo(1.0);
    assertThat(snap.expected()).isEqualTo(snap.received());
    assertThat(snap.latencyP50Nanos()).isEqualTo(3.0 * MS);
    assertThat(snap.latencyP99Nanos()).isEqualTo(40.0 * MS);
    assertThat(latencies).as("the first 2 s of each publisher are warm-up").hasSize(56);
    assertThat(snap.skewed()).isZero();
  }

  @Test
  void aSilentPublisherIsCountedMissedEachIntervalThenForgotten() {
    for (int s = 0; s < 10; s++) {
      receive(probe("A", s, s * S), s * S + MS);
      receive(probe("B", s, s * S), s * S + MS);
    }
    stats.tick(12 * S);
    ProbeStats.Snapshot before = stats.snapshot(12 * S);
    assertThat(before.deliveryRatio()).isEqualTo(1.0);
    // B goes silent at seq 9; A goes on
    for (int s = 10; s < 40; s++) {
      receive(probe("A", s, s * S), s * S + MS);
      stats.tick(s * S + 500 * MS);
    }
    ProbeStats.Snapshot during = stats.snapshot(40 * S);
    // in the last 60 s: A all received, B about 28 missed out of 38 expected
    assertThat(during.deliveryRatio()).isBetween(0.6, 0.7);
    assertThat(during.expected() - during.received()).isBetween(27L, 29L);
    assertThat(during.publishers()).isEqualTo(2);
    // after 60 s of silence B is no longer expected
    for (int s = 40; s < 75; s++) {
      receive(probe("A", s, s * S), s * S + MS);
      stats.tick(s * S + 500 * MS);
    }
    ProbeStats.Snapshot after = stats.snapshot(75 * S);
    assertThat(after.publishers()).isEqualTo(1);
    assertThat(after.forgotten()).isEqualTo(1);
    long missedAtForget = after.expected() - after.received();
    for (int s = 75; s < 200; s++) {
      receive(probe("A", s, s * S), s * S + MS);
      stats.tick(s * S + 500 * MS);
    }
    ProbeStats.Snapshot later = stats.snapshot(200 * S);
    assertThat(later.expected() - later.received()).isEqualTo(missedAtForget);
    assertThat(later.deliveryRatio()).isEqualTo(1.0);
  }

  @Test
  void aGapIsMissedOnceDueAndALateArrivalCountsLateNotReceived() {
    receive(probe("A", 0, 0), MS);
    receive(probe("A", 1, S), S + MS);
    // 2 and 3 lost; 4 arrives
    receive(probe("A", 4, 4 * S), 4 * S + MS);
    stats.tick(7 * S);
    ProbeStats.Snapshot s1 = stats.snapshot(7 * S);
    // 0 and 1 came within the warm-up: 1 is the start; settled through 4 (due 4 s + 2 s grace)
    assertThat(s1.received()).isEqualTo(2);
    assertThat(s1.expected() - s1.received()).isEqualTo(2);
    receive(probe("A", 2, 2 * S), 7 * S + MS);
    ProbeStats.Snapshot s2 = stats.snapshot(7 * S + MS);
    assertThat(s2.late()).isEqualTo(1);
    assertThat(s2.received()).isEqualTo(s1.received());
  }

  @Test
  void reorderedProbesWithinTheGraceCountAsReceived() {
    receive(probe("A", 0, 0), MS);
    receive(probe("A", 2, 2 * S), 2 * S + MS);
    receive(probe("A", 1, S), 2 * S + 500 * MS); // 1.5 s late, within the 2 s grace
    receive(probe("A", 3, 3 * S), 3 * S + MS);
    stats.tick(6 * S);
    ProbeStats.Snapshot s = stats.snapshot(6 * S);
    assertThat(s.expected()).isEqualTo(4);
    assertThat(s.received()).isEqualTo(4);
    assertThat(s.late()).isZero();
  }

  @Test
  void aByeStopsTheExpectationAtOnce() {
    for (int s = 0; s < 5; s++) {
      receive(probe("A", s, s * S), s * S + MS);
    }
    receive(new ProbePayload("A", 7, 5, EPOCH + 5 * S, 1000, true), 5 * S + MS);
    stats.tick(100 * S);
    ProbeStats.Snapshot s = stats.snapshot(100 * S);
    assertThat(s.publishers()).isZero();
    assertThat(s.expected()).isEqualTo(s.received());
    assertThat(s.forgotten()).isZero();
  }

  @Test
  void aRestartedPublisherStartsANewSequenceAndOnlyItsDowntimeIsMissed() {
    for (int s = 0; s < 5; s++) {
      receive(probe("A", s, s * S), s * S + MS);
    }
    // restarted (new boot id) with seq 0 three seconds later
    for (int s = 0; s < 5; s++) {
      long sent = (8 + s) * S;
      stats.receive(new ProbePayload("A", 99, s, EPOCH + sent, 1000, false), sent + MS, EPOCH + sent + MS);
    }
    stats.tick(12 * S);
    ProbeStats.Snapshot s = stats.snapshot(12 * S);
    assertThat(s.publishers()).isEqualTo(1);
    assertThat(s.late()).isZero();
    // the first incarnation's 5 and 6 fell due (7 s, 8 s) while it was down: missed, honestly; the new
    // incarnation's probes are all received
    assertThat(s.expected() - s.received()).isEqualTo(2);
    // old 1..4 (0 was warm-up), new 1 (0 warm-up; new 2 falls due 2 s after its arrival at 10.001 s)
    assertThat(s.received()).isEqualTo(4 + 1);
  }

  @Test
  void aStalledPublisherThatResumesIsReAnchoredNotCountedLostForever() {
    for (int s = 0; s < 5; s++) {
      receive(probe("A", s, s * S), s * S + MS);
    }
    // stalled (SIGSTOP) for 20 s; its seqs 5.. fall due and are missed
    stats.tick(25 * S);
    long missed = stats.snapshot(25 * S).expected() - stats.snapshot(25 * S).received();
    assertThat(missed).isBetween(17L, 19L);
    // resumes at 25 s with seq 5, 6, ... one per second
    for (int k = 0; k < 30; k++) {
      long now = (25 + k) * S;
      receive(probe("A", 5 + k, now), now + MS);
      stats.tick(now + 500 * MS);
    }
    ProbeStats.Snapshot s = stats.snapshot(55 * S);
    // seqs 5..~23 arrive late (they were settled as missed); from then on all are received on time
    assertThat(s.expected() - s.received()).isEqualTo(missed);
    assertThat(s.late()).isBetween(17L, 19L);
    long receivedBefore = s.received();
    for (int k = 30; k < 40; k++) {
      long now = (25 + k) * S;
      receive(probe("A", 5 + k, now), now + MS);
      stats.tick(now + 500 * MS);
    }
    ProbeStats.Snapshot t = stats.snapshot(65 * S);
    assertThat(t.expected() - t.received()).isEqualTo(missed);
    assertThat(t.received() - receivedBefore).isEqualTo(10);
  }

  @Test
  void negativeOrImplausibleLatencyIsSkewLeftOutOfTheLatency() {
    for (int q = 0; q < 4; q++) {
      long now = q * S + 10 * MS;
      // A's clock runs 300 ms ahead of ours: negative latency
      stats.receive(new ProbePayload("A", 1, q, EPOCH + q * S + 300 * MS, 1000, false), now, EPOCH + now);
      // B's clock is 2 minutes behind: implausibly slow
      stats.receive(new ProbePayload("B", 1, q, EPOCH + q * S - 120 * S, 1000, false), now, EPOCH + now);
      // C agrees with us
      stats.receive(new ProbePayload("C", 1, q, EPOCH + q * S, 1000, false), now, EPOCH + now);
    }
    stats.tick(5500 * MS); // seq 3 due at 5.01 s; warm-up skipped 0
    ProbeStats.Snapshot s = stats.snapshot(5500 * MS);
    assertThat(s.skewed()).as("skew is counted from the first probe, warm-up or not").isEqualTo(8);
    assertThat(s.skewedPublishers()).isEqualTo(2);
    assertThat(s.lastSkewNanos()).isEqualTo(120 * S + 10 * MS);
    assertThat(latencies).as("C's probes after the warm-up").containsExactly(10 * MS, 10 * MS);
    assertThat(s.latencyP99Nanos()).isEqualTo(10.0 * MS);
    // all three were received: skew does not hurt the delivery ratio
    assertThat(s.deliveryRatio()).isEqualTo(1.0);
  }

  @Test
  void memoryIsBoundedInPublishersAndSequenceJumps() {
    for (int i = 0; i < ProbeStats.MAX_PUBLISHERS + 10; i++) {
      receive(probe("P" + i, 0, 0), MS);
    }
    ProbeStats.Snapshot s = stats.snapshot(MS);
    assertThat(s.publishers()).isEqualTo(ProbeStats.MAX_PUBLISHERS);
    assertThat(s.ignored()).isEqualTo(10);
    // after the warm-up a huge jump is a new incarnation, not 10^9 losses
    receive(probe("P0", 1, 2 * S), 2 * S + MS);
    receive(probe("P0", 1_000_000_000L, 2500 * MS), 2500 * MS);
    stats.tick(2600 * MS); // the others' seq 1 falls due at 3.001 s
    ProbeStats.Snapshot jumped = stats.snapshot(2600 * MS);
    assertThat(jumped.expected() - jumped.received()).isLessThan(10L);
    // a jump beyond the window but below MAX_GAP settles the skipped ones as missed
    receive(probe("P1", 1, 2 * S), 2 * S + MS);
    receive(probe("P1", 1000, 2700 * MS), 2700 * MS);
    ProbeStats.Snapshot after = stats.snapshot(2700 * MS);
    assertThat(after.expected() - after.received()).isGreaterThanOrEqualTo(1000 - 2 - ProbeStats.SEQ_WINDOW);
  }

  @Test
  void oldProbesFromGossipAtJoinAreWarmUpNeitherLossNorLatency() {
    // joining: the mesh delivers seq 20 at once; gossip then brings 15..19, seconds old, out of order
    receive(probe("A", 17, 17 * S), 20 * S);
    receive(probe("A", 20, 20 * S), 20 * S + MS);
    for (int s = 15; s < 20; s++) {
      receive(probe("A", s, s * S), 20 * S + 100 * MS);
    }
    for (int s = 21; s < 40; s++) {
      receive(probe("A", s, s * S), s * S + MS);
      stats.tick(s * S + 500 * MS);
    }
    ProbeStats.Snapshot snap = stats.snapshot(40 * S);
    assertThat(snap.expected()).isPositive();
    assertThat(snap.expected()).isEqualTo(snap.received());
    assertThat(snap.late()).isZero();
    assertThat(snap.latencyP99Nanos()).as("no seconds-old sample").isEqualTo(1.0 * MS);
  }

  @Test
  void noProbeMeansNoRatioAndNoPercentiles() {
    ProbeStats.Snapshot s = stats.snapshot(S);
    assertThat(s.deliveryRatio()).isNaN();
    assertThat(s.latencyP50Nanos()).isNaN();
    assertThat(s.latencyP99Nanos()).isNaN();
  }

  @Test
  void theWindowForgetsOldOutcomes() {
    receive(probe("A", 0, 0), MS);
    stats.tick(100 * S); // ~97 missed, all settled at 100 s
    assertThat(stats.snapshot(100 * S).deliveryRatio()).isCloseTo(1.0 / 98, within(0.02));
    assertThat(stats.snapshot(100 * S + (ProbeStats.WINDOW_SECONDS + 1) * S).deliveryRatio()).isNaN();
  }
}
