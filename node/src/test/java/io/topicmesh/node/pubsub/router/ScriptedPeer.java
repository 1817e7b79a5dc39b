package io.topicmesh.node.pubsub.router;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.ControlGraft;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PeerInfo;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.RpcLimits;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A remote peer scripted by a test. Everything it sends and receives goes through the protobuf
 * frame codec, as on a real stream.
 */
final class ScriptedPeer implements PeerSender {
  static final RpcCodec CODEC = new RpcCodec(RpcLimits.defaults());

  final PrivKey key;
  final PeerId id;
  final List<Rpc> received = new ArrayList<>();
  GossipRouter router;
  long seqno;
  boolean closed;
  String closeReason;

  ScriptedPeer(SecureRandom rnd) {
    key = PrivKey.generate(KeyType.ED25519, rnd);
    id = PeerId.fromPublicKey(key.publicKey());
  }

  @Override
  public void send(Rpc rpc) {
    if (router != null && router.mutex().isHeldByCurrentThread()) {
      throw new AssertionError("PeerSender.send called under the router mutex");
    }
    received.add(CODEC.decodeFrame(RpcCodec.encodeFrame(rpc)));
  }

  @Override
  public void close(String reason) {
    closed = true;
    closeReason = reason;
  }

  /** Sends an RPC to the router. */
  void rpc(Rpc rpc) {
    router.onRpc(id, CODEC.decodeFrame(RpcCodec.encodeFrame(rpc)));
  }

  void subscribe(String... topics) {
    List<SubOpts> s = new ArrayList<>();
    for (String t : topics) {
      s.add(new SubOpts(true, t));
    }
    rpc(new Rpc(s, List.of(), null));
  }

  void unsubscribe(String topic) {
    rpc(new Rpc(List.of(new SubOpts(false, topic)), List.of(), null));
  }

  void control(ControlMessage c) {
    rpc(Rpc.ofControl(c));
  }

  void graft(String topic) {
    control(new ControlMessage(List.of(), List.of(), List.of(new ControlGraft(topic)), List.of(), List.of()));
  }

  void prune(String topic, Long backoffSeconds, List<PeerInfo> px) {
    control(
        new ControlMessage(
            List.of(), List.of(), List.of(), List.of(new ControlPrune(topic, px, backoffSeconds)), List.of()));
  }

  void ihave(String topic, List<MessageId> ids) {
    control(new ControlMessage(List.of(new ControlIHave(topic, ids)), List.of(), List.of(), List.of(), List.of()));
  }

  void iwant(List<MessageId> ids) {
    control(new ControlMessage(List.of(), List.of(new ControlIWant(ids)), List.of(), List.of(), List.of()));
  }

  void idontwant(List<MessageId> ids) {
    control(new ControlMessage(List.of(), List.of(), List.of(), List.of(), List.of(new ControlIDontWant(ids))));
  }

  /** A message signed by this peer (StrictSign). */
  PubsubMessage signed(String topic, byte[] data) {
    ByteString seq = ByteString.copyFrom(ByteBuffer.allocate(8).putLong(++seqno).array());
    PubsubMessage m = new PubsubMessage(ByteString.copyFrom(id.bytes()), ByteString.copyFrom(data), seq, topic, null, null);
    return MessageSigning.sign(m, key, id);
  }

  void publish(PubsubMessage m) {
    rpc(Rpc.ofMessages(List.of(m)));
  }

  Stream<ControlMessage> controls() {
    return received.stream().map(Rpc::control);
  }

  List<String> grafts() {
    return controls().flatMap(c -> c.graft().stream()).map(ControlGraft::topic).toList();
  }

  List<ControlPrune> prunes() {
    return controls().flatMap(c -> c.prune().stream()).toList();
  }

  List<ControlIHave> ihaves() {
    return controls().flatMap(c -> c.ihave().stream()).toList();
  }

  List<MessageId> iwants() {
    return controls().flatMap(c -> c.iwant().stream()).flatMap(w -> w.messageIds().stream()).toList();
  }

  List<MessageId> idontwants() {
    return controls().flatMap(c -> c.idontwant().stream()).flatMap(w -> w.messageIds().stream()).toList();
  }

  List<PubsubMessage> messages() {
    return received.stream().flatMap(r -> r.publish().stream()).toList();
  }

  List<SubOpts> subscriptions() {
    return received.stream().flatMap(r -> r.subscriptions().stream()).toList();
  }

  void clear() {
    received.clear();
  }

  @Override
  public String toString() {
    return "ScriptedPeer" + id;
  }
}
