package io.topicmesh.node.daemon;

import io.topicmesh.node.daemon.Daemon.Readiness;
import io.topicmesh.node.daemon.discovery.DiscoverySource;
import io.topicmesh.node.daemon.discovery.Redialer;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.Direction;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import io.topicmesh.node.pubsub.router.RouterObserver;
import io.topicmesh.node.pubsub.router.RouterStatus;
import io.topicmesh.node.transport.Connection;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A node's lifecycle (starting, running, shutting down, closed), readiness ({@code /readyz}) and
 * liveness ({@code /livez}). It watches the router as an observer: heartbeats (liveness, and the
 * heartbeats readiness waits for) and pubsub peers coming and going.
 */
final class NodeHealth implements RouterObserver {
  private final Host host;
  private final List<DiscoverySource> sources;
  private final Supplier<Redialer> redialer;
  private volatile GossipRouter router;

  private final Map<PeerId, PubsubProtocol> protocols = new ConcurrentHashMap<>();
  private volatile long lastHeartbeatNanos = System.nanoTime();
  private final AtomicLong heartbeats = new AtomicLong();
  /** Heartbeats counted when the first pubsub peer arrived; -1 before. */
  private volatile long firstPeerBeat = -1;
  private volatile boolean started;
  private volatile boolean draining;
  private volatile boolean closed;

  /** Guarded by {@code this}: whether a check has found the node ready, and since which heartbeat it has failed. */
  private boolean wasReady;
  private long failingSince = -1;

  /**
   * @param sources the node's discovery sources (the live list: sources added at start are seen)
   * @param redialer the re-dialer once discovery has started, else null
   */
  NodeHealth(Host host, List<DiscoverySource> sources, Supplier<Redialer> redialer) {
    this.host = host;
    this.sources = sources;
    this.redialer = redialer;
  }

