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
import io.topicmesh.operator.model.ScoreGuard;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.NodeAccess;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.tls.AdminCertificates;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a TopicCluster: a straight chain of named steps over {@link TopicClusterModel}. Each run
 * also uses fresh node status, which is why every run is rescheduled after the collection interval.
 * Reads of owned objects go through {@link ClusterReads} (informer caches in the operator).
 *
 * <ol>
 *   <li>pause check; model validation (unrealisable specs become conditions, not exceptions);
 *   <li>generated Secrets: admin token and one identity per ordinal, created once, never replaced;
 *   <li>the latest node status, collected off the reconcile thread ({@link NodeCollector});
 *   <li>tuning decision, score guard ({@link ScoreGuard}) and live push of parameters and topics
 *       (PUT /v1/params, PUT/DELETE /v1/topics/{t});
 *   <li>the {@link RolloutPlanner}'s plan: StatefulSet replicas, pod deletions, waits with deadlines;
 *   <li>server-side apply of the desired objects, then the plan's pod deletions;
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
  /** Names of the informer event sources whose caches serve the reconciler's reads. */
  static final String STATEFULSETS = "statefulsets";
  static final String PODS = "pods";
  static final String SECRETS = "secrets";
  /** How long a reconcile waits for a node status round before using the previous one. */
  public static final Duration DEFAULT_COLLECT_WAIT = Duration.ofSeconds(2);
  /** How often the ServiceMonitor CRD's presence is looked up again. */
  static final Duration SERVICE_MONITOR_CHECK = Duration.ofMinutes(1);

  private final KubernetesClient client;
  private final NodeEndpoints endpoints;
  private final Clock clock;
  private final SecureRandom random;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final TrafficTracker traffic = new TrafficTracker();
  private final NodeCollector collector;
  private final TopicSync topics;
  private final Duration pushBudget;
  /**
   * The rollout state this process last decided, per cluster uid. JOSDK does not put a status patch
   * into its cache, so a reconcile triggered by a pod event can start from a status older than the one
   * this process just wrote; planning from it forgot which pod was being replaced, and the next pod
   * went without waiting for the replaced one's mesh. The operator is the only writer of
   * status.rollout and status.waits, so its own last decision is the newest; after a restart the
   * status in the cache is.
   */
  private final Map<String, RolloutMemo> rolloutMemo = new ConcurrentHashMap<>();

  private record RolloutMemo(TopicClusterStatus.RolloutStatus rollout, List<TopicClusterStatus.Wait> waits) {
  }
  /** Per cluster: the newest rates and probe figures (for tuning and metrics; never written into status). */
  private final Map<String, TrafficRound> lastTraffic = new ConcurrentHashMap<>();
  private volatile String operatorNamespace;
  private volatile Map<String, String> operatorPodLabels = Map.of();
  private volatile Instant serviceMonitorCheckedAt;
  private volatile boolean serviceMonitorCrd;

  private record TrafficRound(long round, ClusterTraffic traffic) {
  }

  public TopicClusterReconciler(KubernetesClient client, NodeAdminClient nodes, NodeEndpoints endpoints, Clock clock,
      SecureRandom random, OperatorMetrics metrics) {
    this(client, nodes, endpoints, clock, random, metrics, DEFAULT_COLLECT_WAIT);
  }

  /**
   * @param collectWait how long a reconcile waits for the nodes' status (see {@link NodeCollector})
   */
  public TopicClusterReconciler(KubernetesClient client, NodeAdminClient nodes, NodeEndpoints endpoints, Clock clock,
      SecureRandom random, OperatorMetrics metrics, Duration collectWait) {
    this.client = client;
    this.endpoints = endpoints;
    this.clock = clock;
    this.random = random;
    this.metrics = metrics;
    this.events = new EventRecorder(client, clock);
    this.collector = new NodeCollector(nodes, clock, collectWait);
    this.topics = new TopicSync(nodes);
    this.pushBudget = collectWait.plus(nodes.timeout().multipliedBy(2));
  }

  /**
   * Where the operator's own pods are, for the nodes' NetworkPolicy (spec.security.networkPolicy).
   *
   * @param namespace the operator's namespace
   * @param podLabels labels selecting the operator's pods
   */
  public TopicClusterReconciler withOperatorPods(String namespace, Map<String, String> podLabels) {
    this.operatorNamespace = namespace;
    this.operatorPodLabels = Map.copyOf(podLabels);
    return this;
  }

  @Override
  public List<EventSource<?, TopicCluster>> prepareEventSources(EventSourceContext<TopicCluster> context) {
    String managed = TopicClusterModel.MANAGED_BY_LABEL + "=" + TopicClusterModel.MANAGER;
    var statefulSets = InformerEventSourceConfiguration.from(StatefulSet.class, TopicCluster.class)
        .withName(STATEFULSETS).withLabelSelector(managed)
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(TopicCluster.class)).build();
    var pods = InformerEventSourceConfiguration.from(Pod.class, TopicCluster.class)
        .withName(PODS).withLabelSelector(managed)
        .withSecondaryToPrimaryMapper(TopicClusterReconciler::byInstanceLabel).build();
    var secrets = InformerEventSourceConfiguration.from(Secret.class, TopicCluster.class)
        .withName(SECRETS).withLabelSelector(managed)
        .withSecondaryToPrimaryMapper(TopicClusterReconciler::byInstanceLabel).build();
    return List.of(new InformerEventSource<>(statefulSets, context), new InformerEventSource<>(pods, context),
        new InformerEventSource<>(secrets, context));
  }

  private static Set<ResourceID> byInstanceLabel(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    String instance = labels == null ? null : labels.get(TopicClusterModel.INSTANCE_LABEL);
    return instance == null ? Set.of() : Set.of(new ResourceID(instance, object.getMetadata().getNamespace()));
  }

  @Override
  public UpdateControl<TopicCluster> reconcile(TopicCluster cr, Context<TopicCluster> context) {
    Instant started = clock.instant();
    Result result = reconcile(cr, ClusterReads.informers(context));
    metrics.reconciled(cr.getMetadata().getNamespace(), cr.getMetadata().getName(), result.outcome,
        Duration.between(started, clock.instant()));
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
    metrics.reconciled(cr.getMetadata().getNamespace(), cr.getMetadata().getName(), "error", Duration.ZERO);
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
    String uid = cr.getMetadata().getUid();
    traffic.forget(uid);
    collector.forget(uid);
    topics.forget(uid);
    rolloutMemo.remove(uid);
    lastTraffic.remove(uid);
    metrics.forget(cr.getMetadata().getNamespace(), cr.getMetadata().getName());
    LOG.info("cluster={}/{} deleted; its objects go with it through their owner references",
        cr.getMetadata().getNamespace(), cr.getMetadata().getName());
  }

  /** The outcome of one run: the status to write and when to run again. */
  public record Result(TopicClusterStatus status, Duration requeueAfter, String outcome) {
  }

  /** One reconcile, without JOSDK (tests call it directly): reads go to the API server. */
  public Result reconcile(TopicCluster cr) {
    return reconcile(cr, ClusterReads.direct(client));
  }

  /** One reconcile, reading owned objects through {@code reads}. */
  public Result reconcile(TopicCluster cr, ClusterReads reads) {
    Instant now = clock.instant();
    TopicClusterStatus previous = cr.getStatus() == null ? new TopicClusterStatus() : cr.getStatus();
    TopicClusterStatus status = carryOver(previous);
    Long generation = cr.getMetadata().getGeneration();
    String where = cr.getMetadata().getNamespace() + "/" + cr.getMetadata().getName();
    String uid = cr.getMetadata().getUid();

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

    // 1. Generated Secrets: tokens of every scope, identities, the admin API's TLS.
    String adminToken = ensureAdminToken(model, reads);
    ensureScopeTokens(model, reads);
    status.peers = ensureIdentities(model, reads);
    String caPem = ensureAdminTls(model, reads, cr, now);
    NodeAccess token;
    try {
      token = caPem == null ? NodeAccess.plain(adminToken)
          : collector.nodes().access(adminToken, caPem.getBytes(StandardCharsets.US_ASCII));
    } catch (NodeApiException e) {
      throw new IllegalStateException("cluster " + where + ": " + e.getMessage(), e);
    }

    // 2. What exists, and the nodes' latest status (bounded wait, see NodeCollector).
    StatefulSet existing = reads.statefulSet(model).orElse(null);
    List<Pod> pods = new ArrayList<>(reads.pods(model));
    pods.sort(Comparator.comparingInt(TopicClusterReconciler::ordinal));
    List<PodView> views = pods.stream().map(PodView::of).toList();
    NodeCollector.Snapshot snapshot = collector.collect(uid, targets(pods, model.adminTls()), token, error -> {
      metrics.nodeApiError(ns, model.name(), OperatorMetrics.NodeCall.STATUS);
      LOG.info("cluster={} status unavailable from {}", where, error);
    });
    Map<String, NodeStatus> statuses = snapshot.statuses();
    int readyPods = (int) views.stream().filter(PodView::ready).count();
    Map<String, NodeStatus> staying = new LinkedHashMap<>();
    statuses.forEach((pod, s) -> {
      if (PodView.ordinal(pod) < spec.replicas) {
        staying.put(pod, s);
      }
    });
    int expected = (int) views.stream().filter(p -> !p.terminating() && p.ordinal() < spec.replicas).count();

    // 3. Mesh, traffic, tuning.
    GossipParams current = effectiveFromStatus(spec, previous.effectiveParams);
    int dloNow = current == null ? spec.gossipsub.dlo : current.dlo();
    // a topic with its own degrees is judged against its own Dlo
    Map<String, GossipParams> topicsNow = new LinkedHashMap<>(model.topicParamsFromSpec());
    topicsNow.replaceAll((t, p) -> Optional.ofNullable(topicFromStatus(spec, previous, t)).orElse(p));
    java.util.function.ToIntFunction<String> dloOf = t -> topicsNow.containsKey(t) ? topicsNow.get(t).dlo() : dloNow;
    List<String> topicNames = spec.topics.stream().map(t -> t.name).toList();
    MeshReport mesh = MeshReport.of(topicNames, staying, expected, dloOf);
    // The rollout and scale-down gate looks at the nodes that serve: a pod that is down is the
    // planner's business (it waits for it, or replaces it), not a reason to call the others' meshes bad.
    // With no pod that stays (scaling to zero) there is no mesh to wait for.
    // A Ready pod that did not answer (the replaced pod before its first round) counts as not answered.
    int readyStaying = (int) views.stream().filter(p -> !p.terminating() && p.ordinal() < spec.replicas && p.ready())
        .count();
    MeshReport serving = MeshReport.serving(topicNames, staying, readyStaying, dloOf);
    ClusterTraffic trafficNow = trafficOf(uid, snapshot);
    GossipParams effective = tune(cr, model, previous, status, current, trafficNow, now);
    status.effectiveParams = effective.toStatus();
    Map<String, GossipParams> topicParams = tuneTopics(cr, previous, status, effective, mesh,
        traffic.topicTraffic(uid), now);

    // 4. Topics with guarded score parameters; live push of params and topics.
    ScoreGuard.Decision scores = ScoreGuard.decide(spec.topics, traffic.topicRates(uid),
        Math.min(effective.dhi(), Math.max(1, spec.replicas - 1)), guardedTopics(previous));
    status.scoreGuard = scores.guarded().isEmpty() ? null : scores.guarded().stream()
        .map(g -> new TopicClusterStatus.GuardedTopic(g.topic(), g.message())).toList();
    List<Map<String, Object>> entries = model.topicEntries(scores, topicParams);
    Pushed pushed = push(cr, pods, statuses, effective, entries, token, model.adminTls());

    // 5. The plan: replicas, pod deletions, waits.
    RolloutMemo memo = rolloutMemo.get(uid);
    RolloutPlanner.Plan plan = RolloutPlanner.plan(new RolloutPlanner.Input(spec.replicas,
        existing == null ? null : existing.getSpec().getReplicas(), model.templateHash(), views,
        serving.healthy() || expected == 0, serving.summary(), Boolean.TRUE.equals(spec.rollout.meshHealthGate),
        Duration.ofSeconds(spec.rollout.healthTimeoutSeconds), now, memo == null ? previous.rollout : memo.rollout(),
        memo == null ? previous.waits : memo.waits()));
    rolloutMemo.put(uid, new RolloutMemo(plan.rollout(), plan.waits()));

    // 6. Desired objects, then the plan's deletions.
    Integer replicasBefore = existing == null ? null : existing.getSpec().getReplicas();
    if (replicasBefore != null && replicasBefore != plan.statefulSetReplicas()) {
      LOG.info("cluster={} StatefulSet replicas {} -> {} (spec {})", where, replicasBefore, plan.statefulSetReplicas(),
          spec.replicas);
    }
    for (HasMetadata object : model.desiredObjects(effective, scores, topicParams, plan.statefulSetReplicas())) {
      apply(object);
    }
    reconcileServiceMonitor(model, spec, now);
    reconcileNetworkPolicy(model);
    for (RolloutPlanner.Deletion deletion : plan.deletions()) {
      client.pods().inNamespace(ns).withName(deletion.pod()).delete();
      LOG.info("cluster={} {}", where, deletion.message());
      events.normal(cr, deletion.reason(), deletion.message());
    }
    for (RolloutPlanner.Note note : plan.notes()) {
      if (note.warning()) {
        events.warning(cr, note.reason(), note.message());
      } else {
        events.normal(cr, note.reason(), note.message());
      }
    }
    status.rollout = plan.rollout();
    status.waits = plan.waits().isEmpty() ? null : plan.waits();

    // 7. Status.
    status.observedGeneration = generation;
    status.replicas = spec.replicas;
    status.readyReplicas = readyPods;
    status.nodes = readyPods + "/" + spec.replicas;
    status.topicCount = spec.topics.size();
    status.mesh = mesh.topics();
    // Rates and percentiles are metrics, not status: status changes only when state does (issue 9).
    ProbeHealth probeHealth = ProbeHealth.classify(trafficNow.probes, spec.tuning.objectives.minDeliveryRatio,
        Tuner.targetP99LatencyMs(spec), spec.tuning.hysteresisPercent,
        Conditions.find(previous.conditions, Conditions.PROBES_HEALTHY).map(c -> c.getReason()).orElse(null));
    status.probeHealth = spec.replicas == 0 ? null : probeHealth.state();
    status.meshHealth = spec.replicas == 0 ? "Healthy" : staying.isEmpty() ? "Unknown"
        : mesh.healthy() ? "Healthy" : "Degraded";

    int livePods = (int) views.stream().filter(p -> !p.terminating()).count();
    writeConditions(cr, status, new Observed(readyPods, livePods, plan, staying.size(), mesh, pushed, effective,
        scores, probeHealth), now);
    metrics.clusterStatus(ns, model.name(), status, spec.replicas, trafficNow);
    Duration requeue = Duration.ofSeconds(spec.metrics.collectIntervalSeconds);
    if (!plan.waits().isEmpty() && requeue.compareTo(WAITING_REQUEUE) > 0) {
      requeue = WAITING_REQUEUE; // deadlines are checked even when no pod event comes
    }
    return new Result(status, requeue, "success");
  }

  /** Requeue interval while the plan waits for something. */
  static final Duration WAITING_REQUEUE = Duration.ofSeconds(10);

  private List<NodeCollector.Target> targets(List<Pod> pods, boolean tls) {
    List<NodeCollector.Target> targets = new ArrayList<>();
    for (Pod pod : pods) {
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        continue;
      }
      admin(pod, tls).ifPresent(uri -> targets.add(new NodeCollector.Target(pod.getMetadata().getName(),
          String.valueOf(pod.getMetadata().getUid()), uri)));
    }
    return targets;
  }

  /** The pod's admin URI, https when the cluster's admin API speaks TLS. */
  private Optional<URI> admin(Pod pod, boolean tls) {
    return endpoints.admin(pod).map(u -> tls && "http".equals(u.getScheme())
        ? URI.create("https" + u.toString().substring("http".length())) : u);
  }

  /** Rates from the snapshot's round; computed once per round, reused until the next one ends. */
  private ClusterTraffic trafficOf(String uid, NodeCollector.Snapshot snapshot) {
    TrafficRound last = lastTraffic.get(uid);
    if (snapshot.round() == 0) {
      return last == null ? new ClusterTraffic() : last.traffic();
    }
    if (last != null && last.round() == snapshot.round()) {
      return last.traffic();
    }
    ClusterTraffic t = traffic.observe(uid, snapshot.statuses().values(), snapshot.completedAt());
    lastTraffic.put(uid, new TrafficRound(snapshot.round(), t));
    return t;
  }

  private static Set<String> guardedTopics(TopicClusterStatus previous) {
    if (previous.effectiveParams == null) {
      return null; // nothing decided yet: every P3 starts off
    }
    Set<String> guarded = new LinkedHashSet<>();
    if (previous.scoreGuard != null) {
      previous.scoreGuard.forEach(g -> guarded.add(g.topic));
    }
    return guarded;
  }

  /** Decides the effective parameters (see {@link Tuner}) and records a change in status and as an Event. */
  private GossipParams tune(TopicCluster cr, TopicClusterModel model, TopicClusterStatus previous,
      TopicClusterStatus status, GossipParams current, ClusterTraffic trafficNow, Instant now) {
    TopicClusterSpec spec = cr.getSpec();
    Observation observed = observation(trafficNow);
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
    metrics.tuningChange(model.namespace(), model.name(), current, effective, decision.get().cause());
    events.normal(cr, "Tuned", decision.get().reason() + " (d=" + effective.d() + " dlo=" + effective.dlo()
        + " dhi=" + effective.dhi() + ")");
    return effective;
  }

  /**
   * Decides each topic's own parameters (topics with {@code spec.topics[].mesh}), each from its own
   * observation and last change (see {@link Tuner}), and writes status.topicParams: every topic's
   * degrees in force, a topic's own with its last change. The entries change only on a decision or
   * a spec change, never with the rates (those are metrics).
   *
   * @return the parameters of the topics with their own degrees, by topic, in spec order
   */
  private Map<String, GossipParams> tuneTopics(TopicCluster cr, TopicClusterStatus previous,
      TopicClusterStatus status, GossipParams effective, MeshReport mesh,
      Map<String, TrafficTracker.TopicTraffic> topicTraffic, Instant now) {
    TopicClusterSpec spec = cr.getSpec();
    Map<String, GossipParams> own = new LinkedHashMap<>();
    List<TopicClusterStatus.TopicParams> entries = new ArrayList<>();
    for (TopicClusterSpec.Topic t : spec.topics) {
      TopicClusterStatus.TopicParams entry = new TopicClusterStatus.TopicParams();
      entry.topic = t.name;
      if (t.mesh == null) {
        entry.source = "Cluster";
        fill(entry, effective);
        entries.add(entry);
        continue;
      }
      entry.source = "Topic";
      TopicClusterStatus.TopicParams before = previousTopic(previous, t.name);
      GossipParams currentTopic = topicFromStatus(spec, previous, t.name);
      Instant lastChange = before == null || before.lastTuning == null || before.lastTuning.time == null ? null
          : Instant.parse(before.lastTuning.time);
      var decision = Tuner.decide(Tuner.topic(spec, t), spec.tuning, spec.replicas, currentTopic,
          topicObservation(topicTraffic.get(t.name), mesh, t.name), now, lastChange);
      GossipParams params = currentTopic;
      entry.lastTuning = before == null ? null : before.lastTuning;
      if (decision.isPresent()) {
        params = decision.get().params();
        TopicClusterStatus.TuningChange change = new TopicClusterStatus.TuningChange();
        change.time = now.toString();
        change.from = currentTopic == null ? null : currentTopic.toStatus();
        change.to = params.toStatus();
        change.reason = decision.get().reason();
        entry.lastTuning = change;
        LOG.info("cluster={}/{} topic={} tuned: {} (d={} dlo={} dhi={})", cr.getMetadata().getNamespace(),
            cr.getMetadata().getName(), t.name, change.reason, params.d(), params.dlo(), params.dhi());
        events.normal(cr, "TopicTuned", "topic " + t.name + ": " + change.reason + " (d=" + params.d() + " dlo="
            + params.dlo() + " dhi=" + params.dhi() + ")");
      }
      fill(entry, params);
      own.put(t.name, params);
      entries.add(entry);
    }
    status.topicParams = entries.isEmpty() ? null : entries;
    return own;
  }

  private static void fill(TopicClusterStatus.TopicParams entry, GossipParams p) {
    entry.d = p.d();
    entry.dlo = p.dlo();
    entry.dhi = p.dhi();
    entry.dlazy = p.dlazy();
    entry.dout = p.dout();
    entry.dscore = p.dscore();
  }

  private static TopicClusterStatus.TopicParams previousTopic(TopicClusterStatus previous, String topic) {
    if (previous.topicParams == null) {
      return null;
    }
    return previous.topicParams.stream().filter(e -> topic.equals(e.topic) && "Topic".equals(e.source)).findFirst()
        .orElse(null);
  }

  /** A topic's own parameters recorded in status, over the spec's other members; null if none or invalid. */
  static GossipParams topicFromStatus(TopicClusterSpec spec, TopicClusterStatus previous, String topic) {
    TopicClusterStatus.TopicParams e = previousTopic(previous, topic);
    if (e == null || e.d == null || e.dlo == null || e.dhi == null || e.dlazy == null || e.dout == null
        || e.dscore == null) {
      return null;
    }
    try {
      return GossipParams.fromSpec(spec.gossipsub).withMesh(e.d, e.dlo, e.dhi, e.dlazy, e.dout, e.dscore);
    } catch (IllegalArgumentException ex) {
      return null;
    }
  }

  /**
   * What a topic's own tuning sees: its message rate, duplicates per message and delivery ratio
   * (unknown figures are 0 or NaN, so that no objective fires on them), whether its mesh is below its
   * Dlo somewhere; latency is not known per topic.
   */
  static Observation topicObservation(TrafficTracker.TopicTraffic t, MeshReport mesh, String topic) {
    boolean below = mesh.topics().stream().anyMatch(m -> topic.equals(m.topic) && m.nodesBelowDlo != null
        && m.nodesBelowDlo > 0);
    if (t == null) {
      return new Observation(0, 0, Double.NaN, Double.NaN, below);
    }
    return new Observation(t.messagesPerSecond(), t.duplicatesPerMessage() == null ? 0 : t.duplicatesPerMessage(),
        Double.NaN, t.deliveryRatio() == null ? Double.NaN : t.deliveryRatio(), below);
  }

  /**
   * What Auto tuning sees: the mesh probes' p99 and delivery ratio where the nodes report them (any
   * cluster, with or without user traffic), else the load-message p99 and the counter-based ratio;
   * NaN where neither exists, so that no objective fires on missing data.
   */
  static Observation observation(ClusterTraffic t) {
    Double p99 = t.probes.latencyP99Ms() != null ? t.probes.latencyP99Ms() : t.latencyP99Ms;
    Double ratio = t.probes.deliveryRatio() != null ? t.probes.deliveryRatio() : t.deliveryRatio;
    return new Observation(orZero(t.deliveredPerSecond), orZero(t.duplicatesPerMessage), p99 == null ? Double.NaN : p99,
        ratio == null ? Double.NaN : ratio);
  }

  /** What one reconcile saw and did, for the conditions. */
  private record Observed(int readyPods, int pods, RolloutPlanner.Plan plan, int answered, MeshReport mesh,
      Pushed pushed, GossipParams effective, ScoreGuard.Decision scores, ProbeHealth probes) {
  }

  /** Ready, Progressing, Degraded, MeshHealthy, Tuned, ScoreGuarded; Events on the transitions that matter. */
  private void writeConditions(TopicCluster cr, TopicClusterStatus status, Observed o, Instant now) {
    TopicClusterSpec spec = cr.getSpec();
    Long generation = cr.getMetadata().getGeneration();
    int readyPods = o.readyPods();
    RolloutPlanner.Plan plan = o.plan();
    MeshReport mesh = o.mesh();
    GossipParams effective = o.effective();
    boolean scaling = plan.statefulSetReplicas() != spec.replicas || o.pods() != spec.replicas;
    boolean rolling = plan.rolling() || !plan.deletions().isEmpty();
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

    if (spec.replicas > 0) {
      ProbeHealth probes = o.probes();
      String before = Conditions.find(status.conditions, Conditions.PROBES_HEALTHY).map(c -> c.getReason()).orElse("");
      boolean flipped = Conditions.set(status.conditions, Conditions.PROBES_HEALTHY, probes.status(), probes.reason(),
          probes.message(), generation, now);
      if ((flipped || !before.equals(probes.reason())) && !ProbeHealth.NO_DATA.equals(probes.reason())) {
        if ("True".equals(probes.status())) {
          events.normal(cr, "ProbesHealthy", probes.message());
        } else {
          events.warning(cr, probes.reason(), probes.message());
        }
      }
    } else {
      status.conditions.removeIf(c -> Conditions.PROBES_HEALTHY.equals(c.getType()));
    }

    List<String> failures = new ArrayList<>(o.pushed().params());
    failures.addAll(o.pushed().topics());
    if (failures.isEmpty()) {
      Conditions.set(status.conditions, Conditions.TUNED, true,
          spec.tuning.mode == io.topicmesh.operator.api.v1alpha1.TuningMode.Auto ? "AutoTuned" : "StaticParams",
          "d=" + effective.d() + " dlo=" + effective.dlo() + " dhi=" + effective.dhi() + " and "
              + spec.topics.size() + " topics on " + o.answered() + " nodes", generation, now);
    } else {
      String reason = o.pushed().params().isEmpty() ? "TopicsNotApplied" : "ParamsNotApplied";
      if (Conditions.set(status.conditions, Conditions.TUNED, false, reason, String.join("; ", failures),
          generation, now)) {
        events.warning(cr, reason, String.join("; ", failures));
      }
    }

    List<ScoreGuard.Guarded> guarded = o.scores().guarded();
    String guardMessage = guarded.stream().map(ScoreGuard.Guarded::message).collect(Collectors.joining("; "));
    String previousGuard = Conditions.find(status.conditions, Conditions.SCORE_GUARDED).map(c -> c.getMessage())
        .orElse("");
    boolean guardChanged = Conditions.set(status.conditions, Conditions.SCORE_GUARDED, !guarded.isEmpty(),
        guarded.isEmpty() ? "AsSpecified" : "P3Disabled",
        guarded.isEmpty() ? "score parameters applied as the spec gives them" : guardMessage, generation, now);
    if (!guarded.isEmpty() && (guardChanged || !topicsOf(previousGuard).equals(topicsOf(guardMessage)))) {
      events.warning(cr, "P3Disabled", guardMessage);
    }

    String waiting = plan.waits().stream().map(w -> w.message + " (deadline " + w.deadline + ")")
        .collect(Collectors.joining("; "));
    String progress = rolling ? "rolling update" + (plan.rollout() != null && plan.rollout().currentPod != null
        ? ": replacing " + plan.rollout().currentPod : "")
        : scaling ? "pods " + o.pods() + " -> " + spec.replicas : "all pods match the spec";
    Conditions.set(status.conditions, Conditions.PROGRESSING, scaling || rolling,
        rolling ? "RollingUpdate" : scaling ? "Scaling" : "UpToDate",
        waiting.isEmpty() ? progress : progress + "; waiting for: " + waiting, generation, now);

    RolloutPlanner.Degraded degraded = plan.degraded();
    String previousReason = Conditions.find(status.conditions, Conditions.DEGRADED).map(c -> c.getReason()).orElse("");
    boolean degradedChanged = Conditions.set(status.conditions, Conditions.DEGRADED, degraded != null,
        degraded != null ? degraded.reason() : "AsExpected", degraded != null ? degraded.message() : "", generation, now);
    if (degraded != null && (degradedChanged || !previousReason.equals(degraded.reason()))) {
      events.warning(cr, degraded.reason(), degraded.message());
    }

    boolean ready = readyPods == spec.replicas && !scaling && !rolling && degraded == null
        && (spec.replicas == 0 || mesh.healthy());
    String notReady = degraded != null ? degraded.message()
        : readyPods != spec.replicas ? readyPods + " of " + spec.replicas + " nodes ready"
        : scaling || rolling ? "update in progress" : mesh.summary();
    if (Conditions.set(status.conditions, Conditions.READY, ready, ready ? "ClusterReady" : "NotReady",
        ready ? spec.replicas + " nodes ready, meshes healthy" : notReady, generation, now)) {
      events.normal(cr, ready ? "ClusterReady" : "ClusterNotReady", ready ? "cluster ready" : notReady);
    }
  }

  private static Set<String> topicsOf(String guardMessage) {
    Set<String> topics = new LinkedHashSet<>();
    for (String part : guardMessage.split("; ")) {
      if (part.startsWith("topic ")) {
        topics.add(part.split("[ :]")[1]);
      }
    }
    return topics;
  }

  private static double orZero(Double d) {
    return d == null ? 0 : d;
  }

  private static TopicClusterStatus carryOver(TopicClusterStatus previous) {
    TopicClusterStatus status = new TopicClusterStatus();
    status.conditions = previous.conditions == null ? new ArrayList<>() : new ArrayList<>(previous.conditions);
    status.lastTuning = previous.lastTuning;
    status.topicParams = previous.topicParams;
    status.effectiveParams = previous.effectiveParams;
    status.rollout = previous.rollout;
    status.waits = previous.waits;
    status.scoreGuard = previous.scoreGuard;
    status.peers = previous.peers;
    status.observedGeneration = previous.observedGeneration;
    status.replicas = previous.replicas;
    status.readyReplicas = previous.readyReplicas;
    status.nodes = previous.nodes;
    status.topicCount = previous.topicCount;
    status.meshHealth = previous.meshHealth;
    status.mesh = previous.mesh;
    status.probeHealth = previous.probeHealth;
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

  private String ensureAdminToken(TopicClusterModel model, ClusterReads reads) {
    Secret secret = reads.secret(model.namespace(), model.adminTokenSecretName()).orElse(null);
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

  /** Creates the token Secret of each application scope (publish, subscribe, status) when missing. */
  private void ensureScopeTokens(TopicClusterModel model, ClusterReads reads) {
    for (String scope : TopicClusterModel.APP_SCOPES) {
      if (reads.secret(model.namespace(), model.tokenSecretName(scope)).isEmpty()) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        createOnce(model.tokenSecret(scope, Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)));
        LOG.info("cluster={}/{} created the {} token Secret {}", model.namespace(), model.name(), scope,
            model.tokenSecretName(scope));
      }
    }
  }

  /**
   * The CA the operator trusts for this cluster's nodes, or null without TLS. Mode Operator: the CA
   * Secret is created once (replaced only when unreadable or near its end) and the serving
   * certificate is issued, and re-issued when {@link AdminCertificates#decide} says so; the nodes
   * reload it from their volume without a restart. Mode Secret: the user's Secret's ca.crt.
   */
  private String ensureAdminTls(TopicClusterModel model, ClusterReads reads, TopicCluster cr, Instant now) {
    String where = model.namespace() + "/" + model.name();
    switch (model.adminTlsMode()) {
      case Disabled -> {
        return null;
      }
      case Secret -> {
        Secret user = client.secrets().inNamespace(model.namespace()).withName(model.adminTlsSecretName()).get();
        String ca = user == null ? null : text(user, TopicClusterModel.CA_CERT);
        if (user == null || ca == null || text(user, TopicClusterModel.TLS_CERT) == null
            || text(user, TopicClusterModel.TLS_KEY) == null) {
          throw new IllegalStateException("cluster " + where + ": spec.security.adminTls.secretName "
              + model.adminTlsSecretName() + " must be a Secret in " + model.namespace() + " with tls.crt, tls.key and"
              + " ca.crt (a cert-manager Certificate's Secret has them); "
              + (user == null ? "it does not exist" : "it lacks a key"));
        }
        return ca;
      }
      default -> { }
    }
    Secret caSecret = reads.secret(model.namespace(), model.adminCaSecretName()).orElse(null);
    String caPem = caSecret == null ? null : text(caSecret, TopicClusterModel.CA_CERT);
    String caKey = caSecret == null ? null : text(caSecret, TopicClusterModel.CA_KEY);
    AdminCertificates.Decision caDecision = caSecret == null ? null : AdminCertificates.decideCa(caPem, caKey, now);
    if (caSecret == null || caDecision.issue()) {
      AdminCertificates.Pair ca = AdminCertificates.newCa(model.name(), model.namespace(), now, random);
      Secret fresh = model.adminCaSecret(ca);
      caSecret = caSecret == null ? createOnce(fresh)
          : client.secrets().inNamespace(model.namespace()).resource(fresh).update();
      caPem = text(caSecret, TopicClusterModel.CA_CERT);
      caKey = text(caSecret, TopicClusterModel.CA_KEY);
      LOG.info("cluster={} admin CA {}: {}", where, caDecision == null ? "created" : "replaced",
          caDecision == null ? "none yet" : caDecision.reason());
    }
    Secret serving = reads.secret(model.namespace(), model.adminTlsSecretName()).orElse(null);
    AdminCertificates.Decision d = AdminCertificates.decide(
        serving == null ? null : text(serving, TopicClusterModel.TLS_CERT), caPem, model.adminTlsDnsNames(), now);
    if (d.issue()) {
      AdminCertificates.Pair cert = AdminCertificates.issueServing(new AdminCertificates.Pair(caPem, caKey),
          model.adminTlsDnsNames(), now, random);
      Secret desired = model.adminTlsSecret(cert, caPem);
      if (serving == null) {
        createOnce(desired);
      } else {
        client.secrets().inNamespace(model.namespace()).resource(desired).update();
      }
      LOG.info("cluster={} admin TLS certificate issued into Secret {}: {}", where, model.adminTlsSecretName(),
          d.reason());
      events.normal(cr, "AdminCertificateIssued", "admin API certificate issued into Secret "
          + model.adminTlsSecretName() + ": " + d.reason());
    }
    return caPem;
  }

  /** A Secret entry as text, or null when absent. */
  private static String text(Secret secret, String key) {
    String v = secret.getData() == null ? null : secret.getData().get(key);
    return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  /** Creates each missing identity Secret; existing ones are read, never rewritten. */
  private List<TopicClusterStatus.NodeIdentity> ensureIdentities(TopicClusterModel model, ClusterReads reads) {
    Map<String, Secret> existing = new LinkedHashMap<>();
    reads.identitySecrets(model).forEach(s -> existing.put(s.getMetadata().getName(), s));
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

  /**
   * Creates a generated Secret; when it exists already (another writer won the race, or the cache
   * had not seen it yet), the existing one is read and kept.
   */
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

  static int ordinal(Pod pod) {
    return PodView.ordinal(pod.getMetadata().getName());
  }

  /** Failures of the live pushes: parameters and topics. */
  private record Pushed(List<String> params, List<String> topics) {
  }

  /**
   * Pushes, to every node that answered, the effective parameters ({@code PUT /v1/params}) when it
   * reports others, and the topics it lacks or has with other parameters ({@code PUT/DELETE
   * /v1/topics/{t}}, see {@link TopicSync}). Nodes are served in parallel on the collector's pool;
   * the reconcile waits at most the push budget.
   */
  private Pushed push(TopicCluster cr, List<Pod> pods, Map<String, NodeStatus> statuses, GossipParams effective,
      List<Map<String, Object>> entries, NodeAccess token, boolean tls) {
    String uid = cr.getMetadata().getUid();
    topics.retain(uid, statuses.keySet());
    List<String> paramFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> topicFailures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (Pod pod : pods) {
      String name = pod.getMetadata().getName();
      NodeStatus status = statuses.get(name);
      Optional<URI> admin = admin(pod, tls);
      if (status == null || admin.isEmpty()) {
        continue;
      }
      boolean paramsDue = !effective.matches(status.params());
      boolean topicsDue = !topics.plan(uid, name, String.valueOf(pod.getMetadata().getUid()), status, entries).isEmpty();
      if (!paramsDue && !topicsDue) {
        continue;
      }
      calls.add(collector.run(() -> {
        if (paramsDue) {
          String failure = pushParams(cr, name, admin.get(), status, effective, token);
          if (failure != null) {
            paramFailures.add(failure);
          }
        }
        if (topicsDue) {
          List<String> failed = topics.sync(uid, name, String.valueOf(pod.getMetadata().getUid()), status, admin.get(),
              token, entries);
          if (!failed.isEmpty()) {
            metrics.nodeApiError(cr.getMetadata().getNamespace(), cr.getMetadata().getName(),
                OperatorMetrics.NodeCall.TOPICS);
            topicFailures.addAll(failed);
          }
        }
      }, name));
    }
    try {
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(pushBudget.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      paramFailures.add("pushes to " + calls.stream().filter(c -> !c.isDone()).count()
          + " nodes still running after " + pushBudget.toSeconds() + "s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // reported per call below
    }
    for (CompletableFuture<Void> call : calls) {
      if (call.isCompletedExceptionally()) {
        try {
          call.join();
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
          Throwable cause = e.getCause() == null ? e : e.getCause();
          paramFailures.add(String.valueOf(cause.getMessage()));
        }
      }
    }
    synchronized (paramFailures) {
      synchronized (topicFailures) {
        return new Pushed(List.copyOf(paramFailures), List.copyOf(topicFailures));
      }
    }
  }

  private String pushParams(TopicCluster cr, String pod, URI admin, NodeStatus status, GossipParams effective,
      NodeAccess token) {
    ObjectNode body = status.params() == null ? effective.toJson() : status.params().deepCopy();
    body.setAll(effective.toJson());
    try {
      ObjectNode applied = collector.nodes().putParams(admin, token, body);
      if (!effective.matches(applied)) {
        return pod + ": node reports other params after PUT";
      }
      return null;
    } catch (NodeApiException e) {
      metrics.nodeApiError(cr.getMetadata().getNamespace(), cr.getMetadata().getName(),
          OperatorMetrics.NodeCall.PARAMS);
      return pod + ": " + e.getMessage();
    }
  }

  // ---- objects -----------------------------------------------------------------------------

  /** Server-side apply as the operator's field manager; an unchanged object is a no-op on the server. */
  private void apply(HasMetadata object) {
    client.resource(object).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
  }

  /**
   * Applies the nodes' NetworkPolicy when spec.security.networkPolicy.enabled, else removes one left
   * from an earlier spec. Without the operator's own namespace and pod labels (OPERATOR_NAMESPACE,
   * OPERATOR_POD_LABELS) a policy would lock the operator out, so the reconcile fails saying so.
   */
  private void reconcileNetworkPolicy(TopicClusterModel model) {
    var policies = client.network().v1().networkPolicies().inNamespace(model.namespace());
    if (Boolean.TRUE.equals(model.security().networkPolicy.enabled)) {
      if (operatorNamespace == null || operatorPodLabels.isEmpty()) {
        throw new IllegalStateException("spec.security.networkPolicy.enabled needs the operator's namespace and pod"
            + " labels (env OPERATOR_NAMESPACE and OPERATOR_POD_LABELS, set by the chart) to let the operator in");
      }
      apply(model.networkPolicy(operatorNamespace, operatorPodLabels));
      return;
    }
    try {
      var left = policies.withName(model.name()).get();
      Map<String, String> labels = left == null ? null : left.getMetadata().getLabels();
      if (labels != null && TopicClusterModel.MANAGER.equals(labels.get(TopicClusterModel.MANAGED_BY_LABEL))) {
        policies.withName(model.name()).delete();
        LOG.info("cluster={}/{} NetworkPolicy removed (spec.security.networkPolicy.enabled is false)",
            model.namespace(), model.name());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403 && e.getCode() != 404) {
        throw e;
      }
      // 403: an installation whose RBAC predates NetworkPolicies has none to remove
    }
  }

  private void reconcileServiceMonitor(TopicClusterModel model, TopicClusterSpec spec, Instant now) {
    boolean wanted = Boolean.TRUE.equals(spec.metrics.serviceMonitor);
    if (!serviceMonitorCrdInstalled(now)) {
      return;
    }
    var monitors = client.genericKubernetesResources(SERVICE_MONITOR).inNamespace(model.namespace());
    if (wanted) {
      monitors.resource(model.serviceMonitor()).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    } else {
      monitors.withName(model.name()).delete();
    }
  }

  /** Whether the ServiceMonitor CRD exists; looked up at most once per {@link #SERVICE_MONITOR_CHECK}. */
  private boolean serviceMonitorCrdInstalled(Instant now) {
    Instant checked = serviceMonitorCheckedAt;
    if (checked != null && now.isBefore(checked.plus(SERVICE_MONITOR_CHECK)) && !now.isBefore(checked)) {
      return serviceMonitorCrd;
    }
    boolean installed;
    try {
      installed = client.apiextensions().v1().customResourceDefinitions().withName(SERVICE_MONITOR_CRD).get() != null;
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      installed = false; // not allowed to look: behave as without the CRD
    }
    serviceMonitorCrd = installed;
    serviceMonitorCheckedAt = now;
    return installed;
  }
}
