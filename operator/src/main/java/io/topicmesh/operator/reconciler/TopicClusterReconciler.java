package io.topicmesh.operator.reconciler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus;
import io.topicmesh.operator.identity.NodeIdentity;
import io.topicmesh.operator.model.GossipParams;
import io.topicmesh.operator.model.InvalidSpecException;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.node.NodeApiException;
import io.topicmesh.operator.node.NodeStatus;
import io.topicmesh.operator.tuning.Observation;
import io.topicmesh.operator.tuning.Tuner;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a TopicCluster: a straight chain of named steps over {@link TopicClusterModel}. Each run
 * also collects node status, which is why every run is rescheduled after the collection interval.
 *
 * <ol>
 *   <li>pause check; model validation (unrealisable specs become conditions, not exceptions);
 *   <li>generated Secrets: admin token and one identity per ordinal, created once, never replaced;
 *   <li>node status collection through the admin API;
 *   <li>tuning decision and live push of parameters (PUT /v1/params);
 *   <li>server-side apply of the desired objects (the StatefulSet replica count steps down one node
 *       at a time, each removal waiting for the mesh to heal);
 *   <li>mesh-aware rolling replacement of outdated pods, one at a time;
 *   <li>status, conditions, metrics.
 * </ol>
 */
@ControllerConfiguration(name = "topiccluster")
public class TopicClusterReconciler implements Reconciler<TopicCluster>, Cleaner<TopicCluster> {
  private static final Logger LOG = LoggerFactory.getLogger(TopicClusterReconciler.class);
  public static final String FIELD_MANAGER = "topicmesh-operator";
  static final String SERVICE_MONITOR_CRD = "servicemonitors.monitoring.coreos.com";
  /** Explicit, so no API discovery is needed (the CRD may appear after the client started). */
  static final ResourceDefinitionContext SERVICE_MONITOR = new ResourceDefinitionContext.Builder()
      .withGroup("monitoring.coreos.com").withVersion("v1").withKind("ServiceMonitor").withPlural("servicemonitors")
      .withNamespaced(true).build();

  private final KubernetesClient client;
  private final NodeAdminClient nodes;
  private final NodeEndpoints endpoints;
  private final Clock clock;
  private final SecureRandom random;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final TrafficTracker traffic = new TrafficTracker();
  /** Concurrent node status calls across all clusters; each call is bounded by the client's timeout. */
  static final int COLLECT_THREADS = 8;
  private static final ExecutorService COLLECTOR = Executors.newFixedThreadPool(COLLECT_THREADS, r -> {
    Thread t = new Thread(r, "node-status-collector");
    t.setDaemon(true);
    return t;
  });

  public TopicClusterReconciler(KubernetesClient client, NodeAdminClient nodes, NodeEndpoints endpoints, Clock clock,
      SecureRandom random, OperatorMetrics metrics) {
    this.client = client;
    this.nodes = nodes;
    this.endpoints = endpoints;
    this.clock = clock;
    this.random = random;
    this.metrics = metrics;
    this.events = new EventRecorder(client, clock);
  }

