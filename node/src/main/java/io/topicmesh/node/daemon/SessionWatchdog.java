package io.topicmesh.node.daemon;

import io.topicmesh.node.host.Host;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.transport.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pubsub-session watchdog, moved out of {@link Daemon} as it was: a connected peer that speaks
 * pubsub but has had no pubsub session with the router for {@link #PUBSUB_SESSION_GRACE} is
 * disconnected, so discovery dials it again. It covers a race in PubsubNetwork's per-peer session;
 * once that session is an explicit state machine (issue 14), this class and the one line in {@link
 * Daemon} that schedules it go.
 */
final class SessionWatchdog {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /**
   * A connected peer that speaks pubsub but has had no pubsub session with the router for this long
   * is disconnected, so discovery dials it again (a duplicate-connection race can leave the
   * session on the connection that lost; see the report in docs/daemon.md).
   */
  static final Duration PUBSUB_SESSION_GRACE = Duration.ofSeconds(5);

  private final Host host;
  private final GossipRouter router;
  private final NodeHealth health;

  SessionWatchdog(Host host, GossipRouter router, NodeHealth health) {
    this.host = host;
    this.router = router;
    this.health = health;
  }

  private final Map<PeerId, Long> missingSessionSince = new java.util.HashMap<>();

  /** Whether identify said the peer speaks a pubsub protocol. */
  private boolean speaksPubsub(PeerId p) {
    return NodeHealth.speaksPubsub(host, p);
  }

  /** Runs on the discovery thread only. */
  void checkPubsubSessions() {
    if (health.isDraining() || health.isClosed()) {
      return;
    }
    try {
      Set<PeerId> routed = router.peers();
      long now = System.nanoTime();
      Set<PeerId> connected = new java.util.HashSet<>();
      for (Connection c : host.connections()) {
        PeerId p = c.remotePeer();
        connected.add(p);
        if (routed.contains(p) || !speaksPubsub(p)) {
          missingSessionSince.remove(p);
          continue;
        }
        long since = missingSessionSince.computeIfAbsent(p, k -> now);
        if (now - since > PUBSUB_SESSION_GRACE.toNanos()) {
          log.warn("no pubsub session with connected peer={} for {} s; closing the connection to re-dial", p,
              PUBSUB_SESSION_GRACE.toSeconds());
          missingSessionSince.remove(p);
          c.close();
        }
      }
      missingSessionSince.keySet().retainAll(connected);
    } catch (RuntimeException e) {
      log.warn("pubsub session check failed: {}", e.toString());
    }
  }
}
