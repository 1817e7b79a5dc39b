package io.topicmesh.node.sim;

import io.topicmesh.node.pubsub.router.PeerSender;
import io.topicmesh.node.pubsub.wire.Rpc;

/**
 * One direction of a connection: what {@code from}'s router sends to {@code to}. It behaves as a
 * stream: RPCs arrive in the order they were sent, whatever the jitter. A link that went down
 * (disconnect, churn) carries nothing more, and what was in flight on it is dropped on arrival.
 */
final class Link implements PeerSender {
  final Simulation sim;
  final SimNode from;
  final SimNode to;
  final long latencyNanos;
  /** Arrival time of the last RPC sent on this link (stream order). */
  long lastArrival;
  boolean up = true;

  Link(Simulation sim, SimNode from, SimNode to, long latencyNanos) {
    this.sim = sim;
    this.from = from;
    this.to = to;
    this.latencyNanos = latencyNanos;
  }

  @Override
  public void send(Rpc rpc) {
    if (up) {
      sim.transmit(this, rpc);
    }
  }
}
