package io.topicmesh.node.pubsub.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.topicmesh.node.pubsub.wire.RpcDecodeException.Reason;
import io.topicmesh.node.pubsub.wire.pb.RpcProtos;
import io.topicmesh.node.util.Varint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Pubsub RPC payloads ↔ {@link Rpc} records. Decoding first walks the protobuf tags and counts
 * subscriptions, messages, control entries, message ids and PX peers against {@link RpcLimits};
 * only a payload within every bound is parsed and turned into records, so a hostile frame costs a
 * scan, not an allocation per element. Frames on a stream are the payload prefixed by its length as
 * an unsigned varint (pubsub spec, "The RPC").
 */
public final class RpcCodec {
  private final RpcLimits limits;

  public RpcCodec(RpcLimits limits) {
    this.limits = limits;
  }

  public RpcLimits limits() {
    return limits;
  }

  /** Decodes one RPC payload (without its length prefix). */
  public Rpc decode(byte[] payload) {
    return decode(ByteBuffer.wrap(payload));
  }

  /** Decodes one RPC payload (without its length prefix); reads the buffer's remaining bytes. */
  public Rpc decode(ByteBuffer payload) {
    if (payload.remaining() > limits.maxRpcSize()) {
      throw new RpcDecodeException(
          Reason.FRAME_TOO_LARGE,
          "RPC of " + payload.remaining() + " bytes exceeds maxRpcSize " + limits.maxRpcSize());
    }
    checkCounts(payload.duplicate());
    RpcProtos.RPC proto;
    try {
      proto = RpcProtos.RPC.parseFrom(payload.duplicate());
    } catch (InvalidProtocolBufferException e) {
      throw new RpcDecodeException(Reason.MALFORMED, e.getMessage(), e);
    }
    return fromProto(proto);
  }

  /**
   * Decodes a whole length-prefixed frame held in {@code frame}.
   *
   * @throws RpcDecodeException MALFORMED for a missing, truncated or non-minimal length prefix,
   *     FRAME_TOO_LARGE for a length above {@link RpcLimits#maxRpcSize()}
   */
  public Rpc decodeFrame(byte[] frame) {
    long[] header;
    try {
      header = Varint.decode(frame, 0, Long.MAX_VALUE);
    } catch (Varint.VarintException e) {
      throw new RpcDecodeException(Reason.MALFORMED, "frame length prefix: " + e.getMessage());
    }
    if (header[0] > limits.maxRpcSize()) {
      throw new RpcDecodeException(
          Reason.FRAME_TOO_LARGE,
          "frame declares " + header[0] + " bytes, more than maxRpcSize " + limits.maxRpcSize());
    }
    int len = (int) header[0];
    int off = (int) header[1];
    if (frame.length - off != len) {
      throw new RpcDecodeException(
          Reason.MALFORMED, "frame declares " + len + " bytes but holds " + (frame.length - off));
    }
    return decode(ByteBuffer.wrap(frame, off, len));
  }

  /** Encodes an RPC payload (no length prefix). */
  public static byte[] encode(Rpc rpc) {
    return toProto(rpc).toByteArray();
  }

