package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.pubsub.wire.ControlExtensions;
import io.topicmesh.node.pubsub.wire.ControlGraft;
import io.topicmesh.node.pubsub.wire.ControlIDontWant;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.RpcCodec;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One peer's outbound queue: a priority lane for subscriptions and control entries (sent first,
 * merged into one RPC) and a bounded data lane for messages. A full data lane drops the new
 * message (counted by the router); control entries are bounded too, and overflowing them means the
 * peer cannot keep up with protocol state, so the router disconnects it. Not thread-safe: used
 * under the router mutex.
 */
final class OutboundQueue {
  private final List<SubOpts> subs = new ArrayList<>();
  private final List<ControlIHave> ihave = new ArrayList<>();
  private final List<ControlIWant> iwant = new ArrayList<>();
  private final List<ControlGraft> graft = new ArrayList<>();
  private final List<ControlPrune> prune = new ArrayList<>();
  private final List<ControlIDontWant> idontwant = new ArrayList<>();
  private final ArrayDeque<PubsubMessage> data = new ArrayDeque<>();
  /** v1.3: the Extensions message for the first RPC of the stream, until drained. */
  private ControlExtensions extensions;
  /** v1.3: extension RPCs (TestExtension, partial messages), sent after the control RPC. */
  private final List<Rpc> extensionRpcs = new ArrayList<>();
  private int controlEntries;

  /** Control lane bound: entries across all kinds. */
  static final int MAX_CONTROL_ENTRIES = 4096;

  boolean addSub(SubOpts s) {
    subs.add(s);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  boolean addIHave(ControlIHave h) {
    ihave.add(h);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  boolean addIWant(ControlIWant w) {
    iwant.add(w);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  boolean addGraft(ControlGraft g) {
    graft.add(g);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  boolean addPrune(ControlPrune p) {
    prune.add(p);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  boolean addIDontWant(ControlIDontWant d) {
    idontwant.add(d);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  /** v1.3: puts {@code e} in the next drained RPC, the stream's first when called on a fresh queue. */
  void setExtensions(ControlExtensions e) {
    extensions = e;
  }

  /** v1.3: queues a whole extension RPC; counted on the control lane. */
  boolean addExtensionRpc(Rpc rpc) {
    extensionRpcs.add(rpc);
    return ++controlEntries <= MAX_CONTROL_ENTRIES;
  }

  /** Queues a message; false (and nothing queued) when the data lane holds {@code bound} already. */
  boolean addMessage(PubsubMessage m, int bound) {
    if (data.size() >= bound) {
      return false;
    }
    data.add(m);
    return true;
  }

  boolean hasGraftOrPrune(String topic) {
    return graft.stream().anyMatch(g -> g.topic().equals(topic))
        || prune.stream().anyMatch(p -> p.topic().equals(topic));
  }

  boolean isEmpty() {
    return controlEntries == 0 && data.isEmpty() && extensions == null;
  }

  int depth() {
    return controlEntries + data.size();
  }

  int dataDepth() {
    return data.size();
  }

  /**
   * Drains everything into RPCs: control first (one RPC with all control and subscriptions, plus
   * as many messages as fit), then messages packed up to {@code maxRpcSize} bytes each.
   */
  List<Rpc> drain(int maxRpcSize) {
    List<Rpc> out = new ArrayList<>();
    ControlMessage control = ControlMessage.EMPTY;
    if (controlEntries > subs.size() + extensionRpcs.size() || extensions != null) {
      control = new ControlMessage(ihave, iwant, graft, prune, idontwant, extensions);
    }
    List<SubOpts> s = List.copyOf(subs);
    int size = RpcCodec.encodedSize(new Rpc(s, List.of(), control));
    List<PubsubMessage> batch = new ArrayList<>();
    while (!data.isEmpty()) {
      int m = RpcCodec.encodedSize(data.peek()) + 6;
      if (!batch.isEmpty() && size + m > maxRpcSize) {
        out.add(new Rpc(s, batch, control));
        s = List.of();
        control = ControlMessage.EMPTY;
        batch = new ArrayList<>();
        size = 0;
      }
      batch.add(data.poll());
      size += m;
    }
    Rpc last = new Rpc(s, batch, control);
    if (!last.isEmpty()) {
      out.add(last);
    }
    out.addAll(extensionRpcs);
    extensionRpcs.clear();
    extensions = null;
    subs.clear();
    ihave.clear();
    iwant.clear();
    graft.clear();
    prune.clear();
    idontwant.clear();
    controlEntries = 0;
    return out;
  }
}
