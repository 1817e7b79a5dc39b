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
    // Indexed loops throughout: a for-each allocated an iterator per list and RPC.
    List<SubOpts> subs = rpc.subscriptions();
    for (int i = 0, k = subs.size(); i < k; i++) {
      other += field(2 + field(str(subs.get(i).topic())));
    }
    List<PubsubMessage> pub = rpc.publish();
    for (int i = 0, k = pub.size(); i < k; i++) {
      data += field(message(pub.get(i)));
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
    List<ControlIHave> ihave = c.ihave();
    for (int i = 0, k = ihave.size(); i < k; i++) {
      ControlIHave h = ihave.get(i);
      n += field(field(str(h.topic())) + ids(h.messageIds()));
    }
    List<ControlIWant> iwant = c.iwant();
    for (int i = 0, k = iwant.size(); i < k; i++) {
      n += field(ids(iwant.get(i).messageIds()));
    }
    for (int i = 0, k = c.graft().size(); i < k; i++) {
      n += field(field(str(c.graft().get(i).topic())));
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
    List<ControlIDontWant> idontwant = c.idontwant();
    for (int i = 0, k = idontwant.size(); i < k; i++) {
      n += field(ids(idontwant.get(i).messageIds()));
    }
    return n;
  }

  private static long ids(List<MessageId> ids) {
    long n = 0;
    for (int i = 0, k = ids.size(); i < k; i++) {
      n += field(ids.get(i).size());
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