  /** Encodes an RPC as a length-prefixed frame. */
  public static byte[] encodeFrame(Rpc rpc) {
    byte[] payload = encode(rpc);
    byte[] prefix = Varint.encode(payload.length);
    byte[] out = new byte[prefix.length + payload.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(payload, 0, out, prefix.length, payload.length);
    return out;
  }

  /** The protobuf encoding of one message: what is signed (without signature and key). */
  public static byte[] encodeMessage(PubsubMessage m) {
    return toProto(m).toByteArray();
  }

  /**
   * The encoded size of an RPC payload: what {@link #encode} would return, computed from the
   * records field by field (no protobuf object is built; the router sizes every RPC it batches).
   * {@code RpcCodecSizeTest} checks it against the protobuf encoding.
   */
  public static int encodedSize(Rpc rpc) {
    int n = 0;
    // Indexed loops: the size of every batched RPC is computed, and for-each over the records'
    // lists allocated an iterator per list (JFR: the largest share of the simulator's allocation).
    List<SubOpts> subs = rpc.subscriptions();
    for (int i = 0, k = subs.size(); i < k; i++) {
      n += lengthDelimited(1, subOptsSize(subs.get(i)));
    }
    List<PubsubMessage> pub = rpc.publish();
    for (int i = 0, k = pub.size(); i < k; i++) {
      n += lengthDelimited(2, encodedSize(pub.get(i)));
    }
    ControlMessage c = rpc.control();
    if (!c.isEmpty()) {
      n += lengthDelimited(3, controlSize(c));
    }
    PartialMessageRpc pm = rpc.partial();
    if (pm != null) {
      int pn = CodedOutputStream.computeStringSize(1, pm.topic()) + CodedOutputStream.computeBytesSize(2, pm.groupId());
      if (pm.partialMessage() != null) {
        pn += CodedOutputStream.computeBytesSize(3, pm.partialMessage());
      }
      if (pm.partsMetadata() != null) {
        pn += CodedOutputStream.computeBytesSize(4, pm.partsMetadata());
      }
      n += lengthDelimited(10, pn);
    }
    if (rpc.testExtension()) {
      n += lengthDelimited(TEST_EXTENSION_FIELD, 0);
    }
    return n;
  }

  /**
   * The encoded size of one message's body (what {@link #encodeMessage} returns; as an RPC field it
   * takes a tag and a length prefix more). Computed field by field, as {@link #encodedSize(Rpc)}.
   */
  public static int encodedSize(PubsubMessage m) {
    int n = 0;
    if (m.from() != null) {
      n += CodedOutputStream.computeBytesSize(1, m.from());
    }
    if (m.hasData()) {
      n += CodedOutputStream.computeBytesSize(2, m.data());
    }
    if (m.seqno() != null) {
      n += CodedOutputStream.computeBytesSize(3, m.seqno());
    }
    n += CodedOutputStream.computeStringSize(4, m.topic());
    if (m.signature() != null) {
      n += CodedOutputStream.computeBytesSize(5, m.signature());
    }
    if (m.key() != null) {
      n += CodedOutputStream.computeBytesSize(6, m.key());
    }
    return n;
  }

  /**
   * The encoded size of a control part's body (RPC field 3 without its tag and length), as {@link
   * #toProto(Rpc)} would write it.
   */
  public static int controlSize(ControlMessage c) {
    int n = 0;
    List<ControlIHave> ihave = c.ihave();
    for (int i = 0, k = ihave.size(); i < k; i++) {
      ControlIHave h = ihave.get(i);
      n += lengthDelimited(1, CodedOutputStream.computeStringSize(1, h.topic()) + idsSize(1, h.messageIds()));
    }
    List<ControlIWant> iwant = c.iwant();
    for (int i = 0, k = iwant.size(); i < k; i++) {
      n += lengthDelimited(2, idsSize(1, iwant.get(i).messageIds()));
    }
    List<ControlGraft> graft = c.graft();
    for (int i = 0, k = graft.size(); i < k; i++) {
      n += lengthDelimited(3, CodedOutputStream.computeStringSize(1, graft.get(i).topic()));
    }
    List<ControlPrune> prune = c.prune();
    for (int i = 0, k = prune.size(); i < k; i++) {
      n += lengthDelimited(4, pruneSize(prune.get(i)));
    }
    List<ControlIDontWant> idontwant = c.idontwant();
    for (int i = 0, k = idontwant.size(); i < k; i++) {
      n += lengthDelimited(5, idsSize(1, idontwant.get(i).messageIds()));
    }
    ControlExtensions e = c.extensions();
    if (e != null) {
      int en = 0;
      if (e.partialMessages()) {
        en += CodedOutputStream.computeBoolSize(10, true);
      }
      if (e.testExtension()) {
        en += CodedOutputStream.computeBoolSize(TEST_EXTENSION_FIELD, true);
      }
      n += lengthDelimited(6, en);
    }
    return n;
  }

  /** The encoded size of one subscription's body (RPC field 1 without its tag and length). */
  public static int subOptsSize(SubOpts s) {
    int n = CodedOutputStream.computeBoolSize(1, s.subscribe()) + CodedOutputStream.computeStringSize(2, s.topic());
    if (s.requestsPartial()) {
      n += CodedOutputStream.computeBoolSize(3, true);
    }
    if (s.supportsSendingPartial()) {
      n += CodedOutputStream.computeBoolSize(4, true);
    }
    return n;
  }

  /** The bytes a length-delimited field of {@code bodySize} bytes takes, tag and length included. */
  public static int lengthDelimited(int field, int bodySize) {
    return CodedOutputStream.computeTagSize(field) + CodedOutputStream.computeUInt32SizeNoTag(bodySize) + bodySize;
  }

  /** The size of a repeated-bytes field of message ids. */
  public static int idsSize(int field, List<MessageId> ids) {
    int n = 0;
    int tag = CodedOutputStream.computeTagSize(field);
    for (int i = 0, k = ids.size(); i < k; i++) {
      int len = ids.get(i).size();
      n += tag + CodedOutputStream.computeUInt32SizeNoTag(len) + len;
    }
    return n;
  }

  private static int pruneSize(ControlPrune p) {
    int n = CodedOutputStream.computeStringSize(1, p.topic());
    for (PeerInfo pi : p.peers()) {
      int in = 0;
      if (pi.peerId() != null) {
        in += CodedOutputStream.computeBytesSize(1, pi.peerId());
      }
      if (pi.signedPeerRecord() != null) {
        in += CodedOutputStream.computeBytesSize(2, pi.signedPeerRecord());
      }
      n += lengthDelimited(2, in);
    }
    if (p.backoffSeconds() != null) {
      n += CodedOutputStream.computeUInt64Size(3, p.backoffSeconds());
    }
    return n;
  }

  /** RPC field and ControlExtensions field of the v1.3 test extension. */
  private static final int TEST_EXTENSION_FIELD = 6492434;

  // ---- counting pass ---------------------------------------------------------------------

  private static final class Counts {
    int subs;
    int msgs;
    int control;
    int ids;
    int prunePeers;
  }

  private void checkCounts(ByteBuffer payload) {
    Counts c = new Counts();
    try {
      CodedInputStream in = CodedInputStream.newInstance(payload);
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          break;
        }
        int field = WireFormat.getTagFieldNumber(tag);
        if (field == 1 && isLen(tag)) {
          skipLen(in);
          if (++c.subs > limits.maxSubscriptions()) {
            throw over(Reason.TOO_MANY_SUBSCRIPTIONS, "subscriptions", limits.maxSubscriptions());
          }
        } else if (field == 2 && isLen(tag)) {
          skipLen(in);
          if (++c.msgs > limits.maxMessages()) {
            throw over(Reason.TOO_MANY_MESSAGES, "messages", limits.maxMessages());
          }
        } else if (field == 3 && isLen(tag)) {
          int len = in.readRawVarint32();
          int old = in.pushLimit(len);
          countControl(in, c);
          in.popLimit(old);
        } else if (!in.skipField(tag)) {
          break;
        }
      }
    } catch (InvalidProtocolBufferException e) {
      throw new RpcDecodeException(Reason.MALFORMED, e.getMessage(), e);
    } catch (IOException e) {
      throw new RpcDecodeException(Reason.MALFORMED, e.toString(), e);
    }
  }

  private void countControl(CodedInputStream in, Counts c) throws IOException {
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      int field = WireFormat.getTagFieldNumber(tag);
      if (field >= 1 && field <= 6 && isLen(tag)) { // 6: v1.3 Extensions
        if (++c.control > limits.maxControlEntries()) {
          throw over(Reason.TOO_MANY_CONTROL_ENTRIES, "control entries", limits.maxControlEntries());
        }
        int len = in.readRawVarint32();
        int old = in.pushLimit(len);
        // ids: IHAVE field 2, IWANT/IDONTWANT field 1; PX peers: PRUNE field 2
        int idField = field == 1 ? 2 : (field == 2 || field == 5) ? 1 : -1;
        int peerField = field == 4 ? 2 : -1;
        while (!in.isAtEnd()) {
          int inner = in.readTag();
          int f = WireFormat.getTagFieldNumber(inner);
          if (f == idField && isLen(inner)) {
            if (++c.ids > limits.maxMessageIds()) {
              throw over(Reason.TOO_MANY_MESSAGE_IDS, "message ids", limits.maxMessageIds());
            }
          } else if (f == peerField && isLen(inner)) {
            if (++c.prunePeers > limits.maxPrunePeers()) {
              throw over(Reason.TOO_MANY_PRUNE_PEERS, "PRUNE peers", limits.maxPrunePeers());
            }
          }
          in.skipField(inner);
        }
        in.popLimit(old);
      } else {
        in.skipField(tag);
      }
    }
  }

  private static boolean isLen(int tag) {
    return WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  private static void skipLen(CodedInputStream in) throws IOException {
    int len = in.readRawVarint32();
    in.skipRawBytes(len);
  }

  private static RpcDecodeException over(Reason reason, String what, int limit) {
    return new RpcDecodeException(reason, "more than " + limit + " " + what + " in one RPC");
  }

  // ---- proto ↔ records -------------------------------------------------------------------

  static Rpc fromProto(RpcProtos.RPC p) {
    List<SubOpts> subs = new ArrayList<>(p.getSubscriptionsCount());
    for (RpcProtos.RPC.SubOpts s : p.getSubscriptionsList()) {
      // partial-message options mean nothing on an unsubscribe (partial-messages spec)
      boolean sub = s.getSubscribe();
      subs.add(new SubOpts(sub, s.getTopicid(), sub && s.getRequestsPartial(),
          sub && (s.getSupportsSendingPartial() || s.getRequestsPartial())));
    }
    List<PubsubMessage> msgs = new ArrayList<>(p.getPublishCount());
    for (RpcProtos.Message m : p.getPublishList()) {
      msgs.add(
          new PubsubMessage(
              m.hasFrom() ? m.getFrom() : null,
              m.hasData() ? m.getData() : null,
              m.hasSeqno() ? m.getSeqno() : null,
              m.getTopic(),
              m.hasSignature() ? m.getSignature() : null,
              m.hasKey() ? m.getKey() : null));
    }
    ControlMessage control = ControlMessage.EMPTY;
    if (p.hasControl()) {
      RpcProtos.ControlMessage c = p.getControl();
      List<ControlIHave> ihave = new ArrayList<>();
      for (RpcProtos.ControlIHave h : c.getIhaveList()) {
        ihave.add(new ControlIHave(h.getTopicID(), ids(h.getMessageIDsList())));
      }
      List<ControlIWant> iwant = new ArrayList<>();
      for (RpcProtos.ControlIWant w : c.getIwantList()) {
        iwant.add(new ControlIWant(ids(w.getMessageIDsList())));
      }
      List<ControlGraft> graft = new ArrayList<>();
      for (RpcProtos.ControlGraft g : c.getGraftList()) {
        graft.add(new ControlGraft(g.getTopicID()));
      }
      List<ControlPrune> prune = new ArrayList<>();
      for (RpcProtos.ControlPrune pr : c.getPruneList()) {
        List<PeerInfo> peers = new ArrayList<>();
        for (RpcProtos.PeerInfo pi : pr.getPeersList()) {
          peers.add(
              new PeerInfo(
                  pi.getPeerID(), pi.hasSignedPeerRecord() ? pi.getSignedPeerRecord() : null));
        }
        prune.add(new ControlPrune(pr.getTopicID(), peers, pr.hasBackoff() ? pr.getBackoff() : null));
      }
      List<ControlIDontWant> idontwant = new ArrayList<>();
      for (RpcProtos.ControlIDontWant d : c.getIdontwantList()) {
        idontwant.add(new ControlIDontWant(ids(d.getMessageIDsList())));
      }
      ControlExtensions ext = null;
      if (c.hasExtensions()) {
        // unknown extensions are unknown fields here: dropped, as the v1.3 spec requires
        RpcProtos.ControlExtensions e = c.getExtensions();
        ext = new ControlExtensions(e.getPartialMessages(), e.getTestExtension());
      }
      control = new ControlMessage(ihave, iwant, graft, prune, idontwant, ext);
    }
    PartialMessageRpc partial = null;
    if (p.hasPartial()) {
      RpcProtos.PartialMessagesExtension pm = p.getPartial();
      partial = new PartialMessageRpc(pm.getTopicID(), pm.getGroupID(),
          pm.hasPartialMessage() ? pm.getPartialMessage() : null,
          pm.hasPartsMetadata() ? pm.getPartsMetadata() : null);
    }
    return new Rpc(subs, msgs, control, partial, p.hasTestExtension());
  }

  private static List<MessageId> ids(List<ByteString> raw) {
    List<MessageId> out = new ArrayList<>(raw.size());
    for (ByteString b : raw) {
      out.add(new MessageId(b));
    }
    return out;
  }

  static RpcProtos.RPC toProto(Rpc rpc) {
    RpcProtos.RPC.Builder b = RpcProtos.RPC.newBuilder();
    for (SubOpts s : rpc.subscriptions()) {
      RpcProtos.RPC.SubOpts.Builder sb =
          RpcProtos.RPC.SubOpts.newBuilder().setSubscribe(s.subscribe()).setTopicid(s.topic());
      // set only when true: an RPC without partial messages encodes as before v1.3
      if (s.requestsPartial()) {
        sb.setRequestsPartial(true);
      }
      if (s.supportsSendingPartial()) {
        sb.setSupportsSendingPartial(true);
      }
      b.addSubscriptions(sb);
    }
    for (PubsubMessage m : rpc.publish()) {
      b.addPublish(toProto(m));
    }
    ControlMessage c = rpc.control();
    if (!c.isEmpty()) {
      RpcProtos.ControlMessage.Builder cb = RpcProtos.ControlMessage.newBuilder();
      for (ControlIHave h : c.ihave()) {
        RpcProtos.ControlIHave.Builder hb = RpcProtos.ControlIHave.newBuilder().setTopicID(h.topic());
        h.messageIds().forEach(id -> hb.addMessageIDs(id.bytes()));
        cb.addIhave(hb);
      }
      for (ControlIWant w : c.iwant()) {
        RpcProtos.ControlIWant.Builder wb = RpcProtos.ControlIWant.newBuilder();
        w.messageIds().forEach(id -> wb.addMessageIDs(id.bytes()));
        cb.addIwant(wb);
      }
      for (ControlGraft g : c.graft()) {
        cb.addGraft(RpcProtos.ControlGraft.newBuilder().setTopicID(g.topic()));
      }
      for (ControlPrune p : c.prune()) {
        RpcProtos.ControlPrune.Builder pb = RpcProtos.ControlPrune.newBuilder().setTopicID(p.topic());
        for (PeerInfo pi : p.peers()) {
          RpcProtos.PeerInfo.Builder ib = RpcProtos.PeerInfo.newBuilder();
          if (pi.peerId() != null) {
            ib.setPeerID(pi.peerId());
          }
          if (pi.signedPeerRecord() != null) {
            ib.setSignedPeerRecord(pi.signedPeerRecord());
          }
          pb.addPeers(ib);
        }
        if (p.backoffSeconds() != null) {
          pb.setBackoff(p.backoffSeconds());
        }
        cb.addPrune(pb);
      }
      for (ControlIDontWant d : c.idontwant()) {
        RpcProtos.ControlIDontWant.Builder db = RpcProtos.ControlIDontWant.newBuilder();
        d.messageIds().forEach(id -> db.addMessageIDs(id.bytes()));
        cb.addIdontwant(db);
      }
      ControlExtensions e = c.extensions();
      if (e != null) {
        RpcProtos.ControlExtensions.Builder eb = RpcProtos.ControlExtensions.newBuilder();
        if (e.partialMessages()) {
          eb.setPartialMessages(true);
        }
        if (e.testExtension()) {
          eb.setTestExtension(true);
        }
        cb.setExtensions(eb);
      }
      b.setControl(cb);
    }
    PartialMessageRpc pm = rpc.partial();
    if (pm != null) {
      RpcProtos.PartialMessagesExtension.Builder pb =
          RpcProtos.PartialMessagesExtension.newBuilder().setTopicID(pm.topic()).setGroupID(pm.groupId());
      if (pm.partialMessage() != null) {
        pb.setPartialMessage(pm.partialMessage());
      }
      if (pm.partsMetadata() != null) {
        pb.setPartsMetadata(pm.partsMetadata());
      }
      b.setPartial(pb);
    }
    if (rpc.testExtension()) {
      b.setTestExtension(RpcProtos.TestExtension.getDefaultInstance());
    }
    return b.build();
  }

  static RpcProtos.Message toProto(PubsubMessage m) {
    RpcProtos.Message.Builder b = RpcProtos.Message.newBuilder();
    if (m.from() != null) {
      b.setFrom(m.from());
    }
    if (m.hasData()) {
      b.setData(m.data());
    }
    if (m.seqno() != null) {
      b.setSeqno(m.seqno());
    }
    b.setTopic(m.topic());
    if (m.signature() != null) {
      b.setSignature(m.signature());
    }
    if (m.key() != null) {
      b.setKey(m.key());
    }
    return b.build();
  }
}