  /** The router this observes; set once it is built (it is built with this as an observer). */
  void bind(GossipRouter router) {
    this.router = router;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  void started() {
    started = true;
  }

  /** Shutdown has begun: not ready any more, no new connection or message is taken on. */
  void draining() {
    draining = true;
  }

  void closed() {
    closed = true;
  }

  boolean isDraining() {
    return draining;
  }

  boolean isClosed() {
    return closed;
  }

  // ---- router observer ------------------------------------------------------------------------

  @Override
  public void heartbeat(long durationNanos, Map<String, Integer> meshSizes, Map<String, Integer> fanoutSizes,
      Map<PeerId, Double> scores, Map<PubsubProtocol, Integer> peersByProtocol, Map<PeerId, Integer> queueDepths) {
    lastHeartbeatNanos = System.nanoTime();
    heartbeats.incrementAndGet();
  }

  @Override
  public void peerAdded(PeerId peer, PubsubProtocol protocol, Direction direction) {
    protocols.put(peer, protocol);
    if (firstPeerBeat < 0) {
      firstPeerBeat = heartbeats.get();
    }
  }

  @Override
  public void peerRemoved(PeerId peer, PubsubProtocol protocol) {
    protocols.remove(peer, protocol);
  }

  /** The pubsub protocol a peer speaks with us, or null. */
  PubsubProtocol protocol(PeerId peer) {
    return protocols.get(peer);
  }

  /** System.nanoTime() at the last heartbeat (at construction before the first). */
  long lastHeartbeatNanos() {
    return lastHeartbeatNanos;
  }

  /** Whether identify said the peer speaks a pubsub protocol. */
  static boolean speaksPubsub(Host host, PeerId p) {
    return host.peerStore().get(p).map(i -> i.protocols().stream().anyMatch(PubsubProtocol.ANNOUNCED::contains))
        .orElse(false);
  }

  // ---- readiness ------------------------------------------------------------------------------

  /** @param snapshot the router's status if the caller has one, or null to take one when needed */
  Readiness readiness(RouterStatus snapshot) {
    if (!started) {
      return new Readiness(false, "starting");
    }
    if (draining || closed) {
      return new Readiness(false, "shutting down");
    }
    return settle(heartbeats.get(), currentReadiness(snapshot));
  }

  /**
   * Once a node has been ready, a failed check is reported only when it still fails two heartbeats
   * after it was first seen. A mesh peer whose duplicate connection is swapped at start-up, or that
   * is pruned and replaced within a heartbeat, leaves the mesh for less than that, and /readyz would
   * otherwise flicker. The router repairs a mesh below Dlo at every heartbeat, so a failure that
   * outlives two of them is real. A failure is reported at once when the node was never ready.
   */
  synchronized Readiness settle(long heartbeat, Readiness now) {
    if (now.ready()) {
      wasReady = true;
      failingSince = -1;
      return now;
    }
    if (failingSince < 0) {
      failingSince = heartbeat;
    }
    if (wasReady && heartbeat - failingSince < 2) {
      return new Readiness(true, "ready; recovering (" + now.reason() + ")");
    }
    return now;
  }

  /** The readiness checks as they stand this instant, without {@link #settle}. */
  private Readiness currentReadiness(RouterStatus snapshot) {
    Redialer r = redialer.get();
    int connected = host.connections().size();
    boolean known = connected > 0 || (r != null && r.known() > 0);
    if (!known) {
      for (DiscoverySource src : sources) {
        DiscoverySource.Status st = src.status();
        if (!st.synced()) {
          return new Readiness(false, "no peers known: discovery " + st.source() + " " + st.state()
              + (st.detail().isEmpty() ? "" : ": " + st.detail()));
        }
      }
      return new Readiness(true, "listening; no peers known");
    }
    if (connected == 0) {
      return new Readiness(false, "no peer connected");
    }
    // the mesh is only maintained once a heartbeat has run with a pubsub peer (and its subscriptions)
    long first = firstPeerBeat;
    if (protocols.isEmpty() || first < 0 || heartbeats.get() <= first + 1) {
      return new Readiness(false, "waiting for pubsub peers and a heartbeat");
    }
    RouterStatus rs = snapshot != null ? snapshot : router.status(List.of());
    Set<PeerId> routed = rs.peers();
    long unrouted = host.connections().stream().map(Connection::remotePeer)
        .filter(p -> !routed.contains(p) && speaksPubsub(host, p)).count();
    if (unrouted > 0) {
      return new Readiness(false, unrouted + " connected pubsub peers without a pubsub session");
    }
    int dlo = rs.params().dlo();
    Set<PeerId> direct = rs.directPeers();
    for (Map.Entry<String, RouterStatus.Topic> e : rs.topics().entrySet()) {
      String t = e.getKey();
      Set<PeerId> inTopic = e.getValue().peers();
      int available = inTopic.size();
      // direct peers get every message without being in the mesh: they count as meshed
      Set<PeerId> reached = new HashSet<>(e.getValue().mesh());
      for (PeerId p : inTopic) {
        if (direct.contains(p)) {
          reached.add(p);
        }
      }
      int mesh = reached.size();
      int need = Math.min(dlo, available);
      if (mesh < need) {
        return new Readiness(false, "topic " + t + ": mesh " + mesh + " < " + need);
      }
    }
    return new Readiness(true, "connected to " + connected + " peers, meshes full");
  }

  // ---- liveness -------------------------------------------------------------------------------

  /**
   * False when the heartbeat has not run for three intervals plus 5 s.
   *
   * @param params the parameters the router runs, or null to ask it
   */
  boolean liveAt(long nowNanos, GossipParams params) {
    if (!started || closed) {
      return !closed;
    }
    GossipParams p = params != null ? params : router.params();
    long limit = p.heartbeatInterval().toNanos() * 3 + Duration.ofSeconds(5).toNanos();
    return nowNanos - lastHeartbeatNanos < limit;
  }
}
