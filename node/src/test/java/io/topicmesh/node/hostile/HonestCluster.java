package io.topicmesh.node.hostile;

import static org.awaitility.Awaitility.await;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.net.LocalPubsubNode;
import io.topicmesh.node.pubsub.net.PubsubNetwork;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PeerScoreParams;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.router.TopicScoreParams;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A few honest nodes on loopback, fully connected, all subscribed to {@link #TOPIC} with scoring on
 * (the daemon's defaults: {@link PeerScoreParams#defaults()}, {@link TopicScoreParams#defaults()} for
 * the topic, {@link PeerScoreThresholds#defaults()}), and a steady publisher: every node in turn
 * publishes, and each other node's deliveries are counted. Node 0 is the victim an attacker connects
 * to; its router observer is {@link #victimEvents}.
 */
final class HonestCluster implements AutoCloseable {
  static final String TOPIC = "honest";
  static final PeerScoreThresholds THRESHOLDS = PeerScoreThresholds.defaults();
  private static final com.google.protobuf.ByteString HONEST_PREFIX =
      com.google.protobuf.ByteString.copyFromUtf8("honest-");

  final List<LocalPubsubNode> nodes = new ArrayList<>();
  final List<Set<MessageId>> delivered = new ArrayList<>();
  final Map<MessageId, Integer> published = new ConcurrentHashMap<>();
  final AtomicLong publishFailures = new AtomicLong();
  /** Deliveries of messages no honest node wrote (the attacker's). */
  final Set<MessageId> foreign = ConcurrentHashMap.newKeySet();
  final VictimEvents victimEvents = new VictimEvents();
  private ScheduledExecutorService traffic;

  /** Counts what the victim's router reports about the attacker. */
  static final class VictimEvents implements RouterObserver {
    final AtomicLong graylisted = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong ihaveFloods = new AtomicLong();
    final AtomicLong iwantIdsSent = new AtomicLong();
    final AtomicLong graftsDuringBackoff = new AtomicLong();
    final AtomicLong invalidRpcs = new AtomicLong();
    final AtomicLong queueFullDrops = new AtomicLong();
    final AtomicLong controlOverflows = new AtomicLong();
    final AtomicLong pruned = new AtomicLong();
    final AtomicLong removed = new AtomicLong();
    final AtomicLong prunesReceived = new AtomicLong();
    final AtomicLong messagesSent = new AtomicLong();

    @Override
    public void rpcSent(PeerId peer, io.topicmesh.node.pubsub.wire.Rpc rpc) {
      if (peer.equals(attacker)) {
        messagesSent.addAndGet(rpc.publish().size());
      }
    }

    volatile PeerId attacker;

    @Override
    public void rpcReceived(PeerId peer, io.topicmesh.node.pubsub.wire.Rpc rpc) {
      if (peer.equals(attacker)) {
        prunesReceived.addAndGet(rpc.control().prune().size());
      }
    }

    @Override
    public void outboundDropped(PeerId peer, io.topicmesh.node.pubsub.router.DropReason reason, int count) {
      if (peer.equals(attacker)) {
        switch (reason) {
          case QUEUE_FULL -> queueFullDrops.addAndGet(count);
          case CONTROL_OVERFLOW -> controlOverflows.addAndGet(count);
          default -> { }
        }
      }
    }

    @Override
    public void pruned(PeerId peer, String topic, io.topicmesh.node.pubsub.router.PruneReason reason) {
      if (peer.equals(attacker)) {
        pruned.incrementAndGet();
      }
    }

    @Override
    public void peerRemoved(PeerId peer, PubsubProtocol protocol) {
      if (peer.equals(attacker)) {
        removed.incrementAndGet();
      }
    }

    @Override
    public void graylisted(PeerId peer) {
      if (peer.equals(attacker)) {
        graylisted.incrementAndGet();
      }
    }

    @Override
    public void rejected(String topic, MessageId id, PeerId source, io.topicmesh.node.pubsub.router.RejectReason r) {
      if (source.equals(attacker)) {
        rejected.incrementAndGet();
      }
    }

    @Override
    public void ihaveFlood(PeerId peer) {
      if (peer.equals(attacker)) {
        ihaveFloods.incrementAndGet();
      }
    }

    @Override
    public void iwantSent(PeerId peer, int ids) {
      if (peer.equals(attacker)) {
        iwantIdsSent.addAndGet(ids);
      }
    }

    @Override
    public void graftDuringBackoff(PeerId peer, String topic) {
      if (peer.equals(attacker)) {
        graftsDuringBackoff.incrementAndGet();
      }
    }

    @Override
    public void invalidRpc(PeerId peer, io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason reason) {
      if (peer.equals(attacker)) {
        invalidRpcs.incrementAndGet();
      }
    }
  }

  static GossipParams params() {
    return GossipParams.defaults().toBuilder()
        .heartbeatInterval(Duration.ofMillis(200))
        .heartbeatInitialDelay(Duration.ofMillis(50))
        .iwantFollowupTime(Duration.ofMillis(600))
        .build();
  }

  static PeerScoreParams scoreParams() {
    return PeerScoreParams.defaults().withTopic(TOPIC, TopicScoreParams.defaults());
  }

  /** Starts {@code n} nodes on 127.0.{subnet}.(1..n), connects them all and waits for full meshes. */
  static HonestCluster start(int subnet, int n, Consumer<GossipRouter.Builder> victimCustomise) throws Exception {
    HonestCluster c = new HonestCluster();
    try {
      for (int i = 0; i < n; i++) {
        boolean victim = i == 0;
        LocalPubsubNode node = LocalPubsubNode.start(PrivKey.generate(KeyType.ED25519, new SecureRandom()),
            Multiaddr.parse("/ip4/127.0." + subnet + "." + (i + 1) + "/tcp/0"), 1, params(),
            PubsubNetwork.Options.defaults().withProtocols(PubsubProtocol.ANNOUNCED),
            b -> {
              b.scoreParams(scoreParams()).thresholds(THRESHOLDS);
              if (victim) {
                b.observer(c.victimEvents);
                victimCustomise.accept(b);
              }
            });
        c.nodes.add(node);
        Set<MessageId> got = ConcurrentHashMap.newKeySet();
        c.delivered.add(got);
        node.router().subscribe(TOPIC, m -> {
          if (!m.local()) {
            got.add(m.id());
            if (!m.message().data().startsWith(HONEST_PREFIX)) {
              c.foreign.add(m.id());
            }
          }
        });
      }
      for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
          c.nodes.get(i).host().dial(c.nodes.get(j).address()).get(10, TimeUnit.SECONDS);
        }
      }
      for (LocalPubsubNode node : c.nodes) {
        await("mesh of " + node.host().peerId()).atMost(Duration.ofSeconds(15))
            .until(() -> node.router().meshPeers(TOPIC).size() >= Math.min(n - 1, 4));
      }
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
    return c;
  }

  LocalPubsubNode victim() {
    return nodes.get(0);
  }

  /** Publishes one message every {@code periodMillis}, from each node in turn, until {@link #stopTraffic}. */
  void startTraffic(long periodMillis) {
    startTraffic(periodMillis, 0);
  }

  /** As {@link #startTraffic(long)}, each message padded to at least {@code payloadBytes}. */
  void startTraffic(long periodMillis, int payloadBytes) {
    traffic = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "honest-traffic");
      t.setDaemon(true);
      return t;
    });
    AtomicLong seq = new AtomicLong();
    traffic.scheduleAtFixedRate(() -> {
      long s = seq.getAndIncrement();
      int from = (int) (s % nodes.size());
      try {
        byte[] head = ("honest-" + s + "-").getBytes();
        byte[] data = java.util.Arrays.copyOf(head, Math.max(head.length, payloadBytes));
        MessageId id = nodes.get(from).router().publish(TOPIC, data)
            .get(5, TimeUnit.SECONDS).id();
        published.put(id, from);
      } catch (Exception e) {
        publishFailures.incrementAndGet();
      }
    }, 0, periodMillis, TimeUnit.MILLISECONDS);
  }

  void stopTraffic() throws InterruptedException {
    traffic.shutdown();
    traffic.awaitTermination(10, TimeUnit.SECONDS);
  }

  /** Expected deliveries (each published message at every other honest node). */
  long expected() {
    return (long) published.size() * (nodes.size() - 1);
  }

  long deliveredCount() {
    long n = 0;
    for (Map.Entry<MessageId, Integer> e : published.entrySet()) {
      for (int k = 0; k < nodes.size(); k++) {
        if (k != e.getValue() && delivered.get(k).contains(e.getKey())) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * Honest delivery ratio once in-flight messages had time to arrive: waits (up to 10 s) for every
   * published message to reach every other node, then returns what arrived.
   */
  double deliveryRatio() {
    try {
      await("honest deliveries").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> deliveredCount() == expected());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // the ratio below says how much is missing
    }
    return expected() == 0 ? 0 : (double) deliveredCount() / expected();
  }

  /** Per node: the share of the messages the other nodes published that reached it. */
  double[] perNodeRatio() {
    double[] r = new double[nodes.size()];
    for (int k = 0; k < nodes.size(); k++) {
      long want = 0;
      long got = 0;
      for (Map.Entry<MessageId, Integer> e : published.entrySet()) {
        if (e.getValue() != k) {
          want++;
          if (delivered.get(k).contains(e.getKey())) {
            got++;
          }
        }
      }
      r[k] = want == 0 ? 0 : (double) got / want;
    }
    return r;
  }

  static int openFds() {
    String[] fds = new File("/proc/self/fd").list();
    return fds == null ? -1 : fds.length;
  }

  static int threads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  @Override
  public void close() {
    if (traffic != null) {
      traffic.shutdownNow();
    }
    nodes.forEach(LocalPubsubNode::close);
  }
}
