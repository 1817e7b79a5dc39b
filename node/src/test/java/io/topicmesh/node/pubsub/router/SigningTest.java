package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import org.junit.jupiter.api.Test;

class SigningTest {
  @Test
  void strictSignPublishesVerifiableMessagesWithoutKeyForEd25519() {
    RouterHarness h = new RouterHarness();
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.publish("t", "hi".getBytes());
    h.time.runPending();
    PubsubMessage m = p.messages().get(0);
    assertThat(m.from().toByteArray()).isEqualTo(h.self.bytes());
    assertThat(m.seqno().size()).isEqualTo(8);
    assertThat(m.hasKey()).as("Ed25519 ids inline the key").isFalse();
    assertThat(MessageSigning.check(m, SignaturePolicy.STRICT_SIGN)).isEmpty();
    assertThat(PeerId.fromBytes(m.from().toByteArray()).publicKey().orElseThrow()
        .verify(MessageSigning.signedBytes(m), m.signature().toByteArray())).isTrue();
    // the signed bytes are the spec's prefix + protobuf without signature and key
    assertThat(new String(MessageSigning.signedBytes(m), 0, 14)).isEqualTo("libp2p-pubsub:");
  }

  @Test
  void invalidSignaturesAreRejectedAndPenalisedAndDoNotShadowTheGenuineMessage() {
    RouterHarness h =
        new RouterHarness(b -> b.scoreParams(PeerScoreParams.defaults().withTopic("t", TopicScoreParams.defaults())));
    h.subscribe("t");
    ScriptedPeer author = h.peer();
    ScriptedPeer forger = h.peer();
    author.subscribe("t");
    forger.subscribe("t");
    PubsubMessage genuine = author.signed("t", "real".getBytes());
    PubsubMessage forged =
        new PubsubMessage(genuine.from(), ByteString.copyFromUtf8("fake"), genuine.seqno(), "t", genuine.signature(), null);
    forger.publish(forged);
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.events.events).contains("reject INVALID_SIGNATURE");
    assertThat(h.router.score(forger.id)).isLessThan(0);
    author.publish(genuine);
    h.time.runPending();
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).containsExactly("real");
  }

  @Test
  void strictSignRejectsUnsignedAndBadSeqno() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    p.publish(PubsubMessage.anonymous("t", ByteString.copyFromUtf8("x")));
    PubsubMessage m = p.signed("t", new byte[] {1});
    p.publish(new PubsubMessage(m.from(), m.data(), ByteString.copyFrom(new byte[3]), "t", m.signature(), null));
    h.time.runPending();
    assertThat(h.delivered).isEmpty();
    assertThat(h.events.events).contains("reject MISSING_SIGNATURE", "reject INVALID_SEQNO");
  }

  @Test
  void strictNoSignSendsBareMessagesAndRejectsSignedOnes() {
    RouterHarness h = new RouterHarness(b -> b.signaturePolicy(SignaturePolicy.STRICT_NO_SIGN).privateKey(null));
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.publish("t", "anon".getBytes());
    h.time.runPending();
    PubsubMessage out = p.messages().get(0);
    assertThat(out.hasFrom() || out.hasSeqno() || out.hasSignature() || out.hasKey()).isFalse();
    p.publish(p.signed("t", new byte[] {1}));
    p.publish(PubsubMessage.anonymous("t", ByteString.copyFromUtf8("ok")));
    h.time.runPending();
    assertThat(h.events.events).contains("reject UNEXPECTED_SIGNING_FIELDS");
    assertThat(h.delivered).extracting(r -> r.message().data().toStringUtf8()).contains("ok");
  }

  @Test
  void ownMessagesComingBackAreNotRedelivered() {
    RouterHarness h = new RouterHarness();
    h.subscribe("t");
    ScriptedPeer p = h.peer();
    p.subscribe("t");
    h.router.publish("t", "mine".getBytes());
    h.time.runPending();
    assertThat(h.delivered).hasSize(1);
    p.publish(p.messages().get(0));
    h.time.runPending();
    assertThat(h.delivered).hasSize(1);
  }
}
