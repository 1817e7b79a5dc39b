package io.topicmesh.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.topicmesh.node.pubsub.lock.RouterMutex;
import org.junit.jupiter.api.Test;

class MutexHoldStatsTest {
  @Test
  void bucketsAreMonotonicAndBoundTheirValuesWithinNinePercent() {
    int last = -1;
    for (long us = 1; us < 100_000_000L; us += 1 + us / 50) {
      int b = MutexHoldStats.bucket(us * 1000);
      assertThat(b).isGreaterThanOrEqualTo(last);
      last = b;
      double upper = MutexHoldStats.upperMs(b);
      assertThat(upper).as("upper bound of %d us", us).isGreaterThan(us / 1000.0);
      assertThat(upper).isLessThanOrEqualTo(us / 1000.0 * 1.126);
    }
    assertThat(MutexHoldStats.bucket(500)).isZero();
  }

  @Test
  void longestAndP99HoldsInWallAndCpuTimeAndKindsByLongestCpu() {
    MutexHoldStats s = new MutexHoldStats();
    for (int i = 0; i < 1100; i++) {
      s.released("rpc", 200_000, 100_000); // 0.2 ms wall, 0.1 ms CPU
    }
    for (int i = 0; i < 10; i++) {
      s.released("heartbeat", 40_000_000, 4_000_000);
    }
    s.released("heartbeat", 300_000_000, 12_000_000); // the longest: 300 ms wall, 12 ms CPU
    s.taskRan("rpc", 200_000, 100_000);
    s.taskRan("heartbeat", 300_000_000, 12_000_000);
    s.taskRan("heartbeat", 40_000_000, 4_000_000);
    var f = s.figures();
    assertThat(f.holds()).isEqualTo(1111);
    assertThat(f.maxWallMs()).isEqualTo(300.0);
    assertThat(f.maxCpuMs()).isEqualTo(12.0);
    assertThat(f.p99WallMs()).isCloseTo(0.2, within(0.02));
    assertThat(f.p99CpuMs()).isCloseTo(0.1, within(0.01));
    assertThat(f.kindsByMaxCpu()).extracting(MutexHoldStats.Kind::name).containsExactly("heartbeat", "rpc");
    assertThat(f.kindsByMaxCpu().get(0).count()).isEqualTo(2);
    assertThat(f.kindsByMaxCpu().get(0).totalCpuMs()).isEqualTo(16.0);
    assertThat(f.kinds(1)).isEqualTo("heartbeat 12.00 ms (2 tasks, 16 ms in all)");
    s.reset();
    assertThat(s.figures().holds()).isZero();
    assertThat(s.figures().kindsByMaxCpu()).isEmpty();
  }

  @Test
  void withoutCpuTimeTheCpuFiguresAreNotANumber() {
    MutexHoldStats s = new MutexHoldStats();
    s.released("rpc", 1_000_000, RouterMutex.CPU_NOT_MEASURED);
    var f = s.figures();
    assertThat(f.maxWallMs()).isEqualTo(1.0);
    assertThat(f.maxCpuMs()).isNaN();
    assertThat(f.p99CpuMs()).isNaN();
  }
}
