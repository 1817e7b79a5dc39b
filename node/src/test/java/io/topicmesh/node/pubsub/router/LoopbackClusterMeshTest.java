package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code local --nodes 40} cluster on virtual time: 40 routers with the default parameters (D 6,
 * Dlo 5, Dhi 12, Dout 2) and the default score parameters (P6 on, threshold 10), each "dialing"
 * its ring neighbour and 7 random others as {@code local} does. The addresses are the ones the
 * kernel gives on loopback: a dialer sees the listener's 127.0.1.x, while every listener sees
 * 127.0.0.1 as the source of all its inbound connections. Counting that one loopback source for
 * IP colocation (P6) made every inbound peer of a node with more than 10 of them score negative,
 * so that node refused their GRAFTs, could not graft them, and stayed below Dlo for good (issue 14).
 * Every router must reach Dlo within a bounded number of heartbeats and stay there.
 */
class LoopbackClusterMeshTest {
  static final int NODES = 40;
  static final int DIALS_PER_NODE = 8;
  static final long LATENCY_MS = 5;
  static final int DLO = GossipParams.defaults().dlo();
  static final int DHI = GossipParams.defaults().dhi();
  static final String[] TOPICS = {"alpha", "beta"};
  /** Heartbeats (1 s each) after the last link is up within which every mesh reaches Dlo. */
  static final int CONVERGE_HEARTBEATS = 10;
  /** Heartbeats after convergence during which every mesh must stay within [Dlo, Dhi]. */
  static final int STEADY_HEARTBEATS = 60;

  record Node(int index, PeerId id, GossipRouter router) {}

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {0, 1, 2, 3})
  void everyRouterReachesDloAndStaysThere(long seed) throws Exception {
    VirtualScheduler time = new VirtualScheduler();
    SplittableRandom random = new SplittableRandom(seed);
    List<Node> nodes = routers(time, seed);
    for (Node n : nodes) {
      for (String t : TOPICS) {
        n.router().subscribe(t, m -> {});
      }
      n.router().start();
    }
    // the nodes come up one after another (as local starts them) and dial their chosen peers
    Set<String> links = new HashSet<>();
    int[] inbound = new int[NODES];
    for (int i = 0; i < NODES; i++) {
      time.advance(50);
      for (int j : chosen(i, random)) {
        String key = Math.min(i, j) + "-" + Math.max(i, j);
        if (links.add(key)) { // a pair that dialed each other keeps one connection
          connect(time, nodes.get(i), nodes.get(j));
          inbound[j]++;
        }
      }
    }
    int threshold = PeerScoreParams.defaults().ipColocationFactorThreshold();
    assertThat(java.util.Arrays.stream(inbound).max().orElseThrow())
        .as("some node has more inbound peers (all from 127.0.0.1) than the P6 threshold")
        .isGreaterThan(threshold);

    int converged = -1;
    for (int hb = 1; hb <= CONVERGE_HEARTBEATS; hb++) {
      time.advance(1_000);
      if (below(nodes).isEmpty()) {
        converged = hb;
        break;
      }
    }
    assertThat(converged).as("heartbeats to Dlo everywhere; still below Dlo: %s", below(nodes)).isPositive();
    for (int hb = 0; hb < STEADY_HEARTBEATS; hb++) {
      time.advance(1_000);
      assertThat(below(nodes)).as("below Dlo %d s after convergence", hb + 1).isEmpty();
      for (Node n : nodes) {
        for (String t : TOPICS) {
          assertThat(n.router().meshPeers(t).size()).as("mesh %s of node %d", t, n.index()).isLessThanOrEqualTo(DHI);
        }
      }
    }
  }

  /** "node/topic=mesh (peers, negative-score peers)" for every mesh below Dlo. */
  private static List<String> below(List<Node> nodes) {
    List<String> out = new ArrayList<>();
    for (Node n : nodes) {
      for (String t : TOPICS) {
        int mesh = n.router().meshPeers(t).size();
        if (mesh < DLO) {
          long negative = n.router().peers().stream().filter(p -> n.router().score(p) < 0).count();
          out.add(n.index() + "/" + t + "=" + mesh + " (" + n.router().peers().size() + " peers, " + negative + " negative)");
        }
      }
    }
    return out;
  }

  /** As {@code local}: the ring neighbour, then random others up to {@link #DIALS_PER_NODE}. */
  private static List<Integer> chosen(int i, SplittableRandom random) {
    List<Integer> c = new ArrayList<>();
    c.add((i + 1) % NODES);
    while (c.size() < DIALS_PER_NODE) {
      int j = random.nextInt(NODES);
      if (j != i && !c.contains(j)) {
        c.add(j);
      }
    }
    return c;
  }

  private static List<Node> routers(VirtualScheduler time, long seed) {
    SecureRandom keys = RouterHarness.deterministicRandom(1000 + (int) seed);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      PrivKey k = PrivKey.generate(KeyType.ED25519, keys);
      PeerId id = PeerId.fromPublicKey(k.publicKey());
      GossipRouter r =
          GossipRouter.builder(id)
              .privateKey(k)
              .scheduler(time)
              .random(new SplittableRandom(seed * 1000 + i))
              .validationExecutor(time)
              .deliveryExecutor(time)
              .build();
      nodes.add(new Node(i, id, r));
    }
    return nodes;
  }

  /** {@code a} dials {@code b}: a sees b's listen address, b sees the loopback source 127.0.0.1. */
  private static void connect(VirtualScheduler time, Node a, Node b) throws UnknownHostException {
    InetAddress listen = InetAddress.getByName("127.0.1." + (b.index() + 1));
    InetAddress source = InetAddress.getByName("127.0.0.1");
    a.router().addPeer(b.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.OUTBOUND, listen, link(time, a, b));
    b.router().addPeer(a.id(), PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, source, link(time, b, a));
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
