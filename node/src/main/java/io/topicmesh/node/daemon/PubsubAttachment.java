package io.topicmesh.node.daemon;

import io.topicmesh.node.host.Host;
import io.topicmesh.node.pubsub.net.PubsubNetwork;
import io.topicmesh.node.pubsub.router.GossipRouter;

/** The binding of the router to the host's streams, kept in one place. */
final class PubsubAttachment implements AutoCloseable {
  private final PubsubNetwork network;

  private PubsubAttachment(PubsubNetwork network) {
    this.network = network;
  }

  static PubsubAttachment attach(Host host, GossipRouter router, io.micrometer.core.instrument.MeterRegistry registry) {
    return new PubsubAttachment(PubsubNetwork.attach(host, router, PubsubNetwork.Options.defaults()).bindTo(registry));
  }

  @Override
  public void close() {
    network.close();
  }
}
