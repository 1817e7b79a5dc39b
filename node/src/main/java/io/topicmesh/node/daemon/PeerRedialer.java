package io.topicmesh.node.daemon;

import io.topicmesh.node.host.ConnectionListener;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.transport.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Keeps the connections to the {@code --peer} addresses up: a failed dial is retried with
 * exponential backoff ({@link #MIN_BACKOFF} doubling to {@link #MAX_BACKOFF}), and a peer that
 * disconnects is dialed again. Peers that start later or restart are therefore found without
 * operator action.
 */
final class PeerRedialer implements ConnectionListener {
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

  private final Host host;
  private final Consumer<String> out;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "topicmesh-redial");
    t.setDaemon(true);
    return t;
  });
  private final Map<Multiaddr, Duration> backoff = new ConcurrentHashMap<>();
  private final Map<PeerId, Multiaddr> byPeer = new ConcurrentHashMap<>();
  private volatile boolean stopped;

  PeerRedialer(Host host, Consumer<String> out) {
    this.host = host;
    this.out = out;
  }

  void start(List<Multiaddr> addrs) {
    for (Multiaddr a : addrs) {
      a.peerId().ifPresent(id -> byPeer.put(id, a));
      dial(a);
    }
  }

  void stop() {
    stopped = true;
    timer.shutdownNow();
  }

  private void dial(Multiaddr addr) {
    if (stopped) {
      return;
    }
    host.dial(addr).addListener(f -> {
      if (f.isSuccess()) {
        backoff.remove(addr);
        byPeer.putIfAbsent(((Connection) f.getNow()).remotePeer(), addr);
        return;
      }
      if (stopped) {
        return;
      }
      Duration wait = backoff.merge(addr, MIN_BACKOFF, (old, min) -> {
        Duration doubled = old.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
      });
      out.accept("dial-failed " + addr + " " + f.cause().getMessage() + " (retry in " + wait.toMillis() + " ms)");
      schedule(addr, wait);
    });
  }

  private void schedule(Multiaddr addr, Duration wait) {
    try {
      timer.schedule(() -> dial(addr), wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // stopped meanwhile
    }
  }

  @Override
  public void connectionClosed(Connection connection) {
    Multiaddr addr = byPeer.get(connection.remotePeer());
    if (addr != null && !stopped && host.connection(connection.remotePeer()).isEmpty()) {
      schedule(addr, MIN_BACKOFF);
    }
  }
}
