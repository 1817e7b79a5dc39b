package io.topicmesh.node.daemon;

import io.micrometer.core.instrument.MeterRegistry;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.RouterStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What {@code GET /v1/status} returns, typed. {@link #toJson()} gives the JSON object, member for
 * member in the order the API has always written them (docs/daemon.md; the operator, the CLI, the
 * mesh view and the e2e suite read it). {@code params} and {@code probes} are carried as the maps
 * their owners write ({@code ParamsCodec}, {@code ProbeService}).
 */
public record NodeStatus(
    String peerId,
    List<String> addrs,
    String version,
    long uptimeSeconds,
    long uptimeMs,
    boolean ready,
    String readyReason,
    boolean live,
    List<Peer> peers,
    List<Topic> topics,
    Map<String, Object> params,
    Heartbeat heartbeat,
    Lock lock,
    Traffic traffic,
    Map<String, Object> probes,
    Discovery discovery) {

  /** Most entries in a topic's {@code edges}; the rest are only counted. */
  static final int MAX_EDGES = 256;
  /** Most {@code edges} entries over all topics (about 1 MB of JSON), well below what clients read (4 MB). */
  static final int MAX_EDGES_TOTAL = 4096;

  /** A connected peer. @param score null when not finite */
  public record Peer(String peerId, String protocol, Double score, String direction, String addr, String muxer) {
    Map<String, Object> toJson() {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("peerId", peerId);
      p.put("protocol", protocol);
      p.put("score", score);
      p.put("direction", direction);
      p.put("addr", addr);
      p.put("muxer", muxer);
      return p;
    }
  }

  /** A subscribed topic (the probe topic is reported under {@code probes}). */
  public record Topic(String topic, List<String> mesh, List<String> fanout, int peers, long messages, long duplicates,
      List<Edge> edges, int edgesOmitted) {
    Map<String, Object> toJson() {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("topic", topic);
      o.put("mesh", mesh);
      o.put("fanout", fanout);
      o.put("peers", peers);
      o.put("messages", messages);
      o.put("duplicates", duplicates);
      o.put("edges", edges.stream().map(Edge::toJson).toList());
      o.put("edgesOmitted", edgesOmitted);
      return o;
    }
  }

  /** One peer of a topic and the message counters of that edge (what the mesh view draws). */
  public record Edge(String peer, boolean mesh, boolean fanout, long messagesIn, long messagesOut, long bytesIn,
      long bytesOut, long duplicatesIn) {
    Map<String, Object> toJson() {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("peer", peer);
      e.put("mesh", mesh);
      e.put("fanout", fanout);
      e.put("messagesIn", messagesIn);
      e.put("messagesOut", messagesOut);
      e.put("bytesIn", bytesIn);
      e.put("bytesOut", bytesOut);
      e.put("duplicatesIn", duplicatesIn);
      return e;
    }
  }

  public record Heartbeat(long ticks, long sinceLastMs) {
    Map<String, Object> toJson() {
      Map<String, Object> hb = new LinkedHashMap<>();
      hb.put("ticks", ticks);
      hb.put("sinceLastMs", sinceLastMs);
      return hb;
    }
  }

  /**
   * The router mutex: inbox, current holder, and totals from its meters.
   *
   * @param holdMaxMs the longest hold in wall time (which counts time the holder was descheduled)
   * @param holdCpuMaxMs the longest hold in the holder's CPU time; null unless the router measures it
   */
  public record Lock(int inboxDepth, String holder, long holds, double holdTotalMs, double holdMaxMs,
      Double holdCpuMaxMs, long contended, long longHolds) {
    Map<String, Object> toJson() {
      Map<String, Object> lock = new LinkedHashMap<>();
      lock.put("inboxDepth", inboxDepth);
      lock.put("holder", holder);
      lock.put("holds", holds);
      lock.put("holdTotalMs", holdTotalMs);
      lock.put("holdMaxMs", holdMaxMs);
      lock.put("holdCpuMaxMs", holdCpuMaxMs);
      lock.put("contended", contended);
      lock.put("longHolds", longHolds);
      return lock;
    }

    static Lock of(GossipRouter router, MeterRegistry registry) {
      int inboxDepth = router.inboxDepth();
      String holder = router.mutex().holder();
      long holds = 0;
      double maxMs = 0;
      double totalMs = 0;
      for (var t : registry.find("topicmesh_pubsub_lock_hold_seconds").timers()) {
        holds += t.count();
        totalMs += t.totalTime(TimeUnit.MILLISECONDS);
        maxMs = Math.max(maxMs, t.max(TimeUnit.MILLISECONDS));
      }
      var cpu = registry.find("topicmesh_pubsub_lock_hold_cpu_seconds").timer();
      Double cpuMaxMs = cpu == null ? null : cpu.max(TimeUnit.MILLISECONDS);
      double contended = 0;
      for (var c : registry.find("topicmesh_pubsub_lock_contended_total").counters()) {
        contended += c.count();
      }
      double longHolds = 0;
      for (var c : registry.find("topicmesh_pubsub_lock_long_holds_total").counters()) {
        longHolds += c.count();
      }
      return new Lock(inboxDepth, holder, holds, totalMs, maxMs, cpuMaxMs, (long) contended, (long) longHolds);
    }
  }

  /** @param latencyP50Ms null when there is no sample (also for p99) */
  public record Traffic(long published, long delivered, long duplicates, double duplicatesPerMessage,
      Double latencyP50Ms, Double latencyP99Ms, long deliveryDropped) {
    Map<String, Object> toJson() {
      Map<String, Object> tr = new LinkedHashMap<>();
      tr.put("published", published);
      tr.put("delivered", delivered);
      tr.put("duplicates", duplicates);
      tr.put("duplicatesPerMessage", duplicatesPerMessage);
      tr.put("latencyP50Ms", latencyP50Ms);
      tr.put("latencyP99Ms", latencyP99Ms);
      tr.put("deliveryDropped", deliveryDropped);
      return tr;
    }
  }

  /** @param sources the discovery entries as configured */
  public record Discovery(List<String> sources, int known, List<SourceState> states) {
    Map<String, Object> toJson() {
      Map<String, Object> disc = new LinkedHashMap<>();
      disc.put("sources", sources);
      disc.put("known", known);
      disc.put("states", states.stream().map(SourceState::toJson).toList());
      return disc;
    }
  }

  public record SourceState(String source, String state, boolean synced, String detail) {
    Map<String, Object> toJson() {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("source", source);
      o.put("state", state);
      o.put("synced", synced);
      o.put("detail", detail);
      return o;
    }
  }

  /** The JSON object of {@code GET /v1/status}. */
  public Map<String, Object> toJson() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("peerId", peerId);
    s.put("addrs", addrs);
    s.put("version", version);
    s.put("uptimeSeconds", uptimeSeconds);
    // the clock the mesh view divides counter differences by (a browser's timers may be throttled)
    s.put("uptimeMs", uptimeMs);
    s.put("ready", ready);
    s.put("readyReason", readyReason);
    s.put("live", live);
    s.put("peers", peers.stream().map(Peer::toJson).toList());
    s.put("topics", topics.stream().map(Topic::toJson).toList());
    s.put("params", params);
    s.put("heartbeat", heartbeat.toJson());
    s.put("lock", lock.toJson());
    s.put("traffic", traffic.toJson());
    s.put("probes", probes);
    s.put("discovery", discovery.toJson());
    return s;
  }

  /**
   * A topic's edges, from the router snapshot: one per peer this node meshes with, sends fanout to,
   * or knows to be in the topic. Mesh peers come first, then fanout, then the others; beyond {@link
   * #MAX_EDGES} entries, or once {@code budget[0]} entries are spent over all topics, only {@code
   * edgesOmitted} counts them.
   */
  static Topic topic(String topic, RouterStatus.Topic snapshot, long messages, long duplicates, EdgeTraffic traffic,
      int[] budget) {
    Set<PeerId> mesh = snapshot.mesh();
    Set<PeerId> fanout = snapshot.fanout();
    Set<PeerId> all = new LinkedHashSet<>();
    mesh.stream().sorted(Comparator.comparing(PeerId::toString)).forEach(all::add);
    fanout.stream().sorted(Comparator.comparing(PeerId::toString)).forEach(all::add);
    snapshot.peers().stream().sorted(Comparator.comparing(PeerId::toString)).forEach(all::add);
    List<Edge> edges = new ArrayList<>();
    for (PeerId p : all) {
      if (edges.size() == MAX_EDGES || budget[0] == 0) {
        break;
      }
      budget[0]--;
      EdgeTraffic.Counters c = traffic.get(p, topic);
      edges.add(new Edge(p.toString(), mesh.contains(p), fanout.contains(p), c == null ? 0L : c.messagesIn(),
          c == null ? 0L : c.messagesOut(), c == null ? 0L : c.bytesIn(), c == null ? 0L : c.bytesOut(),
          c == null ? 0L : c.duplicatesIn()));
    }
    return new Topic(topic, mesh.stream().map(PeerId::toString).sorted().toList(),
        fanout.stream().map(PeerId::toString).sorted().toList(), snapshot.peers().size(), messages, duplicates,
        List.copyOf(edges), all.size() - edges.size());
  }
}
