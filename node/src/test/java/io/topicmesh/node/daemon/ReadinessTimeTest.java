package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How long a 4-node cluster configured like the operator's example (topics news and prices with the
 * example's score, D 6/5/12, 700 ms heartbeat) takes to become ready when all nodes start at once
 * and know each other's addresses (as EndpointSlices give them): every node ready within a few
 * heartbeats of the last one listening, and staying ready.
 */
class ReadinessTimeTest {
  @TempDir Path tmp;
  private final List<Daemon> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(Daemon::shutdown);
  }

  @Test
  void aFourNodeExampleClusterIsReadyWithinSecondsAndStaysReady() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName("127.0.8.1"), 0));
      port = s.getLocalPort();
    }
    Path config = tmp.resolve("node.yaml");
    Files.writeString(config, """
        cluster: demo
        topics:
        - name: news
          validation: StrictSign
        - name: prices
          validation: StrictSign
          score: {topicWeight: 1.0, timeInMeshWeight: 0.01, timeInMeshQuantumMs: 1000, timeInMeshCap: 3600,
                  firstMessageDeliveriesWeight: 1.0, firstMessageDeliveriesDecay: 0.5, firstMessageDeliveriesCap: 100,
                  invalidMessageDeliveriesWeight: -100, invalidMessageDeliveriesDecay: 0.3}
        params: {d: 6, dlo: 5, dhi: 12, heartbeatIntervalMs: 700}
        """);
    List<String> all = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      all.add("static:/ip4/127.0.8." + i + "/tcp/" + port);
    }
    long t0 = System.nanoTime();
    List<PrivKey> keys = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      keys.add(PrivKey.generate(KeyType.ED25519, new SecureRandom()));
      Daemon d = new Daemon(ConfigLoader.load(config, Map.of(), Map.of("listen", List.of("/ip4/127.0.8." + i + "/tcp/" + port),
          "discovery", all)), keys.get(i - 1), new SimpleMeterRegistry(), 1);
      nodes.add(d);
    }
    for (Daemon d : nodes) {
      d.start();
    }
    long started = System.nanoTime();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> nodes.stream().allMatch(d -> d.readiness().ready()));
    long readyMs = (System.nanoTime() - started) / 1_000_000;
    System.out.println("4-node example cluster: started in " + (started - t0) / 1_000_000 + " ms, all ready "
        + readyMs + " ms after start");
    for (Daemon d : nodes) {
      assertThat(d.readiness().reason()).contains("meshes full");
      for (String t : List.of("news", "prices")) {
        assertThat(d.router().meshPeers(t)).as("mesh of %s", t).hasSize(3);
      }
    }
    // stays ready well past P3's old activation window (5 s)
    long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
      for (Daemon d : nodes) {
        assertThat(d.readiness().ready()).as(d.readiness().reason()).isTrue();
      }
      return System.nanoTime() > until;
    });
    assertThat(readyMs).as("time to ready of all four (ms)").isLessThan(10_000);

    // a rolling restart: node 4 shuts down gracefully (PRUNEs with backoff) and comes back with the same
    // key and address, as a StatefulSet pod does
    Daemon old = nodes.get(3);
    old.shutdown();
    await().atMost(Duration.ofSeconds(30)).until(() -> nodes.subList(0, 3).stream()
        .allMatch(d -> d.host().connections().size() == 2));
    // the PRUNEs of the shutdown asked for a short backoff; a pod restarts later than it ends
    await().atMost(Duration.ofSeconds(10)).until(() -> nodes.subList(0, 3).stream().allMatch(d ->
        d.router().backoffMillis(old.peerId(), "news") == 0 && d.router().backoffMillis(old.peerId(), "prices") == 0));
    Daemon back = new Daemon(ConfigLoader.load(config, Map.of(), Map.of("listen", List.of("/ip4/127.0.8.4/tcp/" + port),
        "discovery", all)), keys.get(3), new SimpleMeterRegistry(), 1);
    nodes.set(3, back);
    long restarted = System.nanoTime();
    back.start();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
        .until(() -> nodes.stream().allMatch(d -> d.readiness().ready()));
    long againMs = (System.nanoTime() - restarted) / 1_000_000;
    System.out.println("4-node example cluster: restarted node ready again " + againMs + " ms after start; reason "
        + back.readiness().reason());
    assertThat(againMs).as("time to ready after a graceful restart (ms)").isLessThan(10_000);
  }
}
