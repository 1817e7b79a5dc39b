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
    VirtualTime time = new VirtualTime();
    SecureRandom keys = RouterHarness.deterministicRandom(1);
    SplittableRandom topo = new SplittableRandom(3);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
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
    Map<Integer, Integer> degree = new HashMap<>();
    for (int i = 0; i < NODES; i++) {
      while (degree.getOrDefault(i, 0) < DEGREE / 2) {
        int j = topo.nextInt(NODES);
        String key = Math.min(i, j) + "-" + Math.max(i, j);
        if (j == i || !links.add(key)) {
          continue;
        }
        connect(time, nodes.get(i), nodes.get(j));
        degree.merge(i, 1, Integer::sum);
        degree.merge(j, 1, Integer::sum);
      }
    }
    for (Node n : nodes) {
      n.router().subscribe("t", n.got()::add);
      n.router().start();
    }
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

  private static void connect(VirtualTime time, Node a, Node b) {
    a.router().addPeer(b.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.OUTBOUND, null, link(time, a, b));
    b.router().addPeer(a.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, link(time, b, a));
  }

  private static PeerSender link(VirtualTime time, Node from, Node to) {
    return rpc -> {
      byte[] frame = RpcCodec.encodeFrame(rpc);
      time.schedule(() -> {
        Rpc decoded = ScriptedPeer.CODEC.decodeFrame(frame);
        to.router().onRpc(from.id(), decoded);
      }, LATENCY_MS);
    };
  }
}
