package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.router.PublishException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Readiness, liveness and traffic figures of in-process nodes on loopback. */
class DaemonTest {
  private final List<Daemon> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(Daemon::shutdown);
  }

  private Daemon node(Map<String, Object> flags) {
    Map<String, Object> f = new java.util.LinkedHashMap<>(flags);
    f.putIfAbsent("listen", List.of("/ip4/127.0.0.1/tcp/0"));
    f.put("topics", List.of("t"));
    f.put("redial.minMs", 100);
    f.put("redial.maxMs", 1000);
    Daemon d = new Daemon(ConfigLoader.load(null, Map.of(), f), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new SimpleMeterRegistry(), 1);
    nodes.add(d);
    return d;
  }

  /**
   * Issue 9: three nodes probe each other; probes reach no listener, count in no traffic figure,
   * give a delivery ratio of 1 and latencies; a node that shuts down says bye and is no longer
   * expected.
   */
  @Test
  void meshProbesAreMeasuredButNeverDeliveredOrCountedAsTraffic() {
    Map<String, Object> probe = Map.of("probe.interval", "200ms");
    Daemon a = node(probe);
    a.start();
    String addr = a.host().listenAddresses().get(0).toString();
    Daemon b = node(Map.of("probe.interval", "200ms", "peers", List.of(addr)));
    b.start();
    Daemon c = node(Map.of("probe.interval", "200ms", "peers", List.of(addr)));
    c.start();
    List<Object> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (Daemon n : List.of(a, b, c)) {
      n.addListener("t", heard::add);
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      for (Daemon n : List.of(a, b, c)) {
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) n.status().get("probes");
        assertThat(p.get("publishers")).as("publishers at " + n.peerId()).isEqualTo(2);
        assertThat((Long) p.get("expected")).as("expected at " + n.peerId()).isGreaterThanOrEqualTo(10);
        assertThat(p.get("deliveryRatio")).as("ratio at " + n.peerId()).isEqualTo(1.0);
        assertThat((Double) p.get("latencyP99Ms")).isNotNull().isPositive();
      }
    });
    assertThat(heard).as("probes delivered to listeners").isEmpty();
    for (Daemon n : List.of(a, b, c)) {
      assertThat(n.traffic().published()).isZero();
      assertThat(n.traffic().delivered()).isZero();
      assertThat(n.traffic().duplicates()).isZero();
      @SuppressWarnings("unchecked")
      var topics = (List<Map<String, Object>>) n.status().get("topics");
      assertThat(topics).extracting(t -> t.get("topic")).containsExactly("t");
      assertThat(n.registry().get("topicmesh_probe_received_total").functionCounter().count()).isPositive();
      assertThat(n.registry().get("topicmesh_probe_latency_seconds").timer().count()).isPositive();
    }
    assertThat(a.probes().topic()).isEqualTo("_topicmesh/probe");
    c.shutdown();
    // c's bye: a and b stop expecting it at once instead of counting 60 s of misses
    await().atMost(Duration.ofSeconds(10)).until(() -> a.probes().snapshot().publishers() == 1
        && b.probes().snapshot().publishers() == 1);
    assertThat(a.probes().snapshot().forgotten()).isZero();
  }

  @Test
  void probesCanBeSwitchedOff() {
    Daemon a = node(Map.of("probe.enabled", false));
    a.start();
    assertThat(a.probes()).isNull();
    assertThat(a.status().get("probes")).isEqualTo(Map.of("enabled", false));
    assertThat(a.router().subscriptions()).containsExactly("t");
    assertThat(a.registry().find("topicmesh_probe_expected_total").meters()).isEmpty();
  }

  @Test
  void aTopicsMeshDegreesFromTheConfigFileAreInForceAfterStart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("node.yaml");
    java.nio.file.Files.writeString(file, """
        listen: [/ip4/127.0.0.1/tcp/0]
        probe: {enabled: false}
        topics: [{name: quiet, mesh: {d: 3, dlo: 2, dhi: 4, dout: 1}}, t]
        """);
    Daemon d = new Daemon(ConfigLoader.load(file, Map.of(), Map.of()), PrivKey.generate(KeyType.ED25519,
        new SecureRandom()), new SimpleMeterRegistry(), 1);
    nodes.add(d);
    d.start();
    var quiet = new io.topicmesh.node.pubsub.router.TopicMeshParams(3, 2, 4, 4, 1, 6);
    await().atMost(Duration.ofSeconds(10)).until(() -> d.router().meshParams("quiet").equals(quiet));
    assertThat(d.topicSettings("quiet")).containsEntry("mesh",
        io.topicmesh.node.daemon.config.ParamsCodec.toJson(quiet));
    assertThat(d.router().meshParams("t")).isEqualTo(io.topicmesh.node.pubsub.router.TopicMeshParams.of(d.router().params()));
    assertThat(d.topicSettings("t")).containsEntry("mesh", null);
  }

  @Test
  void readyOnceConnectedAndMeshedNotReadyWhenThePeerIsGone() {
    Daemon a = node(Map.of());
    assertThat(a.readiness().ready()).as("not started").isFalse();
    a.start();
    assertThat(a.readiness()).isEqualTo(new Daemon.Readiness(true, "listening; no peers known"));
    String addr = a.host().listenAddresses().get(0).toString();
    Daemon b = node(Map.of("peers", List.of(addr)));
    b.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> b.readiness().ready() && a.readiness().ready());
    assertThat(b.router().meshPeers("t")).containsExactly(a.peerId());
    assertThat(b.readiness().reason()).contains("meshes full");

    // load messages are delivered with a latency sample; own messages are not counted as delivered
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      a.publish("t", LoadPayload.create(64));
      return b.traffic().delivered() > 0;
    });
    assertThat(b.traffic().latencySamples(Duration.ofMinutes(1))).isNotEmpty();
    assertThat(a.traffic().delivered()).isZero();
    assertThat(a.traffic().published()).isPositive();
    assertThat(b.status().get("traffic").toString()).contains("latencyP50Ms=");
    // per-topic distinct messages: the publisher counts its own, the receiver each first copy
    assertThat(a.traffic().topicMessages("t")).isEqualTo(a.traffic().published());
    assertThat(b.traffic().topicMessages("t")).isPositive();
    assertThat(b.traffic().topicMessages("other")).isZero();
    @SuppressWarnings("unchecked")
    var topics = (List<Map<String, Object>>) b.status().get("topics");
    assertThat(topics).singleElement().satisfies(t -> assertThat((Long) t.get("messages")).isPositive());
    // per-topic duplicates: the topic's share of the node's duplicate receptions (one topic here: all of them)
    assertThat(topics).singleElement().satisfies(t -> assertThat((Long) t.get("duplicates"))
        .isEqualTo(b.traffic().duplicates()));

    a.shutdown();
    await().atMost(Duration.ofSeconds(30)).until(() -> !b.readiness().ready());
    assertThat(b.readiness().reason()).isEqualTo("no peer connected");
    assertThat(a.readiness()).isEqualTo(new Daemon.Readiness(false, "shutting down"));
  }

  @Test
  void aFailedCheckAfterReadinessIsReportedOnlyWhenItOutlivesTwoHeartbeats() {
    Daemon d = node(Map.of());
    Daemon.Readiness bad = new Daemon.Readiness(false, "topic t: mesh 0 < 1");
    Daemon.Readiness good = new Daemon.Readiness(true, "connected to 1 peers, meshes full");
    // never ready: a failure shows at once
    assertThat(d.settle(1, bad)).isEqualTo(bad);
    assertThat(d.settle(2, good)).isEqualTo(good);
    // a mesh peer swapped within a heartbeat: still ready, with the reason
    assertThat(d.settle(5, bad)).isEqualTo(new Daemon.Readiness(true, "ready; recovering (topic t: mesh 0 < 1)"));
    assertThat(d.settle(6, bad).ready()).isTrue();
    assertThat(d.settle(6, good)).isEqualTo(good);
    // a failure that outlives two heartbeats is reported
    assertThat(d.settle(10, bad).ready()).isTrue();
    assertThat(d.settle(11, bad).ready()).isTrue();
    assertThat(d.settle(12, bad)).isEqualTo(bad);
    assertThat(d.settle(20, bad)).isEqualTo(bad);
    // and recovery is reported at once
    assertThat(d.settle(21, good)).isEqualTo(good);
  }

  @Test
  void aNodeThatIsShuttingDownRefusesPublishes() {
    Daemon a = node(Map.of());
    a.start();
    assertThat(a.publish("t", new byte[] {1})).succeedsWithin(Duration.ofSeconds(10));
    a.shutdown();
    assertThat(a.publish("t", new byte[] {2})).failsWithin(Duration.ofSeconds(10))
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(PublishException.class)
        .withMessageContaining("shutting down")
        .satisfies(e -> assertThat(((PublishException) e.getCause()).reason())
            .isEqualTo(PublishException.Reason.SHUTTING_DOWN));
  }

  private static long holds(Daemon d, String holder) {
    var t = d.registry().find("topicmesh_pubsub_lock_hold_seconds").tag("holder", holder).timer();
    return t == null ? 0 : t.count();
  }

  @Test
  @SuppressWarnings("unchecked")
  void statusTakesTheRouterMutexOnce() {
    Daemon a = node(Map.of());
    a.start();
    Daemon b = node(Map.of("peers", List.of(a.host().listenAddresses().get(0).toString())));
    b.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> b.readiness().ready());
    long status = holds(b, "status");
    long inspect = holds(b, "inspect");
    Map<String, Object> s = b.status();
    assertThat(holds(b, "status") - status).as("status snapshots").isEqualTo(1);
    assertThat(holds(b, "inspect") - inspect).as("per-figure inspections").isZero();
    assertThat(s.get("ready")).isEqualTo(true);
    List<Map<String, Object>> topics = (List<Map<String, Object>>) s.get("topics");
    assertThat(topics).singleElement().satisfies(t -> {
      assertThat(t.get("topic")).isEqualTo("t");
      assertThat(t.get("mesh")).isEqualTo(List.of(a.peerId().toString()));
      assertThat(t.get("peers")).isEqualTo(1);
    });
    List<Map<String, Object>> peers = (List<Map<String, Object>>) s.get("peers");
    assertThat(peers).singleElement().satisfies(p -> assertThat(p.get("score")).isInstanceOf(Double.class));
  }

  @Test
  void livenessFailsWhenTheHeartbeatStalls() {
    Daemon a = node(Map.of("params.heartbeatIntervalMs", 200));
    a.start();
    long ticks = a.router().heartbeatTicks();
    await().atMost(Duration.ofSeconds(30)).until(() -> a.router().heartbeatTicks() > ticks);
    assertThat(a.live()).isTrue();
    a.router().stop();
    long now = System.nanoTime();
    assertThat(a.liveAt(now)).isTrue();
    // three intervals plus 5 s without a heartbeat
    assertThat(a.liveAt(now + Duration.ofMillis(3 * 200 + 5000 + 100).toNanos())).isFalse();
  }

  /** Issue 15: a second PUT /v1/params before the heartbeat applied the first must not lose it. */
  @Test
  void parameterChangesWithinOneHeartbeatCompose() {
    Daemon a = node(Map.of());
    // not started: no heartbeat runs, so both changes are pending at once
    assertThat(a.updateParams(Map.of("dout", 1))).satisfies(p -> assertThat(p.dout()).isEqualTo(1));
    io.topicmesh.node.pubsub.router.GossipParams second = a.updateParams(Map.of("d", 7));
    assertThat(second.d()).isEqualTo(7);
    assertThat(second.dout()).as("the first change survives the second").isEqualTo(1);
    assertThat(a.router().params().d()).as("nothing applied before a heartbeat").isEqualTo(6);
    a.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> a.router().params().d() == 7);
    assertThat(a.router().params().dout()).isEqualTo(1);
    // after the heartbeat applied them, a further change still builds on both
    assertThat(a.updateParams(Map.of("dlazy", 4))).satisfies(p -> {
      assertThat(p.d()).isEqualTo(7);
      assertThat(p.dout()).isEqualTo(1);
    });
  }

  /** Issue 15: direct peers are never in a mesh, yet a node whose only topic peer is one is ready. */
  @Test
  void aNodeWhoseOnlyTopicPeerIsADirectPeerBecomesReady() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.9.1"), 0));
      port = s.getLocalPort();
    }
    PrivKey ka = PrivKey.generate(KeyType.ED25519, new SecureRandom());
    PrivKey kb = PrivKey.generate(KeyType.ED25519, new SecureRandom());
    String addrA = "/ip4/127.0.9.1/tcp/" + port + "/p2p/" + io.topicmesh.node.identity.PeerId.fromPublicKey(ka.publicKey());
    String addrB = "/ip4/127.0.9.2/tcp/" + port + "/ipfs/" + io.topicmesh.node.identity.PeerId.fromPublicKey(kb.publicKey());
    Daemon a = direct(ka, "/ip4/127.0.9.1/tcp/" + port, addrB);
    Daemon b = direct(kb, "/ip4/127.0.9.2/tcp/" + port, addrA);
    a.start();
    b.start();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(a.readiness().ready()).as(a.readiness().reason()).isTrue();
      assertThat(b.readiness().ready()).as(b.readiness().reason()).isTrue();
    });
    assertThat(a.router().topicPeers("t")).containsExactly(b.peerId());
    assertThat(a.router().meshPeers("t")).as("direct peers stay out of the mesh").isEmpty();
    // and they do get each other's messages
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      a.publish("t", LoadPayload.create(32));
      return b.traffic().delivered() > 0;
    });
  }

  private Daemon direct(PrivKey key, String listen, String directPeer) {
    Map<String, Object> f = new java.util.LinkedHashMap<>();
    f.put("listen", List.of(listen));
    f.put("directPeers", List.of(directPeer));
    f.put("topics", List.of("t"));
    f.put("redial.minMs", 100);
    f.put("redial.maxMs", 1000);
    Daemon d = new Daemon(ConfigLoader.load(null, Map.of(), f), key, new SimpleMeterRegistry(), 1);
    nodes.add(d);
    return d;
  }
}
