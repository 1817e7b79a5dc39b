package io.topicmesh.node.pubsub.wire;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.Objects;

/** A pubsub message id: opaque bytes computed by the router's message-id function. */
public record MessageId(ByteString bytes) {
  public MessageId {
    Objects.requireNonNull(bytes, "bytes");
  }

  public static MessageId of(byte[] bytes) {
    return new MessageId(ByteString.copyFrom(bytes));
  }

  public int size() {
    return bytes.size();
  }

  @Override
  public String toString() {
    int n = Math.min(bytes.size(), 16);
    String hex = HexFormat.of().formatHex(bytes.substring(0, n).toByteArray());
    return n < bytes.size() ? hex + "…" : hex;
  }
}
