package io.topicmesh.node.daemon.discovery;

import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.topicmesh.node.multiaddr.Multiaddr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Peers from the EndpointSlices of a Service ({@code k8s:<service>[:<port>]}), watched through the
 * API server with the pod's service account (fabric8 informer): a new pod's address is reported as
 * soon as its slice changes, a deleted pod's address is dropped. Not-ready endpoints are included:
 * a node becomes ready only after it has connected, so waiting for readiness would deadlock.
 *
 * <p>{@link #start} never waits for the API server. The informer is started on this source's own
 * thread; until its first list has synced the source is {@code connecting}, and after a failed
 * attempt (refused, unreachable, forbidden, or no answer within {@link #attemptTimeout}) it is
 * {@code waiting}: it logs one line naming the API server, the namespace/service and the cause,
 * and tries again after a backoff that doubles from {@code retryMin} up to {@code retryMax}. Once
 * synced it is {@code watching}; fabric8 then re-establishes a broken watch itself, which is
 * logged once per interruption.
 */
public final class KubernetesDiscovery implements DiscoverySource {
  private static final Logger log = LoggerFactory.getLogger(KubernetesDiscovery.class);

  static final String SERVICE_LABEL = "kubernetes.io/service-name";

  /** Most addresses taken from the slices. */
  static final int MAX_ADDRESSES = 4096;

  static final Duration RETRY_MIN = Duration.ofSeconds(1);
  static final Duration RETRY_MAX = Duration.ofSeconds(30);
  static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(30);

  /** Where a connection attempt stands. */
  enum State {
    NEW, CONNECTING, WAITING, WATCHING, CLOSED;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final String namespace;
  private final String service;
  private final int defaultPort;
  private final KubernetesClient client;
  private final boolean ownsClient;
  private final String apiServer;
  private final Duration retryMin;
  private final Duration retryMax;
  private final Duration attemptTimeout;
  private final ScheduledExecutorService executor;

  private final java.util.Map<String, EndpointSlice> slices = new java.util.concurrent.ConcurrentHashMap<>();
  private Consumer<Set<Multiaddr>> update;
  private Set<Multiaddr> last;

  // guarded by this
  private SharedIndexInformer<EndpointSlice> informer;
  private int attempts;
  private boolean watchInterrupted;
  private volatile State state = State.NEW;
  private volatile String detail = "";
  private volatile boolean synced;

  /**
   * With a client from the environment (in-cluster service account, or kubeconfig). The client's
   * own request retries are off: this source retries, and says so in the log.
   *
   * @param namespace the Service's namespace, or null for the client's
   */
  public KubernetesDiscovery(String namespace, String service, int defaultPort) {
    this(namespace, service, defaultPort, environmentClient(), true, RETRY_MIN, RETRY_MAX, ATTEMPT_TIMEOUT);
  }

  public KubernetesDiscovery(String namespace, String service, int defaultPort, KubernetesClient client, boolean ownsClient) {
    this(namespace, service, defaultPort, client, ownsClient, RETRY_MIN, RETRY_MAX, ATTEMPT_TIMEOUT);
  }

  KubernetesDiscovery(String namespace, String service, int defaultPort, KubernetesClient client, boolean ownsClient,
      Duration retryMin, Duration retryMax, Duration attemptTimeout) {
    this.namespace = namespace != null ? namespace : client.getNamespace() != null ? client.getNamespace() : "default";
    this.service = service;
    this.defaultPort = defaultPort;
    this.client = client;
    this.ownsClient = ownsClient;
    this.apiServer = String.valueOf(client.getConfiguration().getMasterUrl());
    this.retryMin = retryMin;
    this.retryMax = retryMax;
    this.attemptTimeout = attemptTimeout;
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "topicmesh-k8s-discovery");
      t.setDaemon(true);
      return t;
    });
    ex.setRemoveOnCancelPolicy(true);
    this.executor = ex;
  }

  static KubernetesClient environmentClient() {
    try {
      Config config = Config.autoConfigure(null);
      config.setRequestRetryBackoffLimit(0);
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("k8s discovery: cannot configure a Kubernetes client from the service account"
          + " or kubeconfig: " + describe(e), e);
    }
  }

  @Override
  public String name() {
    return "k8s:" + namespace + "/" + service;
  }

  /** Returns at once; the first attempt runs on this source's thread. */
  @Override
  public void start(Consumer<Set<Multiaddr>> update) {
    this.update = update;
    executor.execute(this::attempt);
  }

  @Override
  public Status status() {
    String d = detail;
    State s = state;
    synchronized (this) {
      if (s == State.WATCHING && informer != null && !informer.isWatching()) {
        d = "watch of EndpointSlices of service " + namespace + "/" + service + " interrupted; re-establishing";
      }
    }
    return new Status(name(), s.label(), d, synced);
  }

  State state() {
    return state;
  }

  private synchronized void attempt() {
    if (state == State.CLOSED) {
      return;
    }
    int n = ++attempts;
    slices.clear();
    transition(State.CONNECTING, "listing EndpointSlices of service " + namespace + "/" + service + " from API server "
        + apiServer + " (attempt " + n + ")");
    if (n == 1) {
      log.info("discovery source={} connecting: {}", name(), detail);
    }
    SharedIndexInformer<EndpointSlice> inf;
    try {
      inf = client.discovery().v1().endpointSlices().inNamespace(namespace).withLabel(SERVICE_LABEL, service)
          .runnableInformer(0);
      SharedIndexInformer<EndpointSlice> self = inf;
      inf.addEventHandler(new Handler(inf));
      // Before the first sync a failure ends this attempt (we retry and log); after it fabric8 re-watches.
      inf.exceptionHandler((started, t) -> onInformerException(self, started, t));
      informer = inf;
      CompletionStage<Void> started = inf.start();
      started.whenComplete((v, t) -> executor.execute(() -> onStarted(self, n, t)));
    } catch (RuntimeException e) {
      failed(n, describe(e));
      return;
    }
    executor.schedule(() -> timedOut(inf, n), attemptTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private synchronized void onStarted(SharedIndexInformer<EndpointSlice> inf, int n, Throwable t) {
    if (inf != informer || state == State.CLOSED || state != State.CONNECTING) {
      return;
    }
    if (t != null) {
      failed(n, describe(t));
      return;
    }
    synced = true;
    attempts = 0;
    transition(State.WATCHING, "watching EndpointSlices of service " + namespace + "/" + service + " at API server "
        + apiServer);
    log.info("discovery source={} connected to API server {} after {} attempt(s); watching EndpointSlices of service {}/{}",
        name(), apiServer, n, namespace, service);
    report();
  }

  private synchronized void timedOut(SharedIndexInformer<EndpointSlice> inf, int n) {
    if (inf == informer && state == State.CONNECTING) {
      failed(n, "no answer within " + attemptTimeout.toSeconds() + " s");
    }
  }

  /** Ends attempt {@code n}: stops its informer, logs one line, schedules the next. */
  private void failed(int n, String cause) {
    SharedIndexInformer<EndpointSlice> inf = informer;
    informer = null;
    if (inf != null) {
      // off the lock: the informer's threads may be waiting for it in the handler
      executor.execute(() -> stopQuietly(inf));
    }
    long delay = backoffMillis(retryMin.toMillis(), retryMax.toMillis(), n - 1);
    transition(State.WAITING, "waiting for API server " + apiServer + " to list EndpointSlices of service " + namespace
        + "/" + service + ": " + cause + " (attempt " + n + ", next in " + delay + " ms)");
    log.warn("discovery source={} {}", name(), detail);
    executor.schedule(this::attempt, delay, TimeUnit.MILLISECONDS);
  }

  private boolean onInformerException(SharedIndexInformer<EndpointSlice> inf, boolean started, Throwable t) {
    if (!started) {
      return false;
    }
    synchronized (this) {
      if (inf == informer && !watchInterrupted) {
        watchInterrupted = true;
        log.warn("discovery source={} watch of EndpointSlices of service {}/{} at API server {} interrupted: {};"
            + " re-establishing, keeping the last {} addresses", name(), namespace, service, apiServer, describe(t),
            last == null ? 0 : last.size());
      }
    }
    return true;
  }

  private void transition(State s, String d) {
    state = s;
    detail = d;
  }

  /** Backoff before attempt {@code failures + 1}: min doubled per failure, capped at max. */
  static long backoffMillis(long minMs, long maxMs, int failures) {
    long b = minMs;
    for (int i = 0; i < failures && b < maxMs; i++) {
      b *= 2;
    }
    return Math.min(b, maxMs);
  }

  /**
   * One line for an expected failure: the first exception of the chain that is not a mere wrapper,
   * with its message and HTTP code if any, and its cause's type (the JDK client's ConnectException
   * carries no message; its cause tells refused from unreachable).
   */
  static String describe(Throwable t) {
    Throwable s = t;
    while (s.getCause() != null && s.getCause() != s && wrapper(s)) {
      s = s.getCause();
    }
    StringBuilder b = new StringBuilder();
    if (s instanceof KubernetesClientException k && k.getCode() > 0) {
      b.append("HTTP ").append(k.getCode()).append(": ");
    }
    b.append(text(s));
    Throwable c = s.getCause();
    if (c != null && c != s) {
      b.append(" (").append(text(c)).append(')');
    }
    String out = b.toString().replace('\n', ' ');
    return out.length() > 300 ? out.substring(0, 297) + "..." : out;
  }

  private static boolean wrapper(Throwable t) {
    return t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
        || (t instanceof KubernetesClientException k && k.getCode() <= 0)
        || t instanceof java.io.UncheckedIOException;
  }

  private static String text(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }

  private final class Handler implements ResourceEventHandler<EndpointSlice> {
    private final SharedIndexInformer<EndpointSlice> owner;

    Handler(SharedIndexInformer<EndpointSlice> owner) {
      this.owner = owner;
    }

    private boolean current() {
      synchronized (KubernetesDiscovery.this) {
        if (owner != informer) {
          return false;
        }
        watchInterrupted = false;
        return true;
      }
    }

    // Under the source's lock, so a late event of a stopped informer cannot land after the next
    // attempt has cleared the slices.
    @Override
    public void onAdd(EndpointSlice obj) {
      synchronized (KubernetesDiscovery.this) {
        if (current()) {
          slices.put(obj.getMetadata().getName(), obj);
          report();
        }
      }
    }

    @Override
    public void onUpdate(EndpointSlice oldObj, EndpointSlice newObj) {
      synchronized (KubernetesDiscovery.this) {
        if (current()) {
          slices.put(newObj.getMetadata().getName(), newObj);
          report();
        }
      }
    }

    @Override
    public void onDelete(EndpointSlice obj, boolean deletedFinalStateUnknown) {
      synchronized (KubernetesDiscovery.this) {
        if (current()) {
          slices.remove(obj.getMetadata().getName());
          report();
        }
      }
    }
  }

  private synchronized void report() {
    if (!synced || update == null) {
      return; // the first complete set is reported when the initial list has synced
    }
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

  private static void stopQuietly(SharedIndexInformer<EndpointSlice> inf) {
    try {
      inf.stop();
    } catch (RuntimeException e) {
      log.debug("informer stop failed: {}", e.toString());
    }
  }

  /** Stops the informer and the retry thread without waiting for the API server. */
  @Override
  public void close() {
    SharedIndexInformer<EndpointSlice> inf;
    synchronized (this) {
      transition(State.CLOSED, "closed");
      inf = informer;
      informer = null;
    }
    executor.shutdownNow();
    if (inf != null) {
      stopQuietly(inf);
    }
    if (ownsClient) {
      try {
        client.close();
      } catch (RuntimeException e) {
        log.debug("kubernetes client close failed: {}", e.toString());
      }
    }
  }
}
