package io.topicmesh.node.daemon;

import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT start the graceful shutdown, so the process can exit 0 itself; with the JVM's
 * default handling it would run shutdown hooks and exit 143.
 */
public final class Signals {
  private Signals() {}

  @SuppressWarnings("removal")
  public static void onTerminate(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
          LoggerFactory.getLogger(Signals.class).info("received SIG{}, shutting down", name);
          action.run();
        });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // not available on this platform: fall back to a shutdown hook (exit code 143)
        Runtime.getRuntime().addShutdownHook(new Thread(action, "topicmesh-shutdown-" + name));
      }
    }
  }
}
