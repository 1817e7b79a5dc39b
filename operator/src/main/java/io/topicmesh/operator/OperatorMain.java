package io.topicmesh.operator;

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
 * {@code NODE_API_TIMEOUT_SECONDS} (default 5).
 */
public final class OperatorMain {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);
  static final String LEASE_NAME = "topicmesh-operator-leader";

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
            LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
            LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
            LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE, identity, callbacks, false));
      }
    });
    Duration nodeTimeout = Duration.ofSeconds(Long.parseLong(env.getOrDefault("NODE_API_TIMEOUT_SECONDS", "5")));
    var reconciler = new TopicClusterReconciler(client, new NodeAdminClient(nodeTimeout), endpoints,
        Clock.systemUTC(), new SecureRandom(), metrics);
    String watch = env.get("WATCH_NAMESPACE");
    operator.register(reconciler, c -> {
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

  public int httpPort() {
    return http.port();
  }

  /** Stops reconciling (in-flight reconciles finish), releases the lease, closes the endpoints. */
  public void stop() {
    stopping.set(true);
    operator.stop();
    http.close();
  }

  public static void main(String[] args) throws Exception {
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorMain main = start(client, System.getenv(), NodeEndpoints.podIp());
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
