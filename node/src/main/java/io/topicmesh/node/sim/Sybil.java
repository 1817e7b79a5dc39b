package io.topicmesh.node.sim;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.ControlGraft;
import io.topicmesh.node.pubsub.wire.ControlIHave;
import io.topicmesh.node.pubsub.wire.ControlIWant;
import io.topicmesh.node.pubsub.wire.ControlMessage;
import io.topicmesh.node.pubsub.wire.ControlPrune;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import io.topicmesh.node.pubsub.wire.Rpc;
import io.topicmesh.node.pubsub.wire.SubOpts;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An attacker host of the simulation: not a {@code GossipRouter} but a small actor that speaks the
 * same RPCs (as the v1.1 evaluation's "bad boy" did), so that no production code gets a misbehaviour
 * switch. On connecting it SUBSCRIBEs and GRAFTs; it keeps every honest peer that GRAFTs it or
 * accepts its GRAFT as a mesh peer; PRUNEd, it GRAFTs again after the scenario's regraft delay
 * (whatever backoff the PRUNE asked for). Before the attack starts it behaves: it forwards each new
 * message to its mesh peers and answers IWANT from the messages it has seen. Once attacking it
 * drops what it censors (every message, or the victim publisher's), never answers IWANT, and (with
 * {@code ihave}) advertises the ids it dropped to a few peers per heartbeat: promises it breaks.
 * State is bounded: seen messages are a bit set over the run's message indices, the IWANT cache and
 * the IHAVE list are capped.
 */
final class Sybil {
  private static final int CACHE = 512;
  private static final int MAX_IHAVE_IDS = 5000;

  final SimNode node;
  private final Simulation sim;
  private final Scenario.Attack attack;
  private final String topic;
  private final SplittableRandom rng;
  private final long attackAt;
  /** Honest peers that have this Sybil in their mesh (as far as it knows): its outgoing link to each. */
  private final Map<PeerId, Link> mesh = new LinkedHashMap<>();
  private final BitSet seen = new BitSet();
  private final LinkedHashMap<Integer, PubsubMessage> cache = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, PubsubMessage> e) {
      return size() > CACHE;
    }
  };
  private final List<MessageId> dropped = new ArrayList<>();
  long messagesDropped;
  long iwantsIgnored;
  long regrafts;

  Sybil(SimNode node, Simulation sim, Scenario.Attack attack, String topic, SplittableRandom rng, long attackAt) {
    this.node = node;
    this.sim = sim;
    this.attack = attack;
    this.topic = topic;
    this.rng = rng;
    this.attackAt = attackAt;
  }

  private boolean attacking() {
    return sim.now() >= attackAt;
  }

  /** A connection to an honest router is up: subscribe and GRAFT at once. */
  void connected(Link out) {
    mesh.put(out.to.id, out);
    sim.transmit(out, new Rpc(List.of(new SubOpts(true, topic)), List.of(),
        new ControlMessage(List.of(), List.of(), List.of(new ControlGraft(topic)), List.of(), List.of())));
  }

  /** An RPC from honest router {@code from}. */
  void onRpc(SimNode from, Rpc rpc) {
    Link out = node.links.get(from.id);
    if (out == null) {
      return;
    }
    ControlMessage c = rpc.control();
    for (ControlGraft g : c.graft()) {
      if (topic.equals(g.topic())) {
        mesh.put(from.id, out);
      }
    }
    for (ControlPrune p : c.prune()) {
      if (topic.equals(p.topic()) && mesh.remove(from.id) != null) {
        scheduleRegraft(out);
      }
    }
    if (!c.iwant().isEmpty()) {
      answerIWant(out, c.iwant());
    }
    for (PubsubMessage m : rpc.publish()) {
      received(from, m);
    }
  }

  private void answerIWant(Link out, List<ControlIWant> iwants) {
    if (attacking()) {
      iwantsIgnored += iwants.size();
      return;
    }
    List<PubsubMessage> reply = new ArrayList<>();
    for (ControlIWant w : iwants) {
      for (MessageId id : w.messageIds()) {
        int i = sim.indexOf(id);
        PubsubMessage m = i < 0 ? null : cache.get(i);
        if (m != null) {
          reply.add(m);
        }
      }
    }
    if (!reply.isEmpty()) {
      sim.transmit(out, Rpc.ofMessages(reply));
    }
  }

  private void received(SimNode from, PubsubMessage m) {
    int i = Simulation.messageIndex(m);
    if (i < 0 || !sim.isMessage(i) || seen.get(i)) {
      return;
    }
    seen.set(i);
    sim.relayed(i, node, from);
    if (attacking() && (attack.censor() == Scenario.Censor.ALL || sim.isVictimMessage(i))) {
      messagesDropped++;
      if (attack.ihave() && dropped.size() < MAX_IHAVE_IDS) {
        dropped.add(sim.idOf(i));
      }
      return;
    }
    cache.put(i, m);
    Rpc fwd = Rpc.ofMessages(List.of(m));
    for (Link l : mesh.values()) {
      if (l.to != from && l.up) {
        sim.transmit(l, fwd);
      }
    }
  }

  private void scheduleRegraft(Link out) {
    long delay = Math.round(attack.regraftBackoffSeconds() * 1e9)
        + (attack.regraftJitterSeconds() > 0 ? rng.nextLong(Math.round(attack.regraftJitterSeconds() * 1e9) + 1) : 0);
    sim.schedule(() -> {
      if (out.up && !mesh.containsKey(out.to.id)) {
        regrafts++;
        mesh.put(out.to.id, out);
        sim.transmit(out, Rpc.ofControl(
            new ControlMessage(List.of(), List.of(), List.of(new ControlGraft(topic)), List.of(), List.of())));
      }
    }, delay);
  }

  /** Once per heartbeat: while attacking, advertise what was dropped since the last one (never served). */
  void heartbeat() {
    if (!attacking() || dropped.isEmpty() || attack.ihavePeers() == 0) {
      dropped.clear();
      return;
    }
    List<Link> links = new ArrayList<>(node.links.values());
    Rpc ihave = Rpc.ofControl(new ControlMessage(
        List.of(new ControlIHave(topic, List.copyOf(dropped))), List.of(), List.of(), List.of(), List.of()));
    dropped.clear();
    int n = Math.min(attack.ihavePeers(), links.size());
    for (int k = 0; k < n; k++) {
      int j = k + rng.nextInt(links.size() - k);
      Link t = links.get(j);
      links.set(j, links.get(k));
      links.set(k, t);
      if (t.up) {
        sim.transmit(t, ihave);
      }
    }
  }

  int meshSize() {
    return mesh.size();
  }
}
