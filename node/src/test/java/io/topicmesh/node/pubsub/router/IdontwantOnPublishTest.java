package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IDONTWANT for our own published messages, as go-libp2p-pubsub does since v0.14 (its Publish runs
 * the router's Preprocess on the message): every mesh peer on v1.2 or newer gets an IDONTWANT for a
 * message at or above the threshold, in the same flush as (never after) the message itself.
 */
class IdontwantOnPublishTest {
  private static RouterHarness meshOf(ScriptedPeer[] out, PubsubProtocol... protos) {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().floodPublish(false).build()));
    h.subscribe("t");
    for (int i = 0; i < protos.length; i++) {
      out[i] = h.peer(protos[i], Direction.OUTBOUND);
      out[i].subscribe("t");
    }
    h.heartbeats(1);
    return h;
  }

  @Test
  void aLargePublishSendsIdontwantToV12AndV13MeshPeers() throws Exception {
    ScriptedPeer[] p = new ScriptedPeer[3];
    RouterHarness h = meshOf(p, PubsubProtocol.MESHSUB_V13, PubsubProtocol.MESHSUB_V12, PubsubProtocol.MESHSUB_V11);
    assertThat(h.router.meshPeers("t")).hasSize(3);
    RouterHarness.clearAll(List.of(p));
    var f = h.router.publish("t", new byte[2048]);
    h.time.runPending();
    MessageId id = f.get().id();
    for (ScriptedPeer v : List.of(p[0], p[1])) {
      assertThat(v.idontwants()).as("IDONTWANTs to a %s peer", v == p[0] ? "v1.3" : "v1.2").containsExactly(id);
      // the IDONTWANT travels no later than the message: in the same RPC or an earlier one
      int idontwantAt = indexOf(v.received, r -> r.control().idontwant().stream().anyMatch(d -> d.messageIds().contains(id)));
      int messageAt = indexOf(v.received, r -> !r.publish().isEmpty());
      assertThat(idontwantAt).isNotNegative().isLessThanOrEqualTo(messageAt);
    }
    assertThat(p[2].idontwants()).as("IDONTWANTs to a v1.1 peer").isEmpty();
    assertThat(p[2].messages()).hasSize(1);
  }

  @Test
  void aSmallPublishSendsNoIdontwant() throws Exception {
    ScriptedPeer[] p = new ScriptedPeer[1];
    RouterHarness h = meshOf(p, PubsubProtocol.MESHSUB_V13);
    h.router.publish("t", new byte[h.router.params().idontwantThreshold() - 1]);
    h.time.runPending();
    assertThat(p[0].messages()).hasSize(1);
    assertThat(p[0].idontwants()).isEmpty();
  }

  @Test
  void aFanoutPublishSendsNoIdontwant() throws Exception {
    RouterHarness h = new RouterHarness();
    ScriptedPeer q = h.peer(PubsubProtocol.MESHSUB_V13, Direction.OUTBOUND);
    q.subscribe("u");
    h.heartbeats(1);
    h.router.publish("u", new byte[4096]);
    h.time.runPending();
    assertThat(q.messages()).hasSize(1);
    assertThat(q.idontwants()).as("no mesh on u, so no IDONTWANT (go: mesh peers only)").isEmpty();
  }

  private static int indexOf(List<Rpc> rpcs, java.util.function.Predicate<Rpc> p) {
    for (int i = 0; i < rpcs.size(); i++) {
      if (p.test(rpcs.get(i))) {
        return i;
      }
    }
    return -1;
  }
}
