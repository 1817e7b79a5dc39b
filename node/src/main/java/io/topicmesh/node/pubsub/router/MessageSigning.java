package io.topicmesh.node.pubsub.router;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Message signatures (pubsub spec, "Message Signing"): the signature covers {@code
 * "libp2p-pubsub:"} followed by the protobuf encoding of the message without its signature and key
 * fields. {@code key} is sent only when the public key cannot be extracted from {@code from}.
 */
public final class MessageSigning {
  static final byte[] PREFIX = "libp2p-pubsub:".getBytes(StandardCharsets.US_ASCII);

  private MessageSigning() {}

  static byte[] signedBytes(PubsubMessage m) {
    byte[] body = RpcCodec.encodeMessage(m.unsigned());
    byte[] out = new byte[PREFIX.length + body.length];
    System.arraycopy(PREFIX, 0, out, 0, PREFIX.length);
    System.arraycopy(body, 0, out, PREFIX.length, body.length);
    return out;
  }

  /** Signs {@code m} (which must carry {@code from} = {@code self}) with {@code key}. */
  public static PubsubMessage sign(PubsubMessage m, PrivKey key, PeerId self) {
    byte[] sig = key.sign(signedBytes(m));
    ByteString keyField =
        self.publicKey().isPresent() ? null : ByteString.copyFrom(key.publicKey().bytes());
    return m.withSignature(ByteString.copyFrom(sig), keyField);
  }

  /** Checks a received message under {@code policy}; empty when acceptable. */
  public static Optional<RejectReason> check(PubsubMessage m, SignaturePolicy policy) {
    if (policy == SignaturePolicy.STRICT_NO_SIGN) {
      if (m.hasFrom() || m.hasSeqno() || m.hasSignature() || m.hasKey()) {
        return Optional.of(RejectReason.UNEXPECTED_SIGNING_FIELDS);
      }
      return Optional.empty();
    }
    if (!m.hasFrom() || !m.hasSignature()) {
      return Optional.of(RejectReason.MISSING_SIGNATURE);
    }
    if (!m.hasSeqno() || m.seqno().size() != 8) {
      return Optional.of(RejectReason.INVALID_SEQNO);
    }
    PeerId from;
    try {
      from = PeerId.fromBytes(m.from().toByteArray());
    } catch (RuntimeException e) {
      return Optional.of(RejectReason.INVALID_FROM);
    }
    PubKey pub;
    try {
      if (m.hasKey()) {
        pub = PubKey.unmarshal(m.key().toByteArray());
        if (!from.matches(pub)) {
          return Optional.of(RejectReason.INVALID_SIGNATURE);
        }
      } else {
        Optional<PubKey> embedded = from.publicKey();
        if (embedded.isEmpty()) {
          return Optional.of(RejectReason.MISSING_SIGNATURE);
        }
        pub = embedded.get();
      }
      return pub.verify(signedBytes(m), m.signature().toByteArray())
          ? Optional.empty()
          : Optional.of(RejectReason.INVALID_SIGNATURE);
    } catch (RuntimeException e) {
      return Optional.of(RejectReason.INVALID_SIGNATURE);
    }
  }
}
