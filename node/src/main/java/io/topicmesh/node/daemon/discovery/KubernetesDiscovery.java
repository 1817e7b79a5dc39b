package io.topicmesh.node.daemon.discovery;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peers from the EndpointSlices of a Service ({@code k8s:<service>[:<port>]}), watched through the
 * API server with the pod's service account (fabric8 informer): a new pod's address is reported as
 * soon as its slice changes, a deleted pod's address is dropped. Not-ready endpoints are included:
 * a node becomes ready only after it has connected, so waiting for readiness would deadlock.
 */
public final class KubernetesDiscovery implements DiscoverySource {
  private static final Logger log = LoggerFactory.getLogger(KubernetesDiscovery.class);

  static final String SERVICE_LABEL = "kubernetes.io/service-name";

  private final String namespace;
  private final String service;
  private final int defaultPort;
  private final KubernetesClient client;
  private final boolean ownsClient;
  /** Most addresses taken from the slices. */
  static final int MAX_ADDRESSES = 4096;

  private final java.util.Map<String, EndpointSlice> slices = new java.util.concurrent.ConcurrentHashMap<>();
  private SharedIndexInformer<EndpointSlice> informer;
  private Set<Multiaddr> last;

  /**
   * With a client from the environment (in-cluster service account, or kubeconfig).
   *
   * @param namespace the Service's namespace, or null for the client's
   */
  public KubernetesDiscovery(String namespace, String service, int defaultPort) {
    this(namespace, service, defaultPort, new KubernetesClientBuilder().build(), true);
  }

  public KubernetesDiscovery(String namespace, String service, int defaultPort, KubernetesClient client, boolean ownsClient) {
    this.namespace = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
    this.service = service;
    this.defaultPort = defaultPort;
    this.client = client;
    this.ownsClient = ownsClient;
  }

  @Override
  public String name() {
    return "k8s:" + namespace + "/" + service;
  }

  @Override
  public void start(Consumer<Set<Multiaddr>> update) {
    // The handler keeps its own copy of the slices: inform() may call it before it returns.
    informer = client.discovery().v1().endpointSlices().inNamespace(namespace).withLabel(SERVICE_LABEL, service)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(EndpointSlice obj) {
            slices.put(obj.getMetadata().getName(), obj);
            report(update);
          }

          @Override
          public void onUpdate(EndpointSlice oldObj, EndpointSlice newObj) {
            slices.put(newObj.getMetadata().getName(), newObj);
            report(update);
          }

          @Override
          public void onDelete(EndpointSlice obj, boolean deletedFinalStateUnknown) {
            slices.remove(obj.getMetadata().getName());
            report(update);
          }
        });
  }

  private synchronized void report(Consumer<Set<Multiaddr>> update) {
    Set<Multiaddr> found = addresses();
    if (!found.equals(last)) {
      last = found;
      log.info("discovery source={} peers={}", name(), found.size());
      update.accept(found);
    }
  }

  Set<Multiaddr> addresses() {
    Set<Multiaddr> out = new LinkedHashSet<>();
    for (EndpointSlice slice : slices.values()) {
      int port = port(slice);
      if (slice.getEndpoints() == null) {
        continue;
      }
      for (Endpoint e : slice.getEndpoints()) {
        if (e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getTerminating())) {
          continue;
        }
        for (String a : e.getAddresses() == null ? java.util.List.<String>of() : e.getAddresses()) {
          if (out.size() >= MAX_ADDRESSES) {
            return out;
          }
          try {
            out.add(Multiaddr.fromTcp(new InetSocketAddress(InetAddress.getByName(a), port)));
          } catch (UnknownHostException | RuntimeException ex) {
            log.warn("discovery source={} skipped address {}: {}", name(), a, ex.getMessage());
          }
        }
      }
    }
    return out;
  }

  private int port(EndpointSlice slice) {
    if (slice.getPorts() != null) {
      for (EndpointPort p : slice.getPorts()) {
        if ("p2p".equals(p.getName()) && p.getPort() != null) {
          return p.getPort();
        }
      }
    }
    return defaultPort;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    if (ownsClient) {
      client.close();
    }
  }
}
