package io.topicmesh.node.daemon.discovery;

import io.netty.util.concurrent.Future;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.transport.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the host connected to every discovered address: the union of all sources' current sets.
 * An address that is not connected is dialed; after a failure (or a disconnect) it waits an
 * exponential backoff with jitter, {@code min * 2^attempts} capped at {@code max}, scaled by a
 * random factor in [0.5, 1). Addresses that no source reports any more are forgotten. Our own
 * addresses (and an address that turns out to be us) are never dialed.
 */
public final class Redialer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Redialer.class);

  /** Most addresses tracked at once. */
  static final int MAX_TARGETS = 4096;

  private final Host host;
  private final Duration min;
  private final Duration max;
  private final RandomGenerator random;
  private final LongSupplier clock;
  private final ScheduledExecutorService scheduler;
  private final Set<Multiaddr> own;
  private final Map<String, Set<Multiaddr>> bySource = new LinkedHashMap<>();
  private final Map<Multiaddr, Target> targets = new LinkedHashMap<>();
  private ScheduledFuture<?> task;
  private volatile boolean closed;
  private volatile java.util.function.BiConsumer<Multiaddr, String> onDialFailed = (a, r) -> { };

  /** Dial state of one address. */
  static final class Target {
    PeerId peer;
    int attempts;
    long nextAt;
    boolean dialing;
    boolean self;
    boolean wasConnected;
  }

  public Redialer(Host host, Duration min, Duration max, RandomGenerator random, LongSupplier clock,
      ScheduledExecutorService scheduler, Set<Multiaddr> own) {
    this.host = host;
    this.min = min;
    this.max = max;
    this.random = random;
    this.clock = clock;
    this.scheduler = scheduler;
    this.own = Set.copyOf(own);
  }

  /** Called with the address and a reason (ending in the retry delay) after each failed dial. */
  public void onDialFailed(java.util.function.BiConsumer<Multiaddr, String> listener) {
    this.onDialFailed = listener;
  }

  /** Starts the periodic check (every {@code min / 2}, at least 50 ms). */
  public void start() {
    long period = Math.max(50, min.toMillis() / 2);
    task = scheduler.scheduleWithFixedDelay(this::tick, 0, period, TimeUnit.MILLISECONDS);
  }

  /** A source's current set, replacing its previous one. */
  public synchronized void update(String source, Set<Multiaddr> addrs) {
    bySource.put(source, Set.copyOf(addrs));
    Set<Multiaddr> all = new LinkedHashSet<>();
    for (Set<Multiaddr> s : bySource.values()) {
      all.addAll(s);
    }
    targets.keySet().retainAll(all);
    for (Multiaddr a : all) {
      if (targets.size() >= MAX_TARGETS) {
        log.warn("discovery: {} addresses tracked, the maximum; ignoring the rest", MAX_TARGETS);
        break;
      }
      if (!own.contains(a.withoutPeerId())) {
        targets.computeIfAbsent(a, k -> {
          Target t = new Target();
          t.peer = k.peerId().orElse(null);
          return t;
        });
      }
    }
  }

  /** Addresses currently tracked (not our own). */
  public synchronized int known() {
    return (int) targets.values().stream().filter(t -> !t.self).count();
  }

  /** Backoff before attempt {@code attempts + 1}, before jitter. */
  static long backoffMillis(long minMs, long maxMs, int attempts) {
    long b = minMs;
    for (int i = 0; i < attempts && b < maxMs; i++) {
      b *= 2;
    }
    return Math.min(b, maxMs);
  }

  private long jittered(int attempts) {
    long b = backoffMillis(min.toMillis(), max.toMillis(), attempts);
    return (long) (b * (0.5 + random.nextDouble() * 0.5));
  }

  synchronized void tick() {
    if (closed) {
      return;
    }
    long now = clock.getAsLong();
    for (var e : targets.entrySet()) {
      Multiaddr addr = e.getKey();
      Target t = e.getValue();
      if (t.self || t.dialing) {
        continue;
      }
      if (t.peer == null) {
        t.peer = connectedPeerAnnouncing(addr);
      }
      boolean connected = t.peer != null && host.connection(t.peer).isPresent();
      if (connected) {
        t.wasConnected = true;
        t.attempts = 0;
        continue;
      }
      if (t.wasConnected) {
        // it was up and went away: back off before the first re-dial too
        t.wasConnected = false;
        t.nextAt = now + jittered(0);
        log.info("discovery: lost peer={} addr={}, re-dialing", t.peer, addr);
        continue;
      }
      if (now < t.nextAt) {
        continue;
      }
      t.dialing = true;
      Future<Connection> f = host.dial(addr);
      f.addListener(x -> done(addr, t, f));
    }
  }

  /**
   * The connected peer that announced {@code addr} in identify and whose connection comes from
   * that address's IP, or null. Discovery often learns an address without a peer id after the
   * peer has already dialed us; dialing it again would only make a duplicate connection. The IP
   * must match so that a peer cannot keep us from dialing another by announcing its address.
   */
  private PeerId connectedPeerAnnouncing(Multiaddr addr) {
    Multiaddr bare = addr.withoutPeerId();
    var target = bare.toTcpSocketAddress();
    if (target.isEmpty() || target.get().getAddress() == null) {
      return null;
    }
    for (Connection c : host.connections()) {
      java.net.InetSocketAddress remote = c.remoteSocketAddress();
      if (remote == null || !target.get().getAddress().equals(remote.getAddress())) {
        continue;
      }
      var info = host.peerStore().get(c.remotePeer());
      if (info.isPresent() && info.get().listenAddrs().stream().anyMatch(a -> a.withoutPeerId().equals(bare))) {
        return c.remotePeer();
      }
    }
    return null;
  }

  private synchronized void done(Multiaddr addr, Target t, Future<Connection> f) {
    t.dialing = false;
    long now = clock.getAsLong();
    if (f.isSuccess()) {
      Connection c = f.getNow();
      if (c.remotePeer().equals(host.peerId())) {
        t.self = true;
        c.close();
        return;
      }
      t.peer = c.remotePeer();
      t.attempts = 0;
      t.wasConnected = true;
    } else {
      long wait = jittered(t.attempts);
      t.attempts = Math.min(t.attempts + 1, 62);
      t.nextAt = now + wait;
      if (!closed) {
        String reason = f.cause() == null ? "?" : f.cause().getMessage();
        log.info("discovery: dial failed addr={} attempt={} retry-in={}ms: {}", addr, t.attempts, wait, reason);
        onDialFailed.accept(addr, reason + " (retry in " + wait + " ms)");
      }
    }
  }

  /** A snapshot for status: address → peer id (or null) and attempts. */
  public synchronized Map<Multiaddr, String> describe() {
    Map<Multiaddr, String> out = new HashMap<>();
    targets.forEach((a, t) -> out.put(a, (t.peer == null ? "?" : t.peer.toString()) + " attempts=" + t.attempts));
    return out;
  }

  /** The tracked addresses, for tests. */
  synchronized List<Multiaddr> addresses() {
    return List.copyOf(targets.keySet());
  }

  @Override
  public void close() {
    closed = true;
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }
}
