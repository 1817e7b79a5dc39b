package io.topicmesh.node.pubsub.router;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.pubsub.wire.Rpc;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's outbound path, in two stages. Under the router mutex, RPC parts accumulate in the
 * {@link OutboundQueue} lanes and {@link #collect} turns them into RPCs (at most maxRpcSize each)
 * on a hand-off queue while the peer is writable. After the mutex is released, {@link #flush}
 * writes the hand-off queue to the {@link PeerSender}: in order, and by one thread at a time (a
 * flag owned by this outbox, touching no router table; a second flusher leaves the work to the
 * first, which looks again before it stops). The hand-off queue only holds what one collect moved,
 * itself bounded by the lanes.
 */
final class PeerOutbox {
  private static final Logger log = LoggerFactory.getLogger(PeerOutbox.class);

  private final PeerId peer;
  private final PeerSender sender;
  private final OutboundQueue lanes = new OutboundQueue();
  private final ConcurrentLinkedQueue<Rpc> handoff = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  /** Guarded by the router mutex. */
  private boolean writable = true;

  PeerOutbox(PeerId peer, PeerSender sender) {
    this.peer = Objects.requireNonNull(peer);
    this.sender = Objects.requireNonNull(sender);
  }

  /** The lanes, filled under the router mutex. */
  OutboundQueue lanes() {
    return lanes;
  }

  /** Entries waiting in the lanes. */
  int depth() {
    return lanes.depth();
  }

  boolean writable() {
    return writable;
  }

  void setWritable(boolean writable) {
    this.writable = writable;
  }

  /**
   * Under the router mutex: moves what the lanes hold onto the hand-off queue, as RPCs of at most
   * {@code maxRpcSize} bytes, and returns them (empty if nothing waited). The caller must call
   * {@link #flush} after releasing the mutex if the result is not empty.
   */
  List<Rpc> collect(int maxRpcSize) {
    List<Rpc> rpcs = lanes.drain(maxRpcSize);
    handoff.addAll(rpcs);
    return rpcs;
  }

  /** After the mutex is released, on any thread: writes everything handed off, in order. */
  void flush() {
    while (flushing.compareAndSet(false, true)) {
      try {
        Rpc r;
        while ((r = handoff.poll()) != null) {
          try {
            sender.send(r);
          } catch (RuntimeException e) {
            log.warn("pubsub send to {} failed: {}", peer, e.toString());
          }
        }
      } finally {
        flushing.set(false);
      }
      if (handoff.isEmpty()) {
        return;
      }
    }
  }

  /** Asks the host to close the peer's stream; call after the mutex is released. */
  void close(String reason) {
    sender.close(reason);
  }

  /** RPCs handed off and not yet written. */
  int handedOff() {
    return handoff.size();
  }
}
