package io.topicmesh.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.NodeEndpoints;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.TopicClusterReconciler;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the topicmesh operator. Environment: {@code WATCH_NAMESPACE} (comma-separated; all when unset),
 * {@code OPERATOR_HTTP_PORT} (default 8080: /healthz, /readyz, /metrics), {@code LEADER_ELECTION}
 * ({@code true} by default), {@code LEADER_ELECTION_NAMESPACE} (default: the pod's namespace),
 * {@code NODE_API_TIMEOUT_SECONDS} (default 5), {@code NODE_COLLECT_WAIT_MILLIS} (default 2000: how long a
 * reconcile waits for the nodes' status), {@code API_SERVER_WAIT_SECONDS} (default 30: how long start-up
 * waits for the API server before exiting with status 1 and one line naming the server and the cause).
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);
  static final String LEASE_NAME = "topicmesh-operator-leader";
  /** How long a lease stays valid after its last renewal: after this a standby may take it. */
  static final Duration LEASE_DURATION = Duration.ofSeconds(20);
  /** The leader stops leading (and exits) when it could not renew for this long. */
  static final Duration RENEW_DEADLINE = Duration.ofSeconds(10);
  static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
  /** Connect and request timeouts of the operator's API client (see {@link #apiClientConfig}). */
  static final Duration API_CONNECT_TIMEOUT = Duration.ofSeconds(3);
  static final Duration API_REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private final Operator operator;
  private final OperatorHttpServer http;

  private final AtomicBoolean stopping;
  private final String identity;

  private OperatorMain(Operator operator, OperatorHttpServer http, AtomicBoolean stopping, String identity) {
    this.operator = operator;
    this.http = http;
    this.stopping = stopping;
    this.identity = identity;
  }

  /** This instance's leader-election identity. */
  public String identity() {
    return identity;
  }

  /** Builds and starts an operator; the caller stops it with {@link #stop()}. */
  public static OperatorMain start(KubernetesClient client, Map<String, String> env, NodeEndpoints endpoints)
      throws java.io.IOException {
    // Auto tuning starts from the tuning table: a missing or malformed one stops the start here.
    io.topicmesh.operator.tuning.TuningTable table = io.topicmesh.operator.tuning.TuningTable.builtIn();
    LOG.info("tuning table {}: {} rows, {} to {} routers, generated at commit {}", table.source(), table.rows().size(),
        table.rows().get(0).routers(), table.rows().get(table.rows().size() - 1).routers(), table.commit());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    boolean leaderElection = !"false".equalsIgnoreCase(env.getOrDefault("LEADER_ELECTION", "true"));
    String leaseNamespace = env.get("LEADER_ELECTION_NAMESPACE");
    AtomicBoolean stopping = new AtomicBoolean();
    String identity = env.getOrDefault("POD_NAME", env.getOrDefault("HOSTNAME", UUID.randomUUID().toString()))
        + "-" + UUID.randomUUID().toString().substring(0, 8);
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client).withCloseClientOnStop(false)
          .withReconciliationTerminationTimeout(Duration.ofSeconds(10));
      if (leaderElection) {
        // Losing the lease while running means another replica may reconcile: stop at once. A
        // deliberate stop releases the lease and must not end the JVM.
        LeaderCallbacks callbacks = new LeaderCallbacks(() -> LOG.info("leading as {}", identity), () -> {
          if (!stopping.get()) {
            LOG.error("lost the leader lease {}; exiting", LEASE_NAME);
            Runtime.getRuntime().halt(1);
          }
        }, leader -> LOG.info("leader is {}", leader));
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE_NAME, leaseNamespace,
            LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD, identity, callbacks, false));
      }
    });
    Duration nodeTimeout = Duration.ofSeconds(Long.parseLong(env.getOrDefault("NODE_API_TIMEOUT_SECONDS", "5")));
    Duration collectWait = Duration.ofMillis(Long.parseLong(env.getOrDefault("NODE_COLLECT_WAIT_MILLIS",
        Long.toString(TopicClusterReconciler.DEFAULT_COLLECT_WAIT.toMillis()))));
    var reconciler = new TopicClusterReconciler(client, new NodeAdminClient(nodeTimeout), endpoints,
        Clock.systemUTC(), new SecureRandom(), metrics, collectWait)
        .withOperatorPods(env.get("OPERATOR_NAMESPACE"), labels(env.getOrDefault("OPERATOR_POD_LABELS", "")));
    String watch = env.get("WATCH_NAMESPACE");
    operator.register(reconciler, c -> {
      c.withRetry(reconcileRetry());
      if (watch != null && !watch.isBlank()) {
        c.settingNamespaces(watch.split(","));
      }
    });
    int port = Integer.parseInt(env.getOrDefault("OPERATOR_HTTP_PORT", "8080"));
    OperatorHttpServer http = new OperatorHttpServer(new InetSocketAddress(port), registry,
        () -> true, () -> operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy());
    operator.start();
    LOG.info("topicmesh operator started (namespaces={}, leaderElection={}, http port {})",
        watch == null ? "all" : watch, leaderElection, http.port());
    return new OperatorMain(operator, http, stopping, identity);
  }

  /**
   * A failed reconcile is retried without end, backing off from 2 s by 1.5 each time to at most 30 s.
   * The framework's default gives up after 5 attempts (about 20 s); a cluster's reconciles also
   * schedule its next poll of the nodes, so an API server away for longer than that left the
   * cluster's status frozen until some Kubernetes event about it happened to arrive.
   */
  static io.javaoperatorsdk.operator.processing.retry.GenericRetry reconcileRetry() {
    return new io.javaoperatorsdk.operator.processing.retry.GenericRetry().setInitialInterval(2_000)
        .setIntervalMultiplier(1.5).setMaxInterval(30_000).withoutMaxAttempts();
  }

  /** {@code a=b,c=d} (the chart's OPERATOR_POD_LABELS) as a map; a malformed entry is a start-up error. */
  static java.util.Map<String, String> labels(String text) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    for (String kv : text.split(",")) {
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("OPERATOR_POD_LABELS: '" + kv + "' is not key=value (expected"
            + " app.kubernetes.io/name=topicmesh-operator,...)");
      }
      m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return m;
  }

  public int httpPort() {
    return http.port();
  }

  /** Stops reconciling (in-flight reconciles finish), releases the lease, closes the endpoints. */
  public void stop() {
    stopping.set(true);
    operator.stop();
    http.close();
  }

  /**
   * The operator's API client settings: {@code base} (kubeconfig or in-cluster) with no client-side
   * retries and short connect and request timeouts. The leader elector checks its renew deadline
   * only between attempts, so one renewal attempt must end well before the lease runs out; with the
   * client's default retries (10, backing off up to 3.2 s) and 10 s timeouts an attempt against an
   * unreachable API server took about 20 s, past the lease, and a standby could have reconciled
   * alongside the old leader. Failed reconciles are retried by the operator framework and informers
   * reconnect by themselves, so the client's own retries add nothing.
   */
  static Config apiClientConfig(Config base) {
    return new ConfigBuilder(base).withRequestRetryBackoffLimit(0)
        .withConnectionTimeout((int) API_CONNECT_TIMEOUT.toMillis())
        .withRequestTimeout((int) API_REQUEST_TIMEOUT.toMillis()).build();
  }

  /**
   * Waits for the API server to answer {@code GET /version} for at most {@code wait}, logging one
   * line per failed attempt; returns null when it answered, else the last failure in one line.
   */
  static String awaitApiServer(KubernetesClient client, Duration wait) {
    return awaitApiServer(client, wait, null);
  }

  /**
   * As {@link #awaitApiServer(KubernetesClient, Duration)}, and then until TopicClusters can be listed
   * in {@code namespace} (all when null) without a transient error: a restarted API server answers
   * 429 "storage is (re)initializing" for a while, and the operator's informers would fail their
   * first list and stop it. Other errors (403, 404: RBAC, CRD missing) are left to start-up to report.
   */
  static String awaitApiServer(KubernetesClient client, Duration wait, String namespace) {
    String server = client.getConfiguration().getMasterUrl();
    Config probeConfig = new ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0)
        .withConnectionTimeout(5_000).withRequestTimeout(5_000).build();
    long deadline = System.nanoTime() + wait.toNanos();
    String failure;
    try (KubernetesClient probe = new KubernetesClientBuilder().withConfig(probeConfig).build()) {
      while (true) {
        try {
          var version = probe.getKubernetesVersion();
          String notServing = topicClustersNotServed(probe, namespace);
          if (notServing == null) {
            LOG.info("API server {} answers (Kubernetes {}.{})", server, version.getMajor(), version.getMinor());
            return null;
          }
          failure = "the Kubernetes API server at " + server + " does not serve TopicClusters yet: " + notServing;
        } catch (RuntimeException e) {
          failure = "cannot reach the Kubernetes API server at " + server + ": " + rootCause(e);
        }
        if (System.nanoTime() >= deadline) {
          return failure;
        }
        LOG.warn("{}; retrying for up to {}s more", failure,
            Math.max(0, Duration.ofNanos(deadline - System.nanoTime()).toSeconds()));
        try {
          Thread.sleep(Math.min(2_000, Math.max(1, Duration.ofNanos(deadline - System.nanoTime()).toMillis())));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return failure;
        }
      }
    }
  }

  /** Null when listing TopicClusters works or fails for good; else the transient failure (429, 5xx). */
  private static String topicClustersNotServed(KubernetesClient probe, String namespace) {
    try {
      var resources = probe.resources(io.topicmesh.operator.api.v1alpha1.TopicCluster.class);
      (namespace == null ? resources.inAnyNamespace() : resources.inNamespace(namespace))
          .list(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withLimit(1L).build());
      return null;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == 429 || e.getCode() >= 500) {
        return "HTTP " + e.getCode() + " " + (e.getStatus() == null ? "" : e.getStatus().getMessage());
      }
      return null;
    }
  }

  /**
   * The cause chain in one line, for start-up errors, without the client's generic wrappers: e.g.
   * "ConnectException caused by ClosedChannelException" or "UnknownHostException: nowhere.example".
   */
  static String rootCause(Throwable e) {
    java.util.List<String> parts = new java.util.ArrayList<>();
    java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t) && parts.size() < 4; t = t.getCause()) {
      if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException && t.getCause() != null) {
        continue;
      }
      String message = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
      String part = t.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + message);
      if (parts.isEmpty() || !parts.get(parts.size() - 1).equals(part)) {
        parts.add(part);
      }
    }
    return String.join(" caused by ", parts);
  }

  public static void main(String[] args) throws Exception {
    KubernetesClient client;
    try {
      client = new KubernetesClientBuilder().withConfig(apiClientConfig(Config.autoConfigure(null))).build();
    } catch (RuntimeException e) {
      LOG.error("cannot configure the Kubernetes client (kubeconfig or in-cluster config): {}", rootCause(e));
      System.exit(2);
      return;
    }
    Map<String, String> env = System.getenv();
    Duration apiWait = Duration.ofSeconds(Long.parseLong(env.getOrDefault("API_SERVER_WAIT_SECONDS", "30")));
    String watch = env.get("WATCH_NAMESPACE");
    String unreachable = awaitApiServer(client, apiWait,
        watch == null || watch.isBlank() ? null : watch.split(",")[0].trim());
    if (unreachable != null) {
      LOG.error("{}; giving up after {}s, exiting", unreachable, apiWait.toSeconds());
      client.close();
      System.exit(1);
      return;
    }
    OperatorMain main;
    try {
      main = start(client, env, NodeEndpoints.podIp());
    } catch (Exception e) {
      LOG.error("cannot start the operator against {}: {}", client.getConfiguration().getMasterUrl(), rootCause(e));
      client.close();
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      main.stop();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }
}
