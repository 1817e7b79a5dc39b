package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Many routers in one JVM on one virtual clock, linked by frames through the codec with a small
 * latency: the meshes converge and every message reaches every node exactly once.
 */
class SimulationTest {
  static final int NODES = 40;
  static final int DEGREE = 10;
  static final long LATENCY_MS = 5;

  record Node(PeerId id, GossipRouter router, List<ReceivedMessage> got) {}

  @Test
  void meshesConvergeAndEveryMessageReachesEveryNodeOnce() {
    VirtualScheduler time = new VirtualScheduler();
    SplittableRandom topo = new SplittableRandom(3);
    List<Node> nodes = network(time, NODES, DEGREE, topo);
    time.advance(10_000);
    for (Node n : nodes) {
      int mesh = n.router().meshPeers("t").size();
      int available = n.router().topicPeers("t").size();
      assertThat(mesh).as("mesh of %s", n.id()).isBetween(Math.min(5, available), 12);
    }
    int messages = 30;
    for (int m = 0; m < messages; m++) {
      nodes.get(topo.nextInt(NODES)).router().publish("t", ("m" + m).getBytes());
      time.advance(200);
    }
    time.advance(5_000);
    for (Node n : nodes) {
      assertThat(n.got()).as("deliveries at %s", n.id()).hasSize(messages);
      assertThat(n.got().stream().map(ReceivedMessage::id).distinct().count()).isEqualTo(messages);
    }
  }

  @Test
  void twoHundredRoutersSurviveChurnOfTenPercent() {
    VirtualScheduler time = new VirtualScheduler();
    SplittableRandom topo = new SplittableRandom(17);
    int n = 200;
    List<Node> nodes = network(time, n, 8, topo);
    time.advance(5_000);
    // 20 nodes vanish: every peer of theirs sees the stream close
    List<Node> dead = new ArrayList<>(nodes.subList(0, 20));
    List<Node> alive = new ArrayList<>(nodes.subList(20, n));
    for (Node d : dead) {
      d.router().stop();
      for (Node a : alive) {
        a.router().removePeer(d.id());
      }
    }
    time.advance(5_000);
    int messages = 20;
    for (int m = 0; m < messages; m++) {
      alive.get(topo.nextInt(alive.size())).router().publish("t", ("c" + m).getBytes());
      time.advance(250);
    }
    time.advance(5_000);
    long complete = alive.stream().filter(a -> a.got().size() == messages).count();
    // nodes whose only links were to dead nodes are cut off; everyone else gets everything once
    long reachable = alive.stream().filter(a -> !a.router().topicPeers("t").isEmpty()).count();
    assertThat(complete).isEqualTo(reachable);
    assertThat(reachable).isGreaterThan(170);
    for (Node a : alive) {
      assertThat(a.got().stream().map(ReceivedMessage::id).distinct().count()).isEqualTo(a.got().size());
      int mesh = a.router().meshPeers("t").size();
      assertThat(mesh).isBetween(Math.min(5, a.router().topicPeers("t").size()), 12);
    }
  }

  static List<Node> network(VirtualScheduler time, int count, int degree, SplittableRandom topo) {
    SecureRandom keys = RouterHarness.deterministicRandom(count);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      PrivKey k = PrivKey.generate(KeyType.ED25519, keys);
      PeerId id = PeerId.fromPublicKey(k.publicKey());
      List<ReceivedMessage> got = new ArrayList<>();
      GossipRouter r =
          GossipRouter.builder(id)
              .privateKey(k)
              .scheduler(time)
              .random(new SplittableRandom(100 + i))
              .validationExecutor(time)
              .deliveryExecutor(time)
              .scoreParams(PeerScoreParams.defaults().withTopic("t", TopicScoreParams.defaults().withoutMeshDeliveries()))
              .build();
      nodes.add(new Node(id, r, got));
    }
    Set<String> links = new HashSet<>();
    Map<Integer, Integer> deg = new HashMap<>();
    for (int i = 0; i < count; i++) {
      while (deg.getOrDefault(i, 0) < degree / 2) {
        int j = topo.nextInt(count);
        String key = Math.min(i, j) + "-" + Math.max(i, j);
        if (j == i || !links.add(key)) {
          continue;
        }
        connect(time, nodes.get(i), nodes.get(j));
        deg.merge(i, 1, Integer::sum);
        deg.merge(j, 1, Integer::sum);
      }
    }
    for (Node n : nodes) {
      n.router().subscribe("t", n.got()::add);
      n.router().start();
    }
    return nodes;
  }

  private static void connect(VirtualScheduler time, Node a, Node b) {
    a.router().addPeer(b.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.OUTBOUND, null, link(time, a, b));
    b.router().addPeer(a.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, link(time, b, a));
  }

  private static PeerSender link(VirtualScheduler time, Node from, Node to) {
    return rpc -> {
      byte[] frame = RpcCodec.encodeFrame(rpc);
      time.schedule(() -> {
        Rpc decoded = ScriptedPeer.CODEC.decodeFrame(frame);
        to.router().onRpc(from.id(), decoded);
      }, LATENCY_MS);
    };
  }
}
