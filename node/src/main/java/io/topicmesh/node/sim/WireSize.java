package io.topicmesh.node.sim;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The encoded size of an RPC as {@link io.topicmesh.node.pubsub.wire.RpcCodec#encodeFrame} would
 * write it (protobuf payload plus the varint length prefix), computed from the records without
 * building protobuf objects: the simulator sizes every RPC it carries, and building the protobuf
 * per RPC would cost more than the router's work. {@code WireSizeTest} checks it against the codec.
 */
final class WireSize {
  private WireSize() {}

  /** Bytes of the frame, and of those the bytes of published messages (the rest is control). */
  static long frame(Rpc rpc) {
    long data = 0;
    long other = 0;
    for (SubOpts s : rpc.subscriptions()) {
      other += field(2 + field(str(s.topic())));
    }
    for (PubsubMessage m : rpc.publish()) {
      data += field(message(m));
    }
    ControlMessage c = rpc.control();
    if (!c.isEmpty()) {
      other += field(control(c));
    }
    long payload = data + other;
    long total = payload + varint(payload);
    return total << 32 | data;
  }

  static int total(long frame) {
    return (int) (frame >>> 32);
  }

  static int data(long frame) {
    return (int) frame;
  }

  private static long message(PubsubMessage m) {
    long n = 0;
    n += bytes(m.from());
    if (m.hasData()) {
      n += field(m.data().size());
    }
    n += bytes(m.seqno());
    n += field(str(m.topic()));
    n += bytes(m.signature());
    n += bytes(m.key());
    return n;
  }

  private static long control(ControlMessage c) {
    long n = 0;
    for (ControlIHave h : c.ihave()) {
      n += field(field(str(h.topic())) + ids(h.messageIds()));
    }
    for (ControlIWant w : c.iwant()) {
      n += field(ids(w.messageIds()));
    }
    for (var g : c.graft()) {
      n += field(field(str(g.topic())));
    }
    for (ControlPrune p : c.prune()) {
      long pn = field(str(p.topic()));
      for (PeerInfo pi : p.peers()) {
        pn += field(bytes(pi.peerId()) + bytes(pi.signedPeerRecord()));
      }
      if (p.backoffSeconds() != null) {
        pn += 1 + varint(p.backoffSeconds());
      }
      n += field(pn);
    }
    for (ControlIDontWant d : c.idontwant()) {
      n += field(ids(d.messageIds()));
    }
    return n;
  }

  private static long ids(List<MessageId> ids) {
    long n = 0;
    for (MessageId id : ids) {
      n += field(id.size());
    }
    return n;
  }

  private static long bytes(ByteString b) {
    return b == null ? 0 : field(b.size());
  }

  /** A length-delimited field with a one-byte tag (all tags here are below 16). */
  private static long field(long len) {
    return 1 + varint(len) + len;
  }

  private static int str(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return s.length();
  }

  static int varint(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }
}
