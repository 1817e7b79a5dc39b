package io.topicmesh.node.daemon;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.topicmesh.node.daemon.config.DiscoverySpec;
import io.topicmesh.node.daemon.config.NodeConfig;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.daemon.discovery.DiscoverySource;
import io.topicmesh.node.daemon.discovery.DnsDiscovery;
import io.topicmesh.node.daemon.discovery.KubernetesDiscovery;
import io.topicmesh.node.daemon.discovery.StaticDiscovery;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.HostConfig;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.net.HostPeerDialer;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PeerDialer;
import io.topicmesh.node.pubsub.router.PeerScoreParams;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How a {@link Daemon}'s parts are built from its configuration: the host, the threads, the
 * router's dialer and score parameters, the discovery sources (from the parsed {@link
 * DiscoverySpec}s) and the node's own gauges. No state: the daemon owns what these return.
 */
final class NodeWiring {
  private NodeWiring() {}

  static Host host(NodeConfig config, PrivKey key, MeterRegistry registry, int ioThreads) {
    List<Multiaddr> listen = new ArrayList<>();
    for (String l : config.listen()) {
      listen.add(Multiaddr.parse(l));
    }
    return Host.create(HostConfig.defaults(key).withListen(listen).withMuxers(RunCommand.muxerIds(config.muxers()))
        .withMaxConnections(config.maxConnections()).withIoThreads(ioThreads).withMeterRegistry(registry));
  }

  /** One daemon thread, tasks removed when cancelled. */
  static ScheduledThreadPoolExecutor scheduler(String name) {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  /** A fixed pool of daemon threads with a bounded queue; {@code onFull} decides what a full queue does. */
  static ThreadPoolExecutor pool(String name, int threads, int queue, RejectedExecutionHandler onFull) {
    AtomicLong n = new AtomicLong();
    return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, onFull);
  }

  /** The spec's default score parameters with the configured topics' own. */
  static PeerScoreParams scoreParams(NodeConfig config) {
    PeerScoreParams scores = PeerScoreParams.defaults();
    for (var e : config.topicScores().entrySet()) {
      scores = scores.withTopic(e.getKey(), e.getValue());
    }
    return scores;
  }

  /** The router's dialer, which knows the direct peers' addresses from the start. */
  static PeerDialer dialer(Host host, NodeConfig config) {
    HostPeerDialer d = new HostPeerDialer(host);
    for (String a : config.directPeers()) {
      Multiaddr m = Multiaddr.parse(a);
      m.peerId().ifPresent(p -> d.addAddresses(p, List.of(m)));
    }
    return d;
  }

  /**
   * The discovery sources: one static source first (for {@code peers}, {@code directPeers} and every
   * {@code static:} entry), if there is any such address, then one per DNS and Kubernetes entry.
   *
   * @param defaultPort the port of an entry that names none (our p2p port)
   */
  static List<DiscoverySource> discoverySources(NodeConfig config, int defaultPort, ScheduledExecutorService dns) {
    List<DiscoverySource> sources = new ArrayList<>();
    List<Multiaddr> fixed = new ArrayList<>();
    for (String p : config.peers()) {
      fixed.add(Multiaddr.parse(p));
    }
    for (String p : config.directPeers()) {
      fixed.add(Multiaddr.parse(p));
    }
    for (DiscoverySpec d : config.discovery()) {
      if (d instanceof DiscoverySpec.Static s) {
        fixed.add(s.addr());
      } else if (d instanceof DiscoverySpec.Dns s) {
        sources.add(new DnsDiscovery(s.name(), s.srv(), s.port().orElse(defaultPort), config.dnsServer(),
            config.discoveryInterval().toMillis(), dns));
      } else if (d instanceof DiscoverySpec.Kubernetes k) {
        // without POD_NAMESPACE the client's namespace (service account file, kubeconfig) is used
        sources.add(new KubernetesDiscovery(config.namespace(), k.service(), k.port().orElse(defaultPort)));
      }
    }
    if (!fixed.isEmpty()) {
      sources.add(0, new StaticDiscovery(fixed));
    }
    return sources;
  }

  /** The node's gauges: effective parameters, readiness, connected peers, dropped deliveries. */
  static void registerGauges(Daemon daemon, MeterRegistry registry, GossipRouter router, Host host,
      AtomicLong deliveryDropped) {
    for (String name : ParamsCodec.names()) {
      double scale = name.endsWith("Ms") ? 1e-3 : 1.0;
      Gauge.builder("topicmesh_node_param", router, r -> {
        Object v = ParamsCodec.toJson(r.params()).get(name);
        return v instanceof Number n ? n.doubleValue() * scale : Boolean.TRUE.equals(v) ? 1 : 0;
      }).tags(Tags.of("name", Daemon.paramLabel(name)))
          .description("Effective gossipsub parameter (durations in seconds, named ...Seconds; booleans 0/1)")
          .register(registry);
    }
    Gauge.builder("topicmesh_node_ready", daemon, d -> d.readiness().ready() ? 1 : 0)
        .description("1 when /readyz reports ready").register(registry);
    Gauge.builder("topicmesh_node_connected_peers", host, h -> h.connections().size())
        .description("Connected libp2p peers").register(registry);
    FunctionCounter.builder("topicmesh_node_deliveries_dropped_total", deliveryDropped, AtomicLong::get)
        .description("Deliveries to local subscribers dropped because they were too slow").register(registry);
  }
}
