package io.topicmesh.node.host;

import io.micrometer.core.instrument.MeterRegistry;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.MuxConfig;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of a {@link Host}. Immutable; {@link #defaults(PrivKey)} then {@code with…}.
 *
 * @param key identity key
 * @param listen TCP multiaddrs to listen on ({@code /ip4/…/tcp/…}, port 0 picks a free port)
 * @param muxers muxer protocol ids in preference order (default yamux, then mplex)
 * @param muxConfig muxer limits
 * @param maxConnections most TCP connections at once, upgrading ones included (default 256)
 * @param connectTimeout bound on TCP connect (default 10 s)
 * @param upgradeTimeout bound on security + muxer negotiation after TCP connect (default 15 s)
 * @param negotiationTimeout bound on each multistream-select negotiation (default 10 s)
 * @param identifyTimeout bound on an identify exchange (default 10 s)
 * @param pingTimeout bound on one ping (default 10 s)
 * @param settledConnectionAge age from which an upgraded connection is kept against a newer duplicate
 *     to the same peer, whoever initiated either (default 5 s; see {@link ConnectionManager})
 * @param peerStoreCapacity most peers remembered by the peer store (default 1024)
 * @param ioThreads event loop threads, 0 for netty's default
 * @param agentVersion the identify agentVersion we send
 * @param meterRegistry where metrics go; null for a private simple registry
 */
public record HostConfig(
    PrivKey key,
    List<Multiaddr> listen,
    List<String> muxers,
    MuxConfig muxConfig,
    int maxConnections,
    Duration connectTimeout,
    Duration upgradeTimeout,
    Duration negotiationTimeout,
    Duration identifyTimeout,
    Duration pingTimeout,
    Duration settledConnectionAge,
    int peerStoreCapacity,
    int ioThreads,
    String agentVersion,
    MeterRegistry meterRegistry) {

  public HostConfig {
    Objects.requireNonNull(key, "key");
    listen = List.copyOf(listen);
    muxers = List.copyOf(muxers);
    Objects.requireNonNull(muxConfig, "muxConfig");
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
    }
    for (var d : List.of(connectTimeout, upgradeTimeout, negotiationTimeout, identifyTimeout, pingTimeout)) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("timeouts must be positive, got " + d);
      }
    }
    Objects.requireNonNull(settledConnectionAge, "settledConnectionAge");
    if (settledConnectionAge.isNegative()) {
      throw new IllegalArgumentException("settledConnectionAge must not be negative, got " + settledConnectionAge);
    }
    if (peerStoreCapacity < 1) {
      throw new IllegalArgumentException("peerStoreCapacity must be at least 1, got " + peerStoreCapacity);
    }
    if (ioThreads < 0) {
      throw new IllegalArgumentException("ioThreads must be >= 0, got " + ioThreads);
    }
    Objects.requireNonNull(agentVersion, "agentVersion");
  }

  public static HostConfig defaults(PrivKey key) {
    return new HostConfig(key, List.of(), List.of(YamuxHandler.PROTOCOL_ID, MplexHandler.PROTOCOL_ID),
        MuxConfig.defaults(), 256, Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(10),
        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(5), 1024, 0, "topicmesh/" + version(),
        null);
  }

  /** The version from the jar manifest, or {@code dev} when run from classes. */
  public static String version() {
    String v = HostConfig.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  public HostConfig withListen(List<Multiaddr> v) {
    return new HostConfig(key, v, muxers, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, meterRegistry);
  }

  public HostConfig withMuxers(List<String> v) {
    return new HostConfig(key, listen, v, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, meterRegistry);
  }

  public HostConfig withMuxConfig(MuxConfig v) {
    return new HostConfig(key, listen, muxers, v, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, meterRegistry);
  }

  public HostConfig withMaxConnections(int v) {
    return new HostConfig(key, listen, muxers, muxConfig, v, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, meterRegistry);
  }

  public HostConfig withTimeouts(Duration connect, Duration upgrade, Duration negotiation) {
    return new HostConfig(key, listen, muxers, muxConfig, maxConnections, connect, upgrade,
        negotiation, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, meterRegistry);
  }

  public HostConfig withSettledConnectionAge(Duration v) {
    return new HostConfig(key, listen, muxers, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, v, peerStoreCapacity, ioThreads, agentVersion,
        meterRegistry);
  }

  public HostConfig withIoThreads(int v) {
    return new HostConfig(key, listen, muxers, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, v, agentVersion,
        meterRegistry);
  }

  public HostConfig withPeerStoreCapacity(int v) {
    return new HostConfig(key, listen, muxers, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, v, ioThreads, agentVersion,
        meterRegistry);
  }

  public HostConfig withMeterRegistry(MeterRegistry v) {
    return new HostConfig(key, listen, muxers, muxConfig, maxConnections, connectTimeout, upgradeTimeout,
        negotiationTimeout, identifyTimeout, pingTimeout, settledConnectionAge, peerStoreCapacity, ioThreads,
        agentVersion, v);
  }
}
