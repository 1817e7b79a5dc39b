package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** One router on virtual time with scripted peers around it. */
final class RouterHarness {
  final VirtualScheduler time = new VirtualScheduler();
  final SecureRandom keys;
  final PrivKey key;
  final PeerId self;
  final List<ReceivedMessage> delivered = new CopyOnWriteArrayList<>();
  final List<PeerId> dialed = new ArrayList<>();
  final RecordingObserver events = new RecordingObserver();
  GossipRouter router;

  RouterHarness() {
    this(b -> {});
  }

  RouterHarness(Consumer<GossipRouter.Builder> customise) {
    keys = deterministicRandom(42);
    key = PrivKey.generate(KeyType.ED25519, keys);
    self = PeerId.fromPublicKey(key.publicKey());
    GossipRouter.Builder b =
        GossipRouter.builder(self)
            .privateKey(key)
            .scheduler(time)
            .random(new SplittableRandom(7))
            .validationExecutor(time)
            .deliveryExecutor(time)
            .dialer((p, r) -> dialed.add(p))
            .observer(events);
    customise.accept(b);
    router = b.build();
  }

  static SecureRandom deterministicRandom(long seed) {
    try {
      SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
      r.setSeed(seed);
      return r;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  ScriptedPeer peer(PubsubProtocol proto, Direction dir) {
    ScriptedPeer p = new ScriptedPeer(keys);
    p.router = router;
    router.addPeer(p.id, proto.id(), dir, null, p);
    return p;
  }

  ScriptedPeer peer() {
    return peer(PubsubProtocol.MESHSUB_V12, Direction.OUTBOUND);
  }

  List<ScriptedPeer> peers(int n, String... topics) {
    List<ScriptedPeer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ScriptedPeer p = peer(PubsubProtocol.MESHSUB_V12, i % 2 == 0 ? Direction.OUTBOUND : Direction.INBOUND);
      if (topics.length > 0) {
        p.subscribe(topics);
      }
      out.add(p);
    }
    return out;
  }

  void subscribe(String topic) {
    router.subscribe(topic, delivered::add);
  }

  private boolean started;

  /** Runs {@code n} heartbeats on virtual time (the first one starts the router). */
  void heartbeats(int n) {
    for (int i = 0; i < n; i++) {
      if (!started) {
        router.start();
        started = true;
        time.advance(router.params().heartbeatInitialDelay().toMillis());
      } else {
        time.advance(router.params().heartbeatInterval().toMillis());
      }
    }
  }

  static void clearAll(List<ScriptedPeer> ps) {
    ps.forEach(ScriptedPeer::clear);
  }
}
