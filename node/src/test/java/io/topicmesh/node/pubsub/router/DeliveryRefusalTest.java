package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A delivery executor that refuses work (its bounded queue is full, or it is shut down) costs the
 * subscriber that one callback, counted; the message is still forwarded and a local publish still
 * completes.
 */
class DeliveryRefusalTest {
  /** Refuses while {@code refusing}, else runs the work on the calling thread. */
  private static final class SwitchableExecutor implements Executor {
    boolean refusing = true;

    @Override
    public void execute(Runnable r) {
      if (refusing) {
        throw new RejectedExecutionException("delivery queue full");
      }
      r.run();
    }
  }

  private final SwitchableExecutor delivery = new SwitchableExecutor();
  private final RouterHarness h =
      new RouterHarness(b -> b.deliveryExecutor(delivery).signaturePolicy(SignaturePolicy.STRICT_NO_SIGN));
  private final List<ScriptedPeer> peers = h.peers(2, "t");

  DeliveryRefusalTest() {
    h.subscribe("t");
    h.heartbeats(2);
    RouterHarness.clearAll(peers);
  }

  @Test
  void aRefusedDeliveryIsCountedAndTheMessageStillForwarded() {
    PubsubMessage m = PubsubMessage.anonymous("t", ByteString.copyFromUtf8("first"));
    peers.get(0).publish(m);
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.router.deliveriesRefused()).isEqualTo(1);
    assertThat(peers.get(1).messages()).as("forwarded to the other mesh peer").containsExactly(m);

    delivery.refusing = false;
    PubsubMessage next = PubsubMessage.anonymous("t", ByteString.copyFromUtf8("second"));
    peers.get(0).publish(next);
    h.time.runPending();
    assertThat(h.delivered).extracting(ReceivedMessage::message).containsExactly(next);
    assertThat(h.router.deliveriesRefused()).isEqualTo(1);
  }

  @Test
  void aLocalPublishCompletesWhenItsOwnDeliveryIsRefused() {
    CompletableFuture<PublishResult> f = h.router.publish("t", "local".getBytes());
    h.time.runPending();
    assertThat(f).isCompletedWithValueMatching(r -> r.peers() == 2, "queued for both peers");
    assertThat(h.router.deliveriesRefused()).isEqualTo(1);
    assertThat(h.delivered).isEmpty();
    for (ScriptedPeer p : peers) {
      assertThat(p.messages()).extracting(m -> m.data().toStringUtf8()).containsExactly("local");
    }
  }
}