  @Override
  public List<EventSource<?, TopicCluster>> prepareEventSources(EventSourceContext<TopicCluster> context) {
    String managed = TopicClusterModel.MANAGED_BY_LABEL + "=" + TopicClusterModel.MANAGER;
    var statefulSets = InformerEventSourceConfiguration.from(StatefulSet.class, TopicCluster.class)
        .withName("statefulsets").withLabelSelector(managed)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(TopicCluster.class)).build();
    var pods = InformerEventSourceConfiguration.from(Pod.class, TopicCluster.class)
        .withName("pods").withLabelSelector(managed)
        .withSecondaryToPrimaryMapper(pod -> {
          String instance = pod.getMetadata().getLabels().get(TopicClusterModel.INSTANCE_LABEL);
          return instance == null ? Set.of() : Set.of(new ResourceID(instance, pod.getMetadata().getNamespace()));
        })
        .build();
    return List.of(new InformerEventSource<>(statefulSets, context), new InformerEventSource<>(pods, context));
  }

  @Override
  public UpdateControl<TopicCluster> reconcile(TopicCluster cr, Context<TopicCluster> context) {
    Instant started = clock.instant();
    Result result = reconcile(cr);
    metrics.reconciled(result.outcome, Duration.between(started, clock.instant()));
    cr.setStatus(result.status);
    // The operator is the only writer of status and patches it with server-side apply: no
    // optimistic lock, so a reconcile that started from a slightly stale cache does not conflict.
    cr.getMetadata().setResourceVersion(null);
    UpdateControl<TopicCluster> control = UpdateControl.patchStatus(cr);
    return result.requeueAfter == null ? control : control.rescheduleAfter(result.requeueAfter);
  }

  @Override
  public ErrorStatusUpdateControl<TopicCluster> updateErrorStatus(TopicCluster cr, Context<TopicCluster> context,
      Exception e) {
    metrics.reconciled("error", Duration.ZERO);
    TopicClusterStatus status = cr.getStatus() == null ? new TopicClusterStatus() : cr.getStatus();
    Instant now = clock.instant();
    Long generation = cr.getMetadata().getGeneration();
    Conditions.set(status.conditions, Conditions.READY, false, "ReconcileError", e.getMessage(), generation, now);
    Conditions.set(status.conditions, Conditions.DEGRADED, true, "ReconcileError", e.getMessage(), generation, now);
    LOG.warn("cluster={}/{} reconcile failed: {}", cr.getMetadata().getNamespace(), cr.getMetadata().getName(),
        e.getMessage());
    cr.setStatus(status);
    cr.getMetadata().setResourceVersion(null);
    return ErrorStatusUpdateControl.patchStatus(cr);
  }

  /**
   * A deleted cluster: the API server's garbage collector removes the owned objects (owner
   * references); the operator forgets its traffic samples and metrics for it.
   */
  @Override
  public DeleteControl cleanup(TopicCluster cr, Context<TopicCluster> context) {
    forget(cr);
    return DeleteControl.defaultDelete();
  }

  /** Drops the in-memory state kept for a cluster. */
  public void forget(TopicCluster cr) {
    traffic.forget(cr.getMetadata().getUid());
    metrics.forget(cr.getMetadata().getNamespace(), cr.getMetadata().getName());
    LOG.info("cluster={}/{} deleted; its objects go with it through their owner references",
        cr.getMetadata().getNamespace(), cr.getMetadata().getName());
  }

  /** The outcome of one run: the status to write and when to run again. */
  public record Result(TopicClusterStatus status, Duration requeueAfter, String outcome) {
  }

  /** One reconcile, without JOSDK (tests call it directly). */
  public Result reconcile(TopicCluster cr) {
    Instant now = clock.instant();
    TopicClusterStatus previous = cr.getStatus() == null ? new TopicClusterStatus() : cr.getStatus();
    TopicClusterStatus status = carryOver(previous);
    Long generation = cr.getMetadata().getGeneration();
    String where = cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();

    if (cr.isPaused()) {
      status.paused = true;
      Conditions.set(status.conditions, Conditions.PROGRESSING, false, "ReconciliationPaused",
          "annotation " + TopicCluster.PAUSE_ANNOTATION + "=true: no changes are made", generation, now);
      if (!Boolean.TRUE.equals(previous.paused)) {
        events.normal(cr, "ReconciliationPaused", "changes to " + where + " are paused");
      }
      return new Result(status, null, "paused");
    }
    status.paused = null;

    TopicClusterModel model;
    try {
      model = TopicClusterModel.from(cr);
    } catch (InvalidSpecException e) {
      Conditions.set(status.conditions, Conditions.READY, false, e.reason(), e.getMessage(), generation, now);
      if (Conditions.set(status.conditions, Conditions.DEGRADED, true, e.reason(), e.getMessage(), generation, now)) {
        events.warning(cr, e.reason(), e.getMessage());
      }
      Conditions.set(status.conditions, Conditions.PROGRESSING, false, e.reason(), "fix the spec", generation, now);
      status.observedGeneration = generation;
      return new Result(status, null, "invalid");
    }
    TopicClusterSpec spec = cr.getSpec();
    String ns = model.namespace();

    String token = ensureAdminToken(model);
    status.peers = ensureIdentities(model);

    StatefulSet existing = client.apps().statefulSets().inNamespace(ns).withName(model.name()).get();
    List<Pod> pods = pods(model);
    Map<String, NodeStatus> statuses = collect(cr, pods, token);
    int readyPods = (int) pods.stream().filter(TopicClusterReconciler::isReady).count();

    GossipParams current = effectiveFromStatus(spec, previous.effectiveParams);
    int dloNow = current == null ? spec.gossipsub.dlo : current.dlo();
    MeshReport mesh = MeshReport.of(spec.topics.stream().map(t -> t.name).toList(), statuses, pods.size(), dloNow);
    TopicClusterStatus.Traffic trafficNow = traffic.observe(cr.getMetadata().getUid(), statuses.values(), now);

    GossipParams effective = tune(cr, model, previous, status, current, trafficNow, now);
    status.effectiveParams = effective.toStatus();
    List<String> pushFailures = pushParams(cr, pods, statuses, effective, token);

    // Desired objects.
    int stsReplicas = scaleStep(model, existing, pods, mesh, spec);
    for (HasMetadata object : model.desiredObjects(effective, stsReplicas)) {
      apply(object);
    }
    reconcileServiceMonitor(model, spec);

    // Rolling replacement.
    RolloutOutcome rollout = roll(cr, model, pods, mesh, previous.rollout, now);
    status.rollout = rollout.status;

    // Status.
    status.observedGeneration = generation;
    status.replicas = spec.replicas;
    status.readyReplicas = readyPods;
    status.nodes = readyPods + "/" + spec.replicas;
    status.topicCount = spec.topics.size();
    status.mesh = mesh.topics();
    status.traffic = trafficNow;
    status.meshHealth = statuses.isEmpty() ? (spec.replicas == 0 ? "Healthy" : "Unknown")
        : mesh.healthy() ? "Healthy" : "Degraded";

    writeConditions(cr, status, new Observed(readyPods, pods.size(), stsReplicas, statuses.size(), mesh, rollout,
        pushFailures, effective), now);
    metrics.clusterStatus(ns, model.name(), status, spec.replicas);
    return new Result(status, Duration.ofSeconds(spec.metrics.collectIntervalSeconds), "success");
  }

  /** Decides the effective parameters (see {@link Tuner}) and records a change in status and as an Event. */
  private GossipParams tune(TopicCluster cr, TopicClusterModel model, TopicClusterStatus previous,
      TopicClusterStatus status, GossipParams current, TopicClusterStatus.Traffic trafficNow, Instant now) {
    TopicClusterSpec spec = cr.getSpec();
    Observation observed = new Observation(orZero(trafficNow.deliveredPerSecond), orZero(trafficNow.duplicatesPerMessage),
        orZero(trafficNow.latencyP99Ms), trafficNow.deliveryRatio == null ? Double.NaN : trafficNow.deliveryRatio);
    Instant lastChange = previous.lastTuning == null || previous.lastTuning.time == null ? null
        : Instant.parse(previous.lastTuning.time);
    var decision = Tuner.decide(spec, spec.replicas, current, observed, now, lastChange);
    if (decision.isEmpty()) {
      return current;
    }
    GossipParams effective = decision.get().params();
    TopicClusterStatus.TuningChange change = new TopicClusterStatus.TuningChange();
    change.time = now.toString();
    change.from = current == null ? null : current.toStatus();
    change.to = effective.toStatus();
    change.reason = decision.get().reason();
    status.lastTuning = change;
    metrics.tuningChange(model.namespace(), model.name());
    events.normal(cr, "Tuned", decision.get().reason() + " (d=" + effective.d() + " dlo=" + effective.dlo()
        + " dhi=" + effective.dhi() + ")");
    return effective;
  }

  /** What one reconcile saw and did, for the conditions. */
  private record Observed(int readyPods, int pods, int stsReplicas, int answered, MeshReport mesh,
      RolloutOutcome rollout, List<String> pushFailures, GossipParams effective) {
  }

  /** Ready, Progressing, Degraded, MeshHealthy, Tuned; Events on the transitions that matter. */
  private void writeConditions(TopicCluster cr, TopicClusterStatus status, Observed o, Instant now) {
    TopicClusterSpec spec = cr.getSpec();
    Long generation = cr.getMetadata().getGeneration();
    int readyPods = o.readyPods();
    int stsReplicas = o.stsReplicas();
    MeshReport mesh = o.mesh();
    RolloutOutcome rollout = o.rollout();
    List<String> pushFailures = o.pushFailures();
    GossipParams effective = o.effective();
    boolean scaling = stsReplicas != spec.replicas || o.pods() != spec.replicas;
    boolean rolling = rollout.status != null;
    boolean meshKnown = o.answered() > 0;
    if (spec.replicas == 0) {
      Conditions.set(status.conditions, Conditions.MESH_HEALTHY, true, "NoNodes", "no nodes requested", generation, now);
    } else if (!meshKnown) {
      Conditions.set(status.conditions, Conditions.MESH_HEALTHY, "Unknown", "NoNodeAnswered",
          "no node's admin API answered yet", generation, now);
    } else if (Conditions.set(status.conditions, Conditions.MESH_HEALTHY, mesh.healthy(),
        mesh.healthy() ? "MeshAtDlo" : "MeshBelowDlo", mesh.summary(), generation, now)) {
      if (mesh.healthy()) {
        events.normal(cr, "MeshHealthy", mesh.summary());
      } else {
        events.warning(cr, "MeshDegraded", mesh.summary());
      }
    }
    if (pushFailures.isEmpty()) {
      Conditions.set(status.conditions, Conditions.TUNED, true,
          spec.tuning.mode == io.topicmesh.operator.api.v1alpha1.TuningMode.Auto ? "AutoTuned" : "StaticParams",
          "d=" + effective.d() + " dlo=" + effective.dlo() + " dhi=" + effective.dhi() + " on "
              + o.answered() + " nodes", generation, now);
    } else {
      if (Conditions.set(status.conditions, Conditions.TUNED, false, "ParamsNotApplied",
          String.join("; ", pushFailures), generation, now)) {
        events.warning(cr, "ParamsNotApplied", String.join("; ", pushFailures));
      }
    }
    Conditions.set(status.conditions, Conditions.PROGRESSING, scaling || rolling,
        rolling ? "RollingUpdate" : scaling ? "Scaling" : "UpToDate",
        rolling ? "replacing " + rollout.status.currentPod : scaling ? "pods " + o.pods() + " -> " + spec.replicas
            : "all pods match the spec", generation, now);
    boolean degraded = rollout.stalledMessage != null;
    if (Conditions.set(status.conditions, Conditions.DEGRADED, degraded, degraded ? "RolloutStalled" : "AsExpected",
        degraded ? rollout.stalledMessage : "", generation, now) && degraded) {
      events.warning(cr, "RolloutStalled", rollout.stalledMessage);
    }
    boolean ready = readyPods == spec.replicas && !scaling && !rolling && !degraded
        && (spec.replicas == 0 || mesh.healthy());
    String notReady = readyPods != spec.replicas ? readyPods + " of " + spec.replicas + " nodes ready"
        : scaling || rolling ? "update in progress" : degraded ? rollout.stalledMessage : mesh.summary();
    if (Conditions.set(status.conditions, Conditions.READY, ready, ready ? "ClusterReady" : "NotReady",
        ready ? spec.replicas + " nodes ready, meshes healthy" : notReady, generation, now)) {
      events.normal(cr, ready ? "ClusterReady" : "ClusterNotReady", ready ? "cluster ready" : notReady);
    }
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  private static TopicClusterStatus carryOver(TopicClusterStatus previous) {
    TopicClusterStatus status = new TopicClusterStatus();
    status.conditions = previous.conditions == null ? new ArrayList<>() : new ArrayList<>(previous.conditions);
    status.lastTuning = previous.lastTuning;
    status.effectiveParams = previous.effectiveParams;
    status.rollout = previous.rollout;
    status.peers = previous.peers;
    status.observedGeneration = previous.observedGeneration;
    status.replicas = previous.replicas;
    status.readyReplicas = previous.readyReplicas;
    status.nodes = previous.nodes;
    status.topicCount = previous.topicCount;
    status.meshHealth = previous.meshHealth;
    status.mesh = previous.mesh;
    status.traffic = previous.traffic;
    return status;
  }

  /** The effective parameters recorded in status, completed from the spec; null if none or invalid. */
  static GossipParams effectiveFromStatus(TopicClusterSpec spec, TopicClusterStatus.EffectiveParams p) {
    if (p == null || p.d == null || p.dlo == null || p.dhi == null) {
      return null;
    }
    GossipParams s = GossipParams.fromSpec(spec.gossipsub);
    try {
      return new GossipParams(p.d, p.dlo, p.dhi, p.dlazy == null ? s.dlazy() : p.dlazy,
          p.dout == null ? s.dout() : p.dout, p.dscore == null ? s.dscore() : p.dscore, s.heartbeatIntervalMs(),
          s.historyLength(), s.historyGossip(), s.fanoutTtlMs(), s.seenTtlMs(), s.floodPublish(),
          s.idontwantThreshold());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  // ---- generated Secrets -------------------------------------------------------------------

  private String ensureAdminToken(TopicClusterModel model) {
    Secret secret = client.secrets().inNamespace(model.namespace()).withName(model.adminTokenSecretName()).get();
    if (secret == null) {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      secret = createOnce(model.adminTokenSecret(token));
    }
    String encoded = secret.getData() == null ? null : secret.getData().get(TopicClusterModel.TOKEN_FILE);
    if (encoded == null) {
      throw new IllegalStateException("Secret " + model.adminTokenSecretName() + " has no '" + TopicClusterModel.TOKEN_FILE
          + "' entry; delete it to have a new token generated");
    }
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8).trim();
  }

  /** Creates each missing identity Secret; existing ones are read, never rewritten. */
  private List<TopicClusterStatus.NodeIdentity> ensureIdentities(TopicClusterModel model) {
    Map<String, Secret> existing = new LinkedHashMap<>();
    client.secrets().inNamespace(model.namespace()).withLabels(model.selectorLabels())
        .withLabel(TopicClusterModel.ORDINAL_LABEL).list().getItems()
        .forEach(s -> existing.put(s.getMetadata().getName(), s));
    List<TopicClusterStatus.NodeIdentity> peers = new ArrayList<>();
    for (int ordinal = 0; ordinal < model.replicas(); ordinal++) {
      Secret secret = existing.get(model.identitySecretName(ordinal));
      if (secret == null) {
        secret = createOnce(model.identitySecret(ordinal, NodeIdentity.generate(random)));
      }
      String peerId;
      try {
        byte[] key = Base64.getDecoder().decode(secret.getData().get(TopicClusterModel.KEY_FILE));
        peerId = NodeIdentity.fromPrivateKeyProtobuf(key).peerId();
      } catch (RuntimeException e) {
        throw new IllegalStateException("identity Secret " + model.identitySecretName(ordinal)
            + " does not hold a libp2p Ed25519 key: " + e.getMessage(), e);
      }
      peers.add(new TopicClusterStatus.NodeIdentity(model.podName(ordinal), peerId));
    }
    return peers;
  }

  /** Creates a generated Secret; when another writer won the race, theirs is kept. */
  private Secret createOnce(Secret secret) {
    try {
      return client.secrets().inNamespace(secret.getMetadata().getNamespace()).resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return client.secrets().inNamespace(secret.getMetadata().getNamespace())
            .withName(secret.getMetadata().getName()).get();
      }
      throw e;
    }
  }

  // ---- nodes -------------------------------------------------------------------------------

  private List<Pod> pods(TopicClusterModel model) {
    List<Pod> pods = new ArrayList<>(client.pods().inNamespace(model.namespace()).withLabels(model.selectorLabels())
        .list().getItems());
    pods.sort(Comparator.comparingInt(TopicClusterReconciler::ordinal));
    return pods;
  }

  static int ordinal(Pod pod) {
    String name = pod.getMetadata().getName();
    try {
      return Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
    } catch (NumberFormatException e) {
      return Integer.MAX_VALUE;
    }
  }

  static boolean isReady(Pod pod) {
    return pod.getMetadata().getDeletionTimestamp() == null && pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** Reads every pod's status concurrently (at most {@link #COLLECT_THREADS} calls at a time). */
  private Map<String, NodeStatus> collect(TopicCluster cr, List<Pod> pods, String token) {
    Map<String, CompletableFuture<NodeStatus>> calls = new LinkedHashMap<>();
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      Optional<URI> admin = endpoints.admin(pod);
      if (admin.isEmpty()) {
        continue;
      }
      calls.put(pod.getMetadata().getName(), CompletableFuture.supplyAsync(() -> {
        try {
          return nodes.status(admin.get(), token);
        } catch (NodeApiException e) {
          metrics.nodeApiError(cr.getMetadata().getNamespace(), cr.getMetadata().getName());
          LOG.info("cluster={}/{} pod={} status unavailable: {}", cr.getMetadata().getNamespace(),
              cr.getMetadata().getName(), pod.getMetadata().getName(), e.getMessage());
          return null;
        }
      }, COLLECTOR));
    }
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    calls.forEach((pod, call) -> {
      NodeStatus status = call.join();
      if (status != null) {
        statuses.put(pod, status);
      }
    });
    return statuses;
  }

  /** PUTs the effective parameters to every answering node that does not report them yet. */
  private List<String> pushParams(TopicCluster cr, List<Pod> pods, Map<String, NodeStatus> statuses,
      GossipParams effective, String token) {
    List<String> failures = new ArrayList<>();
    for (Pod pod : pods) {
      NodeStatus status = statuses.get(pod.getMetadata().getName());
      if (status == null || effective.matches(status.params())) {
        continue;
      }
      ObjectNode body = status.params() == null ? effective.toJson() : status.params().deepCopy();
      body.setAll(effective.toJson());
      try {
        ObjectNode applied = nodes.putParams(endpoints.admin(pod).orElseThrow(), token, body);
        if (!effective.matches(applied)) {
          failures.add(pod.getMetadata().getName() + ": node reports other params after PUT");
        }
      } catch (NodeApiException e) {
        metrics.nodeApiError(cr.getMetadata().getNamespace(), cr.getMetadata().getName());
        failures.add(pod.getMetadata().getName() + ": " + e.getMessage());
      }
    }
    return failures;
  }

  // ---- objects -----------------------------------------------------------------------------

  /** Server-side apply as the operator's field manager; an unchanged object is a no-op on the server. */
  private void apply(HasMetadata object) {
    client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
  }

  private void reconcileServiceMonitor(TopicClusterModel model, TopicClusterSpec spec) {
    boolean wanted = Boolean.TRUE.equals(spec.metrics.serviceMonitor);
    boolean crdInstalled;
    try {
      crdInstalled = client.apiextensions().v1().customResourceDefinitions().withName(SERVICE_MONITOR_CRD).get() != null;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      crdInstalled = false; // not allowed to look: behave as without the CRD
    }
    if (!crdInstalled) {
      return;
    }
    var monitors = client.genericKubernetesResources(SERVICE_MONITOR).inNamespace(model.namespace());
    if (wanted) {
      monitors.resource(model.serviceMonitor()).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    } else {
      monitors.withName(model.name()).delete();
    }
  }

  /**
   * The StatefulSet replica count to apply now. Scale-up goes straight to the spec. Scale-down removes
   * one node at a time: the pod's termination makes the node PRUNE its mesh peers (graceful shutdown),
   * and the next node goes only once the removed pod is gone and the remaining meshes are healthy.
   */
  private int scaleStep(TopicClusterModel model, StatefulSet existing, List<Pod> pods, MeshReport mesh,
      TopicClusterSpec spec) {
    int desired = spec.replicas;
    if (existing == null || existing.getSpec().getReplicas() == null) {
      return desired;
    }
    int current = existing.getSpec().getReplicas();
    if (desired >= current) {
      return desired;
    }
    // Only nodes that exist need draining: ordinals without a pod are dropped at once.
    int top = pods.stream().mapToInt(TopicClusterReconciler::ordinal).max().orElse(-1) + 1;
    if (top <= desired) {
      return desired;
    }
    if (top > current) {
      return current; // the node removed last is still terminating
    }
    boolean allReady = pods.stream().allMatch(TopicClusterReconciler::isReady);
    boolean meshOk = !Boolean.TRUE.equals(spec.rollout.meshHealthGate) || mesh.healthy();
    return allReady && meshOk ? top - 1 : top;
  }

  // ---- rolling update ----------------------------------------------------------------------

  private record RolloutOutcome(TopicClusterStatus.RolloutStatus status, String stalledMessage) {
  }

  /**
   * Replaces outdated pods (template hash differs) one at a time. After deleting a pod it waits until
   * the pod is back, Ready, on the new template and every topic's mesh is healthy; past
   * {@code rollout.healthTimeoutSeconds} the cluster is reported Degraded and the rollout holds.
   */
  private RolloutOutcome roll(TopicCluster cr, TopicClusterModel model, List<Pod> pods, MeshReport mesh,
      TopicClusterStatus.RolloutStatus previous, Instant now) {
    String target = model.templateHash();
    boolean gate = Boolean.TRUE.equals(cr.getSpec().rollout.meshHealthGate);
    List<Pod> outdated = pods.stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> !target.equals(annotation(p, TopicClusterModel.TEMPLATE_HASH_ANNOTATION)))
        .sorted(Comparator.comparingInt(TopicClusterReconciler::ordinal).reversed())
        .toList();
    int updated = (int) pods.stream()
        .filter(p -> target.equals(annotation(p, TopicClusterModel.TEMPLATE_HASH_ANNOTATION))).count();

    if (previous != null && previous.currentPod != null && target.equals(previous.targetHash)) {
      Pod replaced = pods.stream().filter(p -> previous.currentPod.equals(p.getMetadata().getName())).findFirst()
          .orElse(null);
      boolean back = replaced != null && replaced.getMetadata().getDeletionTimestamp() == null
          && target.equals(annotation(replaced, TopicClusterModel.TEMPLATE_HASH_ANNOTATION)) && isReady(replaced);
      if (!back || (gate && !mesh.healthy())) {
        Instant since = Instant.parse(previous.since);
        Duration timeout = Duration.ofSeconds(cr.getSpec().rollout.healthTimeoutSeconds);
        String waiting = !back ? "pod " + previous.currentPod + " not back and Ready" : "mesh not healthy: " + mesh.summary();
        String stalled = now.isAfter(since.plus(timeout))
            ? "rolling update stalled for more than " + timeout.toSeconds() + "s: " + waiting : null;
        TopicClusterStatus.RolloutStatus holding = copy(previous);
        holding.updatedReplicas = updated;
        return new RolloutOutcome(holding, stalled);
      }
      events.normal(cr, "PodReplaced", "pod " + previous.currentPod + " is Ready on the new template"
          + (gate ? " and every topic's mesh is healthy" : ""));
    }
    if (outdated.isEmpty()) {
      return new RolloutOutcome(null, null);
    }
    TopicClusterStatus.RolloutStatus rolling = new TopicClusterStatus.RolloutStatus();
    rolling.targetHash = target;
    rolling.updatedReplicas = updated;
    boolean allReady = pods.stream().allMatch(TopicClusterReconciler::isReady);
    if (!allReady || (gate && !mesh.healthy())) {
      // Never take a node away from a cluster that is not whole yet.
      rolling.currentPod = null;
      rolling.since = now.toString();
      return new RolloutOutcome(rolling, null);
    }
    Pod next = outdated.get(0);
    client.pods().inNamespace(model.namespace()).withName(next.getMetadata().getName()).delete();
    events.normal(cr, "RollingPod", "replacing pod " + next.getMetadata().getName() + " (template "
        + annotation(next, TopicClusterModel.TEMPLATE_HASH_ANNOTATION) + " -> " + target + "), "
        + (outdated.size() - 1) + " more to go");
    rolling.currentPod = next.getMetadata().getName();
    rolling.since = now.toString();
    return new RolloutOutcome(rolling, null);
  }

  private static TopicClusterStatus.RolloutStatus copy(TopicClusterStatus.RolloutStatus r) {
    TopicClusterStatus.RolloutStatus c = new TopicClusterStatus.RolloutStatus();
    c.targetHash = r.targetHash;
    c.currentPod = r.currentPod;
    c.since = r.since;
    c.updatedReplicas = r.updatedReplicas;
    return c;
  }

  private static String annotation(HasMetadata object, String key) {
    Map<String, String> annotations = object.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(key);
  }
}
