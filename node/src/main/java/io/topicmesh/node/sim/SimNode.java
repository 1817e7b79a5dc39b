package io.topicmesh.node.sim;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.router.GossipRouter;
import java.util.LinkedHashMap;
import java.util.Map;

/** One simulated host: a production router, its links, its access link and its traffic counters. */
final class SimNode {
  final int index;
  final PeerId id;
  final int region;
  final int bandwidthClass;
  /** Access link in bits per second; 0 is unlimited. */
  final double upBps;
  final double downBps;
  /** Outgoing links by remote peer, in connection order. */
  final Map<PeerId, Link> links = new LinkedHashMap<>();

  GossipRouter router;
  boolean online;
  /** Virtual time at which the uplink / downlink finishes what it already carries. */
  long upFree;
  long downFree;
  EventLoop.Event heartbeat;
  /** The attacker actor when this host is a Sybil (then {@code router} is null). */
  Sybil sybil;
  /** IP label for P6 (attack scenarios only; never used for a socket), or null. */
  java.net.InetAddress ip;

  long bytesSent;
  long bytesReceived;
  long controlSent;
  long controlReceived;

  SimNode(int index, PeerId id, int region, int bandwidthClass, double upBps, double downBps) {
    this.index = index;
    this.id = id;
    this.region = region;
    this.bandwidthClass = bandwidthClass;
    this.upBps = upBps;
    this.downBps = downBps;
  }
}
