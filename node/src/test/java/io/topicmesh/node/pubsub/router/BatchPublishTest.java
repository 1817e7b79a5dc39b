package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Batch publishing: first copies of every message before any second copy, rotated across peers. */
class BatchPublishTest {
  @Test
  void roundRobinQueuesEveryFirstCopyBeforeAnySecondAndRotatesRecipients() {
    PeerId a = PeerId.parse("12D3KooWPb5qyzsfJ2S8Pk2sa2FuqK6mL9fTETHNsWFaugN9WbTR");
    RouterHarness h = new RouterHarness();
    PeerId b = h.peer().id;
    PeerId c = h.peer().id;
    List<PeerId> abc = List.of(a, b, c);
    List<PublishBatch.Send> order = PublishBatch.roundRobin(List.of(abc, abc, abc));
    assertThat(order).containsExactly(
        new PublishBatch.Send(0, a), new PublishBatch.Send(1, b), new PublishBatch.Send(2, c),
        new PublishBatch.Send(0, b), new PublishBatch.Send(1, c), new PublishBatch.Send(2, a),
        new PublishBatch.Send(0, c), new PublishBatch.Send(1, a), new PublishBatch.Send(2, b));
    // uneven recipient lists: a message with fewer recipients drops out of later rounds
    assertThat(PublishBatch.roundRobin(List.of(List.of(a), abc)))
        .containsExactly(new PublishBatch.Send(0, a), new PublishBatch.Send(1, b),
            new PublishBatch.Send(1, c), new PublishBatch.Send(1, a));
  }

  @Test
  void eachMeshPeerGetsTheWholeBatchStartingWithADifferentMessage() throws Exception {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().floodPublish(false).build()));
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(3, "t");
    h.heartbeats(1);
    assertThat(h.router.meshPeers("t")).hasSize(3);
    RouterHarness.clearAll(ps);
    CompletableFuture<List<PublishResult>> f =
        h.router.publishBatch("t", List.of(new byte[] {0}, new byte[] {1}, new byte[] {2}));
    h.time.runPending();
    List<PublishResult> results = f.get();
    assertThat(results).extracting(PublishResult::peers).containsExactly(3, 3, 3);
    Set<Byte> firsts = new HashSet<>();
    for (ScriptedPeer p : ps) {
      List<PubsubMessage> got = p.messages();
      assertThat(got).as("messages at %s", p.id).hasSize(3);
      firsts.add(got.get(0).data().byteAt(0));
    }
    assertThat(firsts).as("first message at each peer").containsExactlyInAnyOrder((byte) 0, (byte) 1, (byte) 2);
    assertThat(results).extracting(PublishResult::id).doesNotHaveDuplicates();
  }

  @Test
  void aMessageThatFailsValidationFailsTheFutureAndTheOthersGoOut() throws Exception {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(2, "t");
    h.router.addValidator("t", (src, m) -> CompletableFuture.completedFuture(
        m.data().byteAt(0) == 1 ? ValidationResult.REJECT : ValidationResult.ACCEPT));
    h.heartbeats(1);
    RouterHarness.clearAll(ps);
    CompletableFuture<List<PublishResult>> f =
        h.router.publishBatch("t", List.of(new byte[] {0}, new byte[] {1}, new byte[] {2}));
    h.time.runPending();
    assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(BatchPublishException.class)
        .hasMessageContaining("1 of 3 messages not published (message 1: REJECTED")
        .satisfies(e -> {
          BatchPublishException b = (BatchPublishException) e;
          assertThat(b.published()).isEqualTo(2);
          assertThat(b.failures()).containsOnlyKeys(1);
          assertThat(((PublishException) b.failures().get(1)).reason()).isEqualTo(PublishException.Reason.REJECTED);
        });
    for (ScriptedPeer p : ps) {
      assertThat(p.messages()).extracting(m -> m.data().byteAt(0)).containsExactlyInAnyOrder((byte) 0, (byte) 2);
    }
  }

  @Test
  void aBatchOnATopicWeDoNotSubscribeGoesToFanoutPeersRoundRobin() throws Exception {
    RouterHarness h = new RouterHarness(b -> b.params(GossipParams.builder().floodPublish(false).build()));
    List<ScriptedPeer> ps = h.peers(3, "f");
    h.heartbeats(1);
    RouterHarness.clearAll(ps);
    CompletableFuture<List<PublishResult>> f =
        h.router.publishBatch("f", List.of(new byte[] {0}, new byte[] {1}, new byte[] {2}));
    h.time.runPending();
    assertThat(f.get()).extracting(PublishResult::peers).containsExactly(3, 3, 3);
    Set<Byte> firsts = new HashSet<>();
    for (ScriptedPeer p : ps) {
      assertThat(p.messages()).extracting(m -> m.data().byteAt(0))
          .containsExactlyInAnyOrder((byte) 0, (byte) 1, (byte) 2);
      firsts.add(p.messages().get(0).data().byteAt(0));
    }
    assertThat(firsts).hasSize(3);
  }

  @Test
  void aDuplicateInTheBatchIsRefusedByIndexAndTheFirstCopyIsPublished() throws Exception {
    RouterHarness h = new RouterHarness(b -> b.signaturePolicy(SignaturePolicy.STRICT_NO_SIGN));
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(2, "t");
    h.heartbeats(1);
    RouterHarness.clearAll(ps);
    CompletableFuture<List<PublishResult>> f =
        h.router.publishBatch("t", List.of(new byte[] {7}, new byte[] {8}, new byte[] {7}));
    h.time.runPending();
    assertThatThrownBy(f::get).cause().isInstanceOf(BatchPublishException.class)
        .hasMessageContaining("1 of 3 messages not published (message 2: DUPLICATE duplicate message id");
    for (ScriptedPeer p : ps) {
      assertThat(p.messages()).extracting(m -> m.data().byteAt(0)).containsExactlyInAnyOrder((byte) 7, (byte) 8);
    }
  }

  @Test
  void emptyAndOversizedBatchesAreRefused() {
    RouterHarness h = new RouterHarness();
    assertThatThrownBy(() -> h.router.publishBatch("t", List.of()).get()).hasMessageContaining("1 to 1024");
    assertThatThrownBy(() -> h.router.publishBatch("t", java.util.Collections.nCopies(1025, new byte[1])).get())
        .hasMessageContaining("1 to 1024 messages, got 1025");
    h.subscribe("t");
    List<ScriptedPeer> ps = h.peers(2, "t");
    h.heartbeats(1);
    RouterHarness.clearAll(ps);
    byte[] huge = new byte[RpcLimits.defaults().maxRpcSize()];
    assertThatThrownBy(() -> h.router.publishBatch("t", List.of(new byte[1], huge)).get())
        .cause().isInstanceOf(PublishException.class).hasMessageContaining("exceeds maxRpcSize")
        .satisfies(e -> assertThat(((PublishException) e).reason()).isEqualTo(PublishException.Reason.TOO_LARGE));
    h.time.runPending();
    for (ScriptedPeer p : ps) {
      assertThat(p.messages()).as("a refused batch publishes nothing at %s", p.id).isEmpty();
    }
  }

}
