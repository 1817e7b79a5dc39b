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

  /** What the source is doing now, for status and readiness; never blocks. */
  default Status status() {
    return new Status(name(), "active", "", true);
  }

  @Override
  void close();

  /**
   * @param source the source's name
   * @param state a short word: {@code active}, {@code connecting}, {@code waiting}, {@code watching}…
   * @param detail what it waits for or last saw (API server, service, cause), empty when nothing to say
   * @param synced whether it has produced its first complete set of addresses; until then "no peers
   *     known" means "not known yet", not "alone"
   */
  record Status(String source, String state, String detail, boolean synced) {}
}
