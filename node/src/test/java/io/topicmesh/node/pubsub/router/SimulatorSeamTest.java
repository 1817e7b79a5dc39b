package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The seam a simulator uses (see GossipRouter's class Javadoc): three routers on one thread, no
 * sockets, no thread pools, one virtual clock; the test carries every RPC by hand, delivers
 * connect and disconnect events and calls the heartbeat itself.
 */
class SimulatorSeamTest {
  private final Thread testThread = Thread.currentThread();
  private final VirtualScheduler time = new VirtualScheduler();
  private final List<String> offThread = new ArrayList<>();

  /** One direction of a link: RPCs the sender produced, not yet delivered. */
  private final class Link implements PeerSender {
    final Node from;
    final Node to;
    final ArrayDeque<byte[]> inFlight = new ArrayDeque<>();
    boolean down;

    Link(Node from, Node to) {
      this.from = from;
      this.to = to;
    }

    @Override
    public void send(Rpc rpc) {
      checkThread("send " + from.name + "->" + to.name);
      assertThat(down).as("%s sent to %s after the disconnect", from.name, to.name).isFalse();
      inFlight.add(RpcCodec.encodeFrame(rpc));
    }
  }

  private final class Node {
    final String name;
    final PeerId id;
    final GossipRouter router;
    final List<String> got = new ArrayList<>();
    final Map<PeerId, Link> links = new LinkedHashMap<>();

    Node(String name, SecureRandom keys, long seed) {
      this.name = name;
      PrivKey k = PrivKey.generate(KeyType.ED25519, keys);
      this.id = PeerId.fromPublicKey(k.publicKey());
      this.router =
          GossipRouter.builder(id)
              .privateKey(k)
              .scheduler(time)
              .wallClock(Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC))
              .random(new SplittableRandom(seed))
              .validationExecutor(Runnable::run)
              .deliveryExecutor(Runnable::run)
              .build();
      router.addValidator(
          "t",
          (source, m) -> {
            checkThread("validator at " + name);
            return CompletableFuture.completedFuture(
                m.data().toStringUtf8().startsWith("bad") ? ValidationResult.REJECT : ValidationResult.ACCEPT);
          });
      router.subscribe(
          "t",
          rm -> {
            checkThread("delivery at " + name);
            got.add(rm.message().data().toStringUtf8());
          });
    }
  }

  private void checkThread(String what) {
    if (Thread.currentThread() != testThread) {
      offThread.add(what + " on " + Thread.currentThread().getName());
    }
  }

  private void connect(Node a, Node b) {
    Link ab = new Link(a, b);
    Link ba = new Link(b, a);
    a.links.put(b.id, ab);
    b.links.put(a.id, ba);
    a.router.addPeer(b.id, PubsubProtocol.MESHSUB_V12.id(), Direction.OUTBOUND, null, ab);
    b.router.addPeer(a.id, PubsubProtocol.MESHSUB_V12.id(), Direction.INBOUND, null, ba);
  }

  private void disconnect(Node a, Node b) {
    a.links.remove(b.id).down = true;
    b.links.remove(a.id).down = true;
    a.router.removePeer(b.id);
    b.router.removePeer(a.id);
  }

  /** Delivers every RPC in flight, round-robin over links, until the network is quiet. */
  private int deliverAll(List<Node> nodes) {
    int delivered = 0;
    boolean any = true;
    while (any) {
      any = false;
      for (Node n : nodes) {
        for (Link l : List.copyOf(n.links.values())) {
          byte[] frame = l.inFlight.poll();
          if (frame != null) {
            any = true;
            delivered++;
            l.to.router.onRpc(l.from.id, ScriptedPeer.CODEC.decodeFrame(frame));
          }
        }
      }
      assertThat(delivered).as("RPCs delivered before the network went quiet").isLessThan(10_000);
    }
    return delivered;
  }

  private void heartbeat(List<Node> nodes) {
    time.advance(1_000);
    for (Node n : nodes) {
      n.router.heartbeatNow();
    }
    deliverAll(nodes);
  }

  @Test
  void threeRoutersMeshAndExchangeMessagesOnTheCallersThreadOnly() {
    SecureRandom keys = RouterHarness.deterministicRandom(5);
    Node a = new Node("a", keys, 1);
    Node b = new Node("b", keys, 2);
    Node c = new Node("c", keys, 3);
    List<Node> all = List.of(a, b, c);
    connect(a, b);
    connect(b, c);
    connect(a, c);
    assertThat(deliverAll(all)).as("subscriptions exchanged on connect").isPositive();
    heartbeat(all);
    assertThat(a.router.meshPeers("t")).isEqualTo(Set.of(b.id, c.id));
    assertThat(b.router.meshPeers("t")).isEqualTo(Set.of(a.id, c.id));
    assertThat(c.router.meshPeers("t")).isEqualTo(Set.of(a.id, b.id));
    assertThat(a.router.heartbeatTicks()).isEqualTo(1);

    CompletableFuture<PublishResult> sent = a.router.publish("t", "hello".getBytes());
    assertThat(sent).as("validated and queued synchronously with a direct executor").isCompleted();
    assertThat(sent.join().peers()).isEqualTo(2);
    deliverAll(all);
    assertThat(a.got).containsExactly("hello");
    assertThat(b.got).containsExactly("hello");
    assertThat(c.got).containsExactly("hello");

    CompletableFuture<PublishResult> bad = b.router.publish("t", "bad one".getBytes());
    assertThat(bad).isCompletedExceptionally();
    deliverAll(all);
    assertThat(c.got).containsExactly("hello");

    disconnect(a, c);
    heartbeat(all);
    assertThat(a.router.meshPeers("t")).isEqualTo(Set.of(b.id));
    assertThat(c.router.meshPeers("t")).isEqualTo(Set.of(b.id));
    c.router.publish("t", "via b".getBytes());
    deliverAll(all);
    assertThat(a.got).containsExactly("hello", "via b");
    assertThat(offThread).as("callbacks off the driving thread").isEmpty();
  }
}
