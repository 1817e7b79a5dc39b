package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A vector produced by go-libp2p-pubsub v0.17.0 (its pb package and go-libp2p v0.51.0 crypto):
 * an Ed25519 key with seed 00..1f signs {from, data "hello", seqno 7, topic "vector"} with the
 * "libp2p-pubsub:" prefix; the RPC also carries a subscription, a PRUNE with backoff 60 and an
 * IDONTWANT. We must decode it, verify the signature, re-encode it byte for byte, and produce the
 * same signature ourselves.
 */
class GoInteropVectorTest {
  static final String PRIV =
      "08011240000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
          + "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
  static final String PEER = "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
  static final String RPC =
      "0a0a08011206766563746f721283010a2600240801122003a107bff3ce10be1d70dd18e74bc09967e4d6309b"
          + "a50d5f1ddc8664125531b8120568656c6c6f1a0800000000000000072206766563746f722a400db9927e"
          + "081d9c78863fe48d2a3f26cd809cbd93b65580bc263371d94ccd5f0716e8a40b6f376aa29e875c74f733"
          + "752b03d747752753edd6e9915c9531b0740b1a12220a0a06766563746f72183c2a040a026162";

  @Test
  void goRpcDecodesVerifiesAndReencodesIdentically() {
    byte[] bytes = HexFormat.of().parseHex(RPC);
    Rpc rpc = new RpcCodec(RpcLimits.defaults()).decode(bytes);
    assertThat(rpc.subscriptions()).hasSize(1);
    assertThat(rpc.control().prune().get(0).backoffSeconds()).isEqualTo(60L);
    assertThat(rpc.control().idontwant().get(0).messageIds().get(0).bytes().toStringUtf8()).isEqualTo("ab");
    PubsubMessage m = rpc.publish().get(0);
    assertThat(PeerId.fromBytes(m.from().toByteArray()).toBase58()).isEqualTo(PEER);
    assertThat(MessageSigning.check(m, SignaturePolicy.STRICT_SIGN)).isEmpty();
    assertThat(RpcCodec.encode(rpc)).isEqualTo(bytes);
  }

  @Test
  void ourSignatureEqualsGos() {
    PrivKey key = PrivKey.unmarshal(HexFormat.of().parseHex(PRIV));
    PeerId self = PeerId.fromPublicKey(key.publicKey());
    assertThat(self.toBase58()).isEqualTo(PEER);
    PubsubMessage unsigned =
        new PubsubMessage(
            ByteString.copyFrom(self.bytes()),
            ByteString.copyFromUtf8("hello"),
            ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, 7}),
            "vector",
            null,
            null);
    PubsubMessage ours = MessageSigning.sign(unsigned, key, self);
    PubsubMessage theirs = new RpcCodec(RpcLimits.defaults()).decode(HexFormat.of().parseHex(RPC)).publish().get(0);
    assertThat(ours).isEqualTo(theirs);
  }
}
