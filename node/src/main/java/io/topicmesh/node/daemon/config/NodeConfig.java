package io.topicmesh.node.daemon.config;

import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.topicmesh.node.pubsub.router.SignaturePolicy;
import io.topicmesh.node.pubsub.router.TopicMeshParams;
import io.topicmesh.node.pubsub.router.TopicScoreParams;

/**
 * The daemon's validated configuration, built by {@link ConfigLoader} from the config file, the
 * environment and the flags (flags override the environment, which overrides the file).
 *
 * @param listen p2p listen multiaddrs ({@code listen})
 * @param advertise addresses announced in status besides the bound ones ({@code advertise}; from
 *     {@code POD_IP} in Kubernetes)
 * @param peers multiaddrs dialed at start and re-dialed with backoff ({@code peers})
 * @param directPeers gossipsub direct peers, multiaddrs with {@code /p2p/<id>} ({@code directPeers})
 * @param topics topics subscribed at start ({@code topics}; names or {@code {name, validation,
 *     score}} objects as the operator writes them)
 * @param topicValidation the validation mode each topic asked for ({@code topics[].validation}),
 *     for topics that gave one
 * @param topicScores v1.1 topic score parameters by topic ({@code topics[].score})
 * @param topicMesh a topic's own mesh degrees ({@code topics[].mesh}, the given members over
 *     {@code params}), for topics that gave them
 * @param signaturePolicy the router's policy: StrictNoSign when every topic asks for it
 *     ({@code topics[].validation}), else StrictSign
 * @param keyFile identity key; created on first start when absent ({@code keyFile})
 * @param createKey whether a missing key file may be created ({@code createKey}, default true;
 *     false when the key must come from a mounted Secret)
 * @param muxers muxer names in preference order ({@code muxers})
 * @param maxConnections bound on TCP connections ({@code maxConnections})
 * @param pingInterval how often every connected peer is pinged ({@code pingInterval}, {@code
 *     --ping-interval}, {@code TOPICMESH_PING_INTERVAL}), null for never (the default)
 * @param discovery discovery sources, parsed ({@link DiscoverySpec}: {@code static:<multiaddr>},
 *     {@code dns:<name>[:port]}, {@code dnssrv:<name>}, {@code k8s:<service>}; {@code discovery})
 * @param dnsServer DNS server {@code host:port} for DNS discovery, null for the system resolver
 * @param discoveryInterval how often DNS is re-resolved ({@code discoveryIntervalMs})
 * @param redialMin first re-dial backoff ({@code redial.minMs})
 * @param redialMax re-dial backoff cap ({@code redial.maxMs})
 * @param adminListen admin API address, null for none ({@code admin.listen})
 * @param adminTokenFile file of the token with the admin scope (everything) ({@code admin.tokenFile});
 *     without any token file the admin API binds to loopback only
 * @param adminPublishTokenFile file of the token with the publish scope ({@code admin.publishTokenFile})
 * @param adminSubscribeTokenFile file of the token with the subscribe scope ({@code admin.subscribeTokenFile})
 * @param adminStatusTokenFile file of the read-only token ({@code admin.statusTokenFile})
 * @param adminProtectMetrics whether {@code /metrics} needs a status (or admin) token ({@code
 *     admin.protectMetrics}, default false)
 * @param adminProtectHealth whether {@code /healthz} and {@code /readyz} need a status (or admin) token
 *     ({@code admin.protectHealth}, default false; Kubernetes probes send no token)
 * @param adminTlsCertFile PEM certificate chain of the admin API's TLS, null for plain HTTP ({@code
 *     admin.tlsCertFile})
 * @param adminTlsKeyFile the PEM private key of that certificate ({@code admin.tlsKeyFile})
 * @param adminMaxBodyBytes largest accepted request body ({@code admin.maxBodyBytes})
 * @param params gossipsub parameters ({@code params.*})
 * @param thresholds peer score thresholds ({@code thresholds.*})
 * @param shutdownGrace bound on the graceful shutdown ({@code shutdownGraceMs})
 * @param namespace Kubernetes namespace for {@code k8s:} discovery ({@code namespace}, {@code POD_NAMESPACE})
 * @param podName this pod's name, for logs ({@code POD_NAME})
 * @param cluster the TopicCluster name, for logs and the probe topic ({@code cluster})
 * @param probeInterval how often this node publishes a mesh probe ({@code probe.interval}, {@code
 *     --probe-interval}, {@code TOPICMESH_PROBE_INTERVAL}; default 5s), null when probes are off
 *     ({@code probe.enabled: false}, {@code --no-probes}, {@code TOPICMESH_PROBE_ENABLED=false})
 */
public record NodeConfig(
    List<String> listen,
    List<String> advertise,
    List<String> peers,
    List<String> directPeers,
    List<String> topics,
    Map<String, String> topicValidation,
    Map<String, TopicScoreParams> topicScores,
    Map<String, TopicMeshParams> topicMesh,
    SignaturePolicy signaturePolicy,
    Path keyFile,
    boolean createKey,
    List<String> muxers,
    int maxConnections,
    Duration pingInterval,
    List<DiscoverySpec> discovery,
    InetSocketAddress dnsServer,
    Duration discoveryInterval,
    Duration redialMin,
    Duration redialMax,
    InetSocketAddress adminListen,
    Path adminTokenFile,
    Path adminPublishTokenFile,
    Path adminSubscribeTokenFile,
    Path adminStatusTokenFile,
    boolean adminProtectMetrics,
    boolean adminProtectHealth,
    Path adminTlsCertFile,
    Path adminTlsKeyFile,
    int adminMaxBodyBytes,
    GossipParams params,
    PeerScoreThresholds thresholds,
    Duration shutdownGrace,
    String namespace,
    String podName,
    String cluster,
    Duration probeInterval) {

  /** Largest admin request body by default: 1 MiB (a publish carries the message). */
  public static final int DEFAULT_MAX_BODY = 1 << 20;

  public NodeConfig {
    listen = List.copyOf(listen);
    advertise = List.copyOf(advertise);
    peers = List.copyOf(peers);
    directPeers = List.copyOf(directPeers);
    topics = List.copyOf(topics);
    topicValidation = Map.copyOf(topicValidation);
    topicScores = Map.copyOf(topicScores);
    topicMesh = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(topicMesh));
    muxers = List.copyOf(muxers);
    discovery = List.copyOf(discovery);
  }

  /** The discovery entries as given ({@code k8s:demo-nodes}), in order. */
  public List<String> discoverySpecs() {
    return discovery.stream().map(DiscoverySpec::spec).toList();
  }

  /** What {@code run} uses with no file, environment or flags. */
  public static NodeConfig defaults() {
    return ConfigLoader.load(null, Map.of(), Map.of());
  }
}
