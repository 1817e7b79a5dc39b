package io.topicmesh.node.mux.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.mux.LeakCheck;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Smoke runs of the throughput harness (small volumes: the numbers are printed, not judged). */
class MuxThroughputTest {
  @RegisterExtension final LeakCheck leakCheck = new LeakCheck();

  @Test
  void yamuxOverLocalChannel() throws Exception {
    check(MuxThroughput.runAll("local", "yamux", 16 << 20, false));
  }

  @Test
  void yamuxOverLoopbackTcp() throws Exception {
    check(MuxThroughput.runAll("tcp", "yamux", 16 << 20, false));
  }

  @Test
  void mplexOverLocalChannel() throws Exception {
    check(MuxThroughput.runAll("local", "mplex", 16 << 20, false));
  }

  private static void check(List<MuxThroughput.Result> results) {
    results.forEach(System.out::println);
    assertThat(results).extracting(MuxThroughput.Result::streams).containsExactly(1, 64);
    assertThat(results).allSatisfy(r -> assertThat(r.bytes()).isEqualTo(16L << 20));
    assertThat(results).allSatisfy(r -> assertThat(r.mibPerSecond()).isPositive());
  }
}
