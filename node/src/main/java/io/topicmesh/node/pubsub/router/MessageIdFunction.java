package io.topicmesh.node.pubsub.router;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Computes a message's id; must be the same function on every node of a network. */
@FunctionalInterface
public interface MessageIdFunction {
  MessageId apply(PubsubMessage message);

  /** The spec's default: {@code from} followed by {@code seqno} (go-libp2p-pubsub DefaultMsgIdFn). */
  MessageIdFunction FROM_AND_SEQNO =
      m -> {
        ByteString from = m.from() == null ? ByteString.EMPTY : m.from();
        ByteString seq = m.seqno() == null ? ByteString.EMPTY : m.seqno();
        return new MessageId(from.concat(seq));
      };

  /** Content addressing for StrictNoSign networks: SHA-256 of topic and data. */
  MessageIdFunction CONTENT_SHA256 =
      m -> {
        try {
          MessageDigest d = MessageDigest.getInstance("SHA-256");
          d.update(m.topic().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          d.update((byte) 0);
          d.update(m.data().asReadOnlyByteBuffer());
          return MessageId.of(d.digest());
        } catch (NoSuchAlgorithmException e) {
          throw new IllegalStateException(e);
        }
      };
}
