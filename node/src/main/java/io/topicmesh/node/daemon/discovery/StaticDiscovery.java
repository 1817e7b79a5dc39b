package io.topicmesh.node.daemon.discovery;

import io.topicmesh.node.multiaddr.Multiaddr;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** Fixed multiaddrs from the configuration. */
public final class StaticDiscovery implements DiscoverySource {
  private final Set<Multiaddr> addrs;

  public StaticDiscovery(List<Multiaddr> addrs) {
    this.addrs = Set.copyOf(new LinkedHashSet<>(addrs));
  }

  @Override
  public String name() {
    return "static";
  }

  @Override
  public void start(Consumer<Set<Multiaddr>> update) {
    update.accept(addrs);
  }

  @Override
  public void close() {}
}
