package io.topicmesh.operator.reconciler;

import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.node.NodeApiException;
import io.topicmesh.operator.node.NodeStatus;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects {@code GET /v1/status} from a cluster's nodes off the reconcile threads. A collection
 * round calls every node at once on a bounded pool ({@link #THREADS} threads, {@link #QUEUE} queued
 * calls, each call bounded by the client's timeout). A reconcile asks for a round, waits at most
 * {@code waitBudget} for it and otherwise goes on with the last complete round: a reconcile stays
 * bounded whatever the nodes do. Rounds of one cluster never overlap.
 */
public final class NodeCollector implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCollector.class);
  static final int THREADS = 8;
  static final int QUEUE = 4096;
  /** Clusters remembered at most (a cluster is forgotten when deleted). */
  static final int MAX_CLUSTERS = 10_000;

  /** A node to read: its pod (name and UID, so a replaced pod's figures are never mixed in) and address. */
  public record Target(String pod, String podUid, URI admin) {
  }

  /**
   * The outcome of the last complete round: status per pod name (answering nodes only), the error
   * per pod that did not answer, when the round ended, and its number (0: no round ended yet).
   */
  public record Snapshot(Map<String, NodeStatus> statuses, Map<String, String> errors, Instant completedAt,
      long round) {
    static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), null, 0);
  }

  private record Answer(Target target, NodeStatus status, String error) {
  }

  private static final class ClusterState {
    Snapshot last = Snapshot.EMPTY;
    CompletableFuture<Snapshot> inFlight;
    long rounds;
  }

  private final NodeAdminClient nodes;
  private final Clock clock;
  private final Duration waitBudget;
  private final ThreadPoolExecutor executor;
  private final Map<String, ClusterState> clusters = new LinkedHashMap<>();

  /**
   * @param waitBudget how long a reconcile waits for a round before using the previous one
   */
  public NodeCollector(NodeAdminClient nodes, Clock clock, Duration waitBudget) {
    this.nodes = nodes;
    this.clock = clock;
    this.waitBudget = waitBudget;
    AtomicInteger n = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
        r -> {
          Thread t = new Thread(r, "node-status-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    executor.allowCoreThreadTimeOut(true);
  }

  /**
   * Starts a round for the cluster unless one is running, waits up to the budget for it, and returns
   * the latest complete round restricted to the given targets (pods that left are dropped).
   *
   * @param onError called once per failed call (metrics, logs), on a collector thread
   */
  public Snapshot collect(String cluster, List<Target> targets, String token, java.util.function.Consumer<String> onError) {
    return collect(cluster, targets, io.topicmesh.operator.node.NodeAccess.plain(token), onError);
  }

  /** As {@link #collect(String, List, String, java.util.function.Consumer)}, through the cluster's access (TLS trust). */
  public Snapshot collect(String cluster, List<Target> targets, io.topicmesh.operator.node.NodeAccess token,
      java.util.function.Consumer<String> onError) {
    CompletableFuture<Snapshot> round;
    ClusterState state;
    synchronized (this) {
      state = clusters.get(cluster);
      if (state == null) {
        if (clusters.size() >= MAX_CLUSTERS) {
          clusters.remove(clusters.keySet().iterator().next());
        }
        state = new ClusterState();
        clusters.put(cluster, state);
      }
      if (state.inFlight == null || state.inFlight.isDone()) {
        state.inFlight = startRound(cluster, state, targets, token, onError);
      }
      round = state.inFlight;
    }
    try {
      round.get(waitBudget.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      LOG.debug("cluster={} status round still running after {} ms; using the previous round", cluster,
          waitBudget.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      LOG.warn("cluster={} status round failed: {}", cluster, e.getCause().toString());
    }
    Snapshot last;
    synchronized (this) {
      last = state.last;
    }
    return restrict(last, targets);
  }

  private CompletableFuture<Snapshot> startRound(String cluster, ClusterState state, List<Target> targets,
      io.topicmesh.operator.node.NodeAccess token,
      java.util.function.Consumer<String> onError) {
    List<CompletableFuture<Answer>> calls = new ArrayList<>();
    for (Target target : targets) {
      CompletableFuture<Answer> call;
      try {
        call = CompletableFuture.supplyAsync(() -> {
          try {
            return new Answer(target, nodes.status(target.admin(), token), null);
          } catch (NodeApiException e) {
            onError.accept(target.pod() + ": " + e.getMessage());
            return new Answer(target, null, e.getMessage());
          } catch (RuntimeException e) {
            String message = target.admin() + ": " + e;
            onError.accept(target.pod() + ": " + message);
            return new Answer(target, null, message);
          }
        }, executor);
      } catch (RejectedExecutionException e) {
        call = CompletableFuture.completedFuture(new Answer(target, null, "collector queue full (" + QUEUE + " calls)"));
      }
      calls.add(call);
    }
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      Map<String, NodeStatus> statuses = new LinkedHashMap<>();
      Map<String, String> errors = new LinkedHashMap<>();
      for (CompletableFuture<Answer> call : calls) {
        Answer a = call.join();
        String key = a.target().pod() + "/" + a.target().podUid();
        if (a.status() != null) {
          statuses.put(key, a.status());
        } else {
          errors.put(key, a.error());
        }
      }
      synchronized (this) {
        state.rounds++;
        state.last = new Snapshot(statuses, errors, clock.instant(), state.rounds);
        return state.last;
      }
    });
  }

  /** The snapshot's entries for the current pods only, keyed by pod name. */
  private static Snapshot restrict(Snapshot s, List<Target> targets) {
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    Map<String, String> errors = new LinkedHashMap<>();
    for (Target t : targets) {
      String key = t.pod() + "/" + t.podUid();
      if (s.statuses().containsKey(key)) {
        statuses.put(t.pod(), s.statuses().get(key));
      } else if (s.errors().containsKey(key)) {
        errors.put(t.pod(), s.errors().get(key));
      }
    }
    return new Snapshot(statuses, errors, s.completedAt(), s.round());
  }

  /** Forgets a deleted cluster. */
  public synchronized void forget(String cluster) {
    clusters.remove(cluster);
  }

  /** Runs a node call on the collector pool (bounded); fails at once when the pool is saturated. */
  CompletableFuture<Void> run(Runnable task, String what) {
    try {
      return CompletableFuture.runAsync(task, executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(new IllegalStateException(what + ": collector queue full (" + QUEUE
          + " calls)"));
    }
  }

  NodeAdminClient nodes() {
    return nodes;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
