package io.topicmesh.node.daemon;

import io.topicmesh.node.host.Host;
import io.topicmesh.node.pubsub.router.GossipRouter;

/**
 * The binding of the router to the host's streams ({@code io.topicmesh.node.pubsub.net.PubsubNetwork}),
 * kept in one place. Until that class is merged into this branch it is looked up reflectively, so
 * the daemon compiles without it and fails clearly at start when it is missing.
 */
final class PubsubAttachment implements AutoCloseable {
  private static final String NETWORK = "io.topicmesh.node.pubsub.net.PubsubNetwork";

  private final Object network;

  private PubsubAttachment(Object network) {
    this.network = network;
  }

  static PubsubAttachment attach(Host host, GossipRouter router) {
    try {
      Class<?> net = Class.forName(NETWORK);
      Class<?> options = Class.forName(NETWORK + "$Options");
      Object defaults = options.getMethod("defaults").invoke(null);
      Object n = net.getMethod("attach", Host.class, GossipRouter.class, options).invoke(null, host, router, defaults);
      return new PubsubAttachment(n);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("this build has no pubsub network binding (" + NETWORK + ")");
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot attach the pubsub network: " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      network.getClass().getMethod("close").invoke(network);
    } catch (java.lang.reflect.InvocationTargetException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
