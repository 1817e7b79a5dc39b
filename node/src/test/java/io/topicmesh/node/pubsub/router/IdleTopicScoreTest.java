package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A small fully connected cluster as the operator runs it (operator/examples/topiccluster.yaml):
 * topic {@code news} without score parameters, topic {@code prices} with exactly the example's
 * topic score parameters (no P3/P3b members), D 6/5/12 and a 700 ms heartbeat. On an idle and on a
 * low-traffic topic no peer may be PRUNEd for a negative score, and live degree changes through the
 * params path ({@link ParamsCodec#merge}, as {@code PUT /v1/params} does) keep every mesh non-empty
 * and back at Dlo within a few heartbeats. Seeded, on virtual time.
 */
class IdleTopicScoreTest {
  static final long LATENCY_MS = 5;
  static final long HEARTBEAT_MS = 700;

  /** The example's {@code prices} score, as node.yaml carries it (merged onto the defaults like ConfigLoader). */
  static final Map<String, Object> EXAMPLE_PRICES_SCORE = example();

  private static Map<String, Object> example() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("topicWeight", 1.0);
    m.put("timeInMeshWeight", 0.01);
    m.put("timeInMeshQuantumMs", 1000);
    m.put("timeInMeshCap", 3600);
    m.put("firstMessageDeliveriesWeight", 1.0);
    m.put("firstMessageDeliveriesDecay", 0.5);
    m.put("firstMessageDeliveriesCap", 100);
    m.put("invalidMessageDeliveriesWeight", -100);
    m.put("invalidMessageDeliveriesDecay", 0.3);
    return m;
  }

  static final class Node implements RouterObserver {
    final PeerId id;
    GossipRouter router;
    final Map<PruneReason, AtomicInteger> prunes = new EnumMap<>(PruneReason.class);
    final Map<String, AtomicInteger> delivered = new LinkedHashMap<>();

    Node(PeerId id) {
      this.id = id;
    }

    @Override
    public void pruned(PeerId peer, String topic, PruneReason reason) {
      prunes.computeIfAbsent(reason, r -> new AtomicInteger()).incrementAndGet();
    }

    int prunes(PruneReason r) {
      AtomicInteger n = prunes.get(r);
      return n == null ? 0 : n.get();
    }
  }

  private final VirtualScheduler time = new VirtualScheduler();
  private final List<Node> nodes = new ArrayList<>();

  private void cluster(int count) {
    TopicScoreParams prices = ParamsCodec.merge(TopicScoreParams.class, TopicScoreParams.defaults(),
        EXAMPLE_PRICES_SCORE, "topics[prices].score.");
    GossipParams params = ParamsCodec.merge(GossipParams.defaults(),
        Map.of("d", 6, "dlo", 5, "dhi", 12, "heartbeatIntervalMs", HEARTBEAT_MS), "params.");
    SecureRandom keys = RouterHarness.deterministicRandom(count + 11);
    for (int i = 0; i < count; i++) {
      PrivKey k = PrivKey.generate(KeyType.ED25519, keys);
      Node n = new Node(PeerId.fromPublicKey(k.publicKey()));
      n.router = GossipRouter.builder(n.id).privateKey(k).scheduler(time).random(new SplittableRandom(300 + i))
          .validationExecutor(time).deliveryExecutor(time).params(params)
          .scoreParams(PeerScoreParams.defaults().withTopic("prices", prices)).observer(n).build();
      nodes.add(n);
    }
    for (int i = 0; i < count; i++) {
      for (int j = i + 1; j < count; j++) {
        connect(nodes.get(i), nodes.get(j));
      }
    }
    for (Node n : nodes) {
      for (String t : List.of("news", "prices")) {
        n.delivered.put(t, new AtomicInteger());
        n.router.subscribe(t, m -> n.delivered.get(t).incrementAndGet());
      }
      n.router.start();
    }
  }

  private void connect(Node a, Node b) {
    a.router.addPeer(b.id, PubsubProtocol.MESHSUB_V12.id(), Direction.OUTBOUND, null, link(a, b));
    b.router.addPeer(a.id, PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, link(b, a));
  }

  private PeerSender link(Node from, Node to) {
    return rpc -> {
      byte[] frame = RpcCodec.encodeFrame(rpc);
      time.schedule(() -> {
        Rpc decoded = ScriptedPeer.CODEC.decodeFrame(frame);
        to.router.onRpc(from.id, decoded);
      }, LATENCY_MS);
    };
  }

  /** Advances {@code millis} one heartbeat at a time, checking the meshes after each. */
  private void run(long millis, boolean requireDlo) {
    for (long t = 0; t < millis; t += HEARTBEAT_MS) {
      time.advance(HEARTBEAT_MS);
      checkMeshes(requireDlo);
    }
  }

  private void checkMeshes(boolean requireDlo) {
    assertNoNegativeScorePrunes();
    for (Node n : nodes) {
      int dlo = n.router.params().dlo();
      for (String t : List.of("news", "prices")) {
        int mesh = n.router.meshPeers(t).size();
        int available = n.router.topicPeers(t).size();
        String where = "mesh of " + t + " at node " + nodes.indexOf(n) + " at " + time.nowMillis() + " ms";
        assertThat(mesh).as(where + " (empty)").isPositive();
        if (requireDlo) {
          assertThat(mesh).as(where + " (Dlo " + dlo + ", " + available + " peers in the topic)")
              .isGreaterThanOrEqualTo(Math.min(dlo, available));
        }
      }
      for (Node other : nodes) {
        if (other != n) {
          assertThat(n.router.score(other.id)).as("score of node %d at node %d", nodes.indexOf(other), nodes.indexOf(n))
              .isGreaterThanOrEqualTo(0);
        }
      }
    }
  }

  private void assertNoNegativeScorePrunes() {
    for (Node n : nodes) {
      assertThat(n.prunes(PruneReason.NEGATIVE_SCORE)).as("negative_score prunes at node %d", nodes.indexOf(n))
          .isZero();
    }
  }

  private void setParams(Map<String, Object> changes) {
    for (Node n : nodes) {
      n.router.setParams(ParamsCodec.merge(n.router.params(), changes, ""));
    }
  }

  /** After a live change: never an empty mesh, and at Dlo (or every topic peer) within {@code beats}. */
  private void changeDegree(Map<String, Object> changes, int beats) {
    setParams(changes);
    run(beats * HEARTBEAT_MS, false);
    for (Node n : nodes) {
      assertThat(n.router.params().d()).isEqualTo(changes.get("d"));
    }
    run(30_000, true);
  }

  @Test
  void idleTopicWithTheExampleScoreKeepsItsMeshes() {
    cluster(5);
    time.advance(3_000);
    // well past P3's activation (5 s in the old defaults) and several decay intervals
    run(120_000, true);
    for (Node n : nodes) {
      assertThat(n.router.meshPeers("prices")).hasSize(4);
    }
  }

  @Test
  void lowTrafficTopicKeepsItsMeshesAndDeliversEverything() {
    cluster(5);
    time.advance(3_000);
    SplittableRandom pick = new SplittableRandom(5);
    int messages = 24;
    for (int m = 0; m < messages; m++) {
      // one message every 5 s, alternating topics, from a random node
      String topic = m % 2 == 0 ? "prices" : "news";
      nodes.get(pick.nextInt(nodes.size())).router.publish(topic, ("m" + m).getBytes());
      run(5_000, true);
    }
    run(10_000, true);
    for (Node n : nodes) {
      assertThat(n.delivered.get("prices").get()).as("prices deliveries at node %d", nodes.indexOf(n))
          .isEqualTo(messages / 2);
      assertThat(n.delivered.get("news").get()).isEqualTo(messages / 2);
    }
  }

  @Test
  void liveDegreeChangeThreeToFourKeepsEveryMeshNonEmpty() {
    cluster(4);
    time.advance(3_000);
    changeDegree(Map.of("d", 3, "dlo", 2, "dhi", 6, "dout", 1, "dscore", 2), 3);
    changeDegree(Map.of("d", 4, "dlo", 3, "dhi", 8, "dout", 1, "dscore", 2), 3);
  }

  @Test
  void liveDegreeChangeSixToFourKeepsEveryMeshNonEmpty() {
    cluster(5);
    time.advance(3_000);
    run(10_000, true);
    changeDegree(Map.of("d", 4, "dlo", 3, "dhi", 8, "dout", 1, "dscore", 2), 3);
    changeDegree(Map.of("d", 6, "dlo", 5, "dhi", 12, "dout", 2, "dscore", 4), 3);
  }
}
