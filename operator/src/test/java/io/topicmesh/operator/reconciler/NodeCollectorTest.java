package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.node.NodeAdminClient;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NodeCollectorTest {
  /** A loopback port nothing listens on (bound, then closed). */
  static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void unreachableAndSilentNodesKeepACollectionBounded() throws Exception {
    // 40 nodes on closed ports, plus 20 that accept TCP but never answer (backlog, never accepted).
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        FakeNode good = new FakeNode("tok", "12D3KooWgood").mesh("news")) {
      List<NodeCollector.Target> targets = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        targets.add(new NodeCollector.Target("closed-" + i, "uid-c" + i, URI.create("http://127.0.0.1:" + closedPort())));
      }
      for (int i = 0; i < 20; i++) {
        targets.add(new NodeCollector.Target("silent-" + i, "uid-s" + i,
            URI.create("http://127.0.0.1:" + silent.getLocalPort())));
      }
      targets.add(new NodeCollector.Target("good", "uid-g", good.uri()));
      AtomicInteger errors = new AtomicInteger();
      try (NodeCollector collector = new NodeCollector(new NodeAdminClient(Duration.ofSeconds(3)), Clock.systemUTC(),
          Duration.ofMillis(500))) {
        long start = System.nanoTime();
        NodeCollector.Snapshot first = collector.collect("c1", targets, "tok", e -> errors.incrementAndGet());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).as("the reconcile waits at most the budget (plus scheduling slack)")
            .isLessThan(Duration.ofMillis(1500));
        assertThat(first.round()).as("the round is still waiting for the silent nodes").isZero();
        assertThat(first.statuses()).isEmpty();

        // Asking again while the round runs does not start a second one, and stays bounded too.
        start = System.nanoTime();
        collector.collect("c1", targets, "tok", e -> errors.incrementAndGet());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));

        // The round ends once every call has timed out; the next reconcile sees its result.
        await("round with timeouts ends").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> collector.collect("c1", targets, "tok", e -> errors.incrementAndGet()).round() >= 1);
        NodeCollector.Snapshot done = collector.collect("c1", targets, "tok", e -> errors.incrementAndGet());
        assertThat(done.statuses()).containsOnlyKeys("good");
        assertThat(done.errors()).hasSize(60);
        assertThat(done.errors().get("closed-0")).contains("ConnectException");
        assertThat(errors.get()).isGreaterThanOrEqualTo(60);
      }
    }
  }

  @Test
  void aReplacedPodIsNotCreditedWithItsPredecessorsStatus() throws Exception {
    try (FakeNode node = new FakeNode("tok", "12D3KooWa").mesh("news");
        NodeCollector collector = new NodeCollector(new NodeAdminClient(Duration.ofSeconds(2)), Clock.systemUTC(),
            Duration.ofSeconds(5))) {
      var old = List.of(new NodeCollector.Target("tc-0", "uid-1", node.uri()));
      assertThat(collector.collect("c", old, "tok", e -> { }).statuses()).containsOnlyKeys("tc-0");
      // Same pod name, new UID, and the node does not answer yet: nothing is reported for it.
      var replaced = List.of(new NodeCollector.Target("tc-0", "uid-2", URI.create("http://127.0.0.1:" + closedPort())));
      NodeCollector.Snapshot s = collector.collect("c", replaced, "tok", e -> { });
      assertThat(s.statuses()).isEmpty();
      assertThat(s.errors()).containsOnlyKeys("tc-0");
      // A pod that left is dropped.
      assertThat(collector.collect("c", List.of(), "tok", e -> { }).statuses()).isEmpty();
    }
  }
}
