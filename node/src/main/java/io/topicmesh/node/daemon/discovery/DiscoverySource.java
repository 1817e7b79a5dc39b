package io.topicmesh.node.daemon.discovery;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A source of peer addresses. It reports its whole current set each time it changes; a later set
 * replaces the earlier one (so peers that are gone are dropped).
 */
public interface DiscoverySource extends AutoCloseable {
  /** A short name for logs, e.g. {@code dns:nodes.default.svc}. */
  String name();

  /** Starts discovering; {@code update} is called from the source's own thread. */
  void start(Consumer<Set<Multiaddr>> update);

  @Override
  void close();
}
