package io.topicmesh.node.pubsub.wire;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * A published message (RPC field 2). {@code from}, {@code seqno}, {@code signature} and {@code key}
 * are optional on the wire and {@code null} here when absent: the signing policy distinguishes
 * "absent" from "empty". A {@code null} {@code data} is likewise an absent field.
 */
public record PubsubMessage(
    ByteString from,
    ByteString data,
    ByteString seqno,
    String topic,
    ByteString signature,
    ByteString key) {
  public PubsubMessage {
    Objects.requireNonNull(topic, "topic");
  }

  /** The payload; empty when the field was absent (see {@link #hasData()}). */
  @Override
  public ByteString data() {
    return data == null ? ByteString.EMPTY : data;
  }

  /**
   * Whether the data field is present. Kept apart from "empty" because signatures cover the
   * re-encoded message: an absent field must stay absent.
   */
  public boolean hasData() {
    return data != null;
  }

  /** An unsigned message with only topic and data, as StrictNoSign publishes. */
  public static PubsubMessage anonymous(String topic, ByteString data) {
    return new PubsubMessage(null, data, null, topic, null, null);
  }

  public boolean hasFrom() {
    return from != null;
  }

  public boolean hasSeqno() {
    return seqno != null;
  }

  public boolean hasSignature() {
    return signature != null;
  }

  public boolean hasKey() {
    return key != null;
  }

  /** This message without signature and key: the part that is signed. */
  public PubsubMessage unsigned() {
    return new PubsubMessage(from, data, seqno, topic, null, null);
  }

  public PubsubMessage withSignature(ByteString signature, ByteString key) {
    return new PubsubMessage(from, data, seqno, topic, signature, key);
  }

  @Override
  public String toString() {
    return "PubsubMessage[topic=" + topic + ", data=" + data().size() + " bytes]";
  }
}
