package io.topicmesh.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.topicmesh.api.GossipSchema;
import io.topicmesh.api.TopicNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Desired state of a {@link TopicCluster}. Every field has a schema default, mirrored by the Java
 * initialiser so that objects built in code and objects defaulted by the API server agree.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.tuning.mode != 'Auto' || (self.gossipsub.d >= self.tuning.bounds.dMin && self.gossipsub.d <= self.tuning.bounds.dMax)",
    message = "gossipsub.d must lie within tuning.bounds [dMin, dMax] when tuning.mode is Auto",
    reason = "FieldValueInvalid")
@ValidationRule(value = "self.tuning.mode != 'Auto' || self.topics.all(t, !has(t.mesh)"
    + " || (t.mesh.d >= self.tuning.bounds.dMin && t.mesh.d <= self.tuning.bounds.dMax))",
    message = "topics[].mesh.d must lie within tuning.bounds [dMin, dMax] when tuning.mode is Auto",
    reason = "FieldValueInvalid")
public class TopicClusterSpec {
  /** CEL: the bootstrapper degree family ({@link GossipSchema#isBootstrapper}) of spec.gossipsub. */
  static final String BOOTSTRAPPER = "(self.d == 0 && self.dlo == 0 && self.dhi == 0 && self.dout == 0)";
  /** CEL: the same for a topic's mesh, whose dout may be left out (then it is 0). */
  static final String TOPIC_BOOTSTRAPPER =
      "(self.d == 0 && self.dlo == 0 && self.dhi == 0 && (!has(self.dout) || self.dout == 0))";

  @JsonPropertyDescription("Number of gossipsub nodes (StatefulSet replicas).")
  @Default("3") @Min(0) @Max(500)
  public Integer replicas = 3;

  @JsonPropertyDescription("Container image of the topicmesh node.")
  @Required @Size(min = 1, max = 512)
  public String image;

  @JsonPropertyDescription("Compute resources of each node container.")
  public ResourceRequirements resources;

  @JsonPropertyDescription("Topics every node subscribes to; names are unique.")
  @Size(max = 64)
  @ValidationRule(value = "self.all(t, self.exists_one(u, u.name == t.name))",
      message = "topic names must be unique")
  public List<Topic> topics = new ArrayList<>();

  @Default("{}")
  public Gossipsub gossipsub = new Gossipsub();

  @Default("{}")
  public Tuning tuning = new Tuning();

  public Scheduling scheduling;

  @Default("{}")
  public Metrics metrics = new Metrics();

  @Default("{}")
  public Rollout rollout = new Rollout();

  @JsonPropertyDescription("A locked-down admin API and network (docs/security.md).")
  @Default("{}")
  public Security security = new Security();

  /** One topic and its optional v1.1 topic score parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Topic {
    @Required @Size(min = 1, max = TopicNames.MAX_LENGTH) @Pattern(TopicNames.REGEX)
    public String name;

    @JsonPropertyDescription("Message signature policy for the topic.")
    @Default("StrictSign")
    public ValidationMode validation = ValidationMode.StrictSign;

    public TopicScore score;

    @JsonPropertyDescription("The topic's own mesh degrees, in place of gossipsub's for this topic (the node's"
        + " topics[].mesh). With tuning.mode Auto the operator tunes the topic's D on its own, from the topic's"
        + " duplicates, delivery and mesh (operator/README.md, \"Per-topic mesh parameters\").")
    public MeshDegrees mesh;

    public Topic() {
    }

    public Topic(String name) {
      this.name = name;
    }
  }

  /**
   * Topic score parameters (gossipsub v1.1, P1–P4). Signs follow the spec: P1 and P2 reward, P3, P3b
   * and P4 penalise. P3 is off unless meshMessageDeliveriesWeight is negative, and then needs its
   * threshold, activation and decay; the operator keeps it off while observed traffic cannot meet the
   * threshold (see operator/README.md, "Score parameters").
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "!has(self.meshMessageDeliveriesWeight) || self.meshMessageDeliveriesWeight <= 0.0",
      message = "meshMessageDeliveriesWeight (P3) must be <= 0")
  @ValidationRule(value = "!has(self.meshMessageDeliveriesWeight) || self.meshMessageDeliveriesWeight == 0.0"
      + " || (has(self.meshMessageDeliveriesThreshold) && has(self.meshMessageDeliveriesActivationMs)"
      + " && has(self.meshMessageDeliveriesDecay))",
      message = "a negative meshMessageDeliveriesWeight (P3) needs meshMessageDeliveriesThreshold,"
          + " meshMessageDeliveriesActivationMs and meshMessageDeliveriesDecay", reason = "FieldValueRequired")
  @ValidationRule(value = "!has(self.meshMessageDeliveriesThreshold) || self.meshMessageDeliveriesThreshold > 0.0",
      message = "meshMessageDeliveriesThreshold (P3) must be > 0")
  @ValidationRule(value = "!has(self.meshMessageDeliveriesActivationMs) || self.meshMessageDeliveriesActivationMs >= 1000",
      message = "meshMessageDeliveriesActivationMs (P3) must be >= 1000")
  @ValidationRule(value = "!has(self.meshMessageDeliveriesDecay)"
      + " || (self.meshMessageDeliveriesDecay > 0.0 && self.meshMessageDeliveriesDecay < 1.0)",
      message = "meshMessageDeliveriesDecay (P3) must be in (0, 1)")
  @ValidationRule(value = "!has(self.meshMessageDeliveriesCap) || !has(self.meshMessageDeliveriesThreshold)"
      + " || self.meshMessageDeliveriesCap >= self.meshMessageDeliveriesThreshold",
      message = "meshMessageDeliveriesCap (P3) must be >= meshMessageDeliveriesThreshold")
  @ValidationRule(value = "!has(self.meshFailurePenaltyWeight) || self.meshFailurePenaltyWeight <= 0.0",
      message = "meshFailurePenaltyWeight (P3b) must be <= 0")
  @ValidationRule(value = "!has(self.invalidMessageDeliveriesWeight) || self.invalidMessageDeliveriesWeight <= 0.0",
      message = "invalidMessageDeliveriesWeight (P4) must be <= 0")
  public static class TopicScore {
    @Min(0) public Double topicWeight;
    @Min(0) public Double timeInMeshWeight;
    @Min(1) public Long timeInMeshQuantumMs;
    @Min(0) public Double timeInMeshCap;
    @Min(0) public Double firstMessageDeliveriesWeight;
    @Min(0) @Max(1) public Double firstMessageDeliveriesDecay;
    @Min(0) public Double firstMessageDeliveriesCap;
    public Double meshMessageDeliveriesWeight;
    @Min(0) @Max(1) public Double meshMessageDeliveriesDecay;
    @Min(0) public Double meshMessageDeliveriesThreshold;
    @Min(0) public Double meshMessageDeliveriesCap;
    @Min(0) public Long meshMessageDeliveriesActivationMs;
    public Double meshFailurePenaltyWeight;
    @Min(0) @Max(1) public Double meshFailurePenaltyDecay;
    public Double invalidMessageDeliveriesWeight;
    @Min(0) @Max(1) public Double invalidMessageDeliveriesDecay;
  }

  /**
   * One topic's mesh degrees. D, Dlo and Dhi are required; Dlazy, Dout and Dscore left out are
   * gossipsub's, lowered where needed to stay valid. The invariants are the shared schema's ({@link
   * GossipSchema#checkDegrees}, the node's too); d = dlo = dhi = 0 (and dout 0 or left out) keeps no
   * mesh for the topic, as a bootstrapper does.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = TOPIC_BOOTSTRAPPER + " || self.dlo >= 1",
      message = "mesh: dlo >= 1 is required (" + GossipSchema.BOOTSTRAPPER_RULE + ")", reason = "FieldValueInvalid")
  @ValidationRule(value = TOPIC_BOOTSTRAPPER + " || (self.dlo <= self.d && self.d <= self.dhi)",
      message = "mesh: dlo <= d <= dhi is required", reason = "FieldValueInvalid")
  @ValidationRule(value = TOPIC_BOOTSTRAPPER + " || !has(self.dout) || self.dout < self.dlo",
      message = "mesh: dout < dlo is required", reason = "FieldValueInvalid")
  @ValidationRule(value = TOPIC_BOOTSTRAPPER + " || !has(self.dout) || self.dout <= self.d / 2",
      message = "mesh: dout <= d/2 is required", reason = "FieldValueInvalid")
  @ValidationRule(value = "!has(self.dscore) || self.dscore <= self.dhi", message = "mesh: dscore <= dhi is required",
      reason = "FieldValueInvalid")
  public static class MeshDegrees {
    @JsonPropertyDescription("The topic's mesh degree D.")
    @Required @Min(GossipSchema.MIN_D) @Max(GossipSchema.MAX_D) public Integer d;
    @JsonPropertyDescription("The topic's Dlo.")
    @Required @Min(GossipSchema.MIN_DLO) @Max(GossipSchema.MAX_DLO) public Integer dlo;
    @JsonPropertyDescription("The topic's Dhi.")
    @Required @Min(GossipSchema.MIN_DHI) @Max(GossipSchema.MAX_DHI) public Integer dhi;
    @JsonPropertyDescription("The topic's Dlazy; left out: gossipsub.dlazy.")
    @Min(GossipSchema.MIN_DLAZY) @Max(GossipSchema.MAX_DLAZY) public Integer dlazy;
    @JsonPropertyDescription("The topic's Dout; left out: gossipsub.dout, lowered below dlo and to d/2.")
    @Min(GossipSchema.MIN_DOUT) @Max(GossipSchema.MAX_DOUT) public Integer dout;
    @JsonPropertyDescription("The topic's Dscore; left out: gossipsub.dscore, lowered to dhi.")
    @Min(GossipSchema.MIN_DSCORE) @Max(GossipSchema.MAX_DSCORE) public Integer dscore;

    public MeshDegrees() {
    }

    public MeshDegrees(int d, int dlo, int dhi) {
      this.d = d;
      this.dlo = dlo;
      this.dhi = dhi;
    }
  }

  /**
   * Gossipsub overlay parameters; defaults, ranges and invariants are the shared schema's ({@link
   * GossipSchema}, which the node checks too). The CEL rules below are its invariants: a bootstrapper
   * (d = dlo = dhi = dout = 0) keeps no mesh; every other set needs dlo >= 1.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = BOOTSTRAPPER + " || self.dlo >= 1",
      message = "gossipsub: dlo >= 1 is required (" + GossipSchema.BOOTSTRAPPER_RULE + ")", reason = "FieldValueInvalid")
  @ValidationRule(value = BOOTSTRAPPER + " || (self.dlo <= self.d && self.d <= self.dhi)",
      message = "gossipsub: dlo <= d <= dhi is required", reason = "FieldValueInvalid")
  @ValidationRule(value = BOOTSTRAPPER + " || self.dout < self.dlo", message = "gossipsub: dout < dlo is required",
      reason = "FieldValueInvalid")
  @ValidationRule(value = BOOTSTRAPPER + " || self.dout <= self.d / 2", message = "gossipsub: dout <= d/2 is required",
      reason = "FieldValueInvalid")
  @ValidationRule(value = "self.dscore <= self.dhi", message = "gossipsub: dscore <= dhi is required",
      reason = "FieldValueInvalid")
  @ValidationRule(value = "self.historyGossip <= self.historyLength",
      message = "gossipsub: historyGossip <= historyLength is required", reason = "FieldValueInvalid")
  public static class Gossipsub {
    @JsonPropertyDescription("Desired mesh degree D (0: a bootstrapper, with dlo, dhi and dout 0 too).")
    @Default("" + GossipSchema.DEFAULT_D) @Min(GossipSchema.MIN_D) @Max(GossipSchema.MAX_D)
    public Integer d = GossipSchema.DEFAULT_D;
    @JsonPropertyDescription("Lower bound of the mesh degree (Dlo).")
    @Default("" + GossipSchema.DEFAULT_DLO) @Min(GossipSchema.MIN_DLO) @Max(GossipSchema.MAX_DLO)
    public Integer dlo = GossipSchema.DEFAULT_DLO;
    @JsonPropertyDescription("Upper bound of the mesh degree (Dhi).")
    @Default("" + GossipSchema.DEFAULT_DHI) @Min(GossipSchema.MIN_DHI) @Max(GossipSchema.MAX_DHI)
    public Integer dhi = GossipSchema.DEFAULT_DHI;
    @JsonPropertyDescription("Peers to gossip to per heartbeat (Dlazy).")
    @Default("" + GossipSchema.DEFAULT_DLAZY) @Min(GossipSchema.MIN_DLAZY) @Max(GossipSchema.MAX_DLAZY)
    public Integer dlazy = GossipSchema.DEFAULT_DLAZY;
    @JsonPropertyDescription("Outbound peers kept in the mesh (Dout).")
    @Default("" + GossipSchema.DEFAULT_DOUT) @Min(GossipSchema.MIN_DOUT) @Max(GossipSchema.MAX_DOUT)
    public Integer dout = GossipSchema.DEFAULT_DOUT;
    @JsonPropertyDescription("Peers kept by score when pruning (Dscore).")
    @Default("" + GossipSchema.DEFAULT_DSCORE) @Min(GossipSchema.MIN_DSCORE) @Max(GossipSchema.MAX_DSCORE)
    public Integer dscore = GossipSchema.DEFAULT_DSCORE;
    @Default("" + GossipSchema.DEFAULT_HEARTBEAT_INTERVAL_MS)
    @Min(GossipSchema.MIN_HEARTBEAT_INTERVAL_MS) @Max(GossipSchema.MAX_HEARTBEAT_INTERVAL_MS)
    public Integer heartbeatIntervalMs = GossipSchema.DEFAULT_HEARTBEAT_INTERVAL_MS;
    @Default("" + GossipSchema.DEFAULT_HISTORY_LENGTH)
    @Min(GossipSchema.MIN_HISTORY_LENGTH) @Max(GossipSchema.MAX_HISTORY_LENGTH)
    public Integer historyLength = GossipSchema.DEFAULT_HISTORY_LENGTH;
    @Default("" + GossipSchema.DEFAULT_HISTORY_GOSSIP)
    @Min(GossipSchema.MIN_HISTORY_GOSSIP) @Max(GossipSchema.MAX_HISTORY_GOSSIP)
    public Integer historyGossip = GossipSchema.DEFAULT_HISTORY_GOSSIP;
    @Default("" + GossipSchema.DEFAULT_FANOUT_TTL_MS)
    @Min(GossipSchema.MIN_FANOUT_TTL_MS) @Max(GossipSchema.MAX_FANOUT_TTL_MS)
    public Integer fanoutTtlMs = GossipSchema.DEFAULT_FANOUT_TTL_MS;
    @Default("" + GossipSchema.DEFAULT_SEEN_TTL_MS) @Min(GossipSchema.MIN_SEEN_TTL_MS) @Max(GossipSchema.MAX_SEEN_TTL_MS)
    public Integer seenTtlMs = GossipSchema.DEFAULT_SEEN_TTL_MS;
    @Default("" + GossipSchema.DEFAULT_FLOOD_PUBLISH) public Boolean floodPublish = GossipSchema.DEFAULT_FLOOD_PUBLISH;
    @JsonPropertyDescription("Messages at least this large (bytes) trigger IDONTWANT (v1.2).")
    @Default("" + GossipSchema.DEFAULT_IDONTWANT_THRESHOLD)
    @Min(GossipSchema.MIN_IDONTWANT_THRESHOLD) @Max(GossipSchema.MAX_IDONTWANT_THRESHOLD)
    public Integer idontwantThreshold = GossipSchema.DEFAULT_IDONTWANT_THRESHOLD;
    @Default("{}") public Thresholds thresholds = new Thresholds();
  }

  /** Peer score thresholds (gossipsub v1.1). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.gossipThreshold <= 0.0", message = "gossipThreshold must be <= 0")
  @ValidationRule(value = "self.publishThreshold <= self.gossipThreshold",
      message = "publishThreshold must be <= gossipThreshold")
  @ValidationRule(value = "self.graylistThreshold <= self.publishThreshold",
      message = "graylistThreshold must be <= publishThreshold")
  public static class Thresholds {
    @Default("-10.0") public Double gossipThreshold = -10.0;
    @Default("-50.0") public Double publishThreshold = -50.0;
    @Default("-80.0") public Double graylistThreshold = -80.0;
    @Default("10.0") @Min(0) public Double acceptPxThreshold = 10.0;
    @Default("5.0") @Min(0) public Double opportunisticGraftThreshold = 5.0;
  }

  /** How the operator chooses the effective D/Dlo/Dhi. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Tuning {
    @JsonPropertyDescription("Static applies gossipsub as given; Auto adapts D/Dlo/Dhi within bounds.")
    @Default("Static") public TuningMode mode = TuningMode.Static;
    @Default("{}") public Bounds bounds = new Bounds();
    @Default("{}") public Objectives objectives = new Objectives();
    @JsonPropertyDescription("Minimum time between two tuning changes.")
    @Default("60") @Min(0) @Max(86400) public Integer cooldownSeconds = 60;
    @JsonPropertyDescription("Relative band around an objective inside which nothing changes.")
    @Default("10") @Min(0) @Max(100) public Integer hysteresisPercent = 10;
  }

  /** Bounds for the tuned D. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.dMin <= self.dMax", message = "tuning.bounds: dMin <= dMax is required",
      reason = "FieldValueInvalid")
  public static class Bounds {
    @Default("3") @Min(2) @Max(100) public Integer dMin = 3;
    @Default("12") @Min(2) @Max(100) public Integer dMax = 12;
  }

  /** What Auto tuning aims for. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Objectives {
    @JsonPropertyDescription("Maximum duplicate deliveries per delivered message before D is lowered. Unset (the"
        + " default): D - 1 + duplicatesSlack at the effective D, which a healthy mesh meets at any D.")
    @Min(0) public Double maxDuplicatesPerMessage;
    @JsonPropertyDescription("With maxDuplicatesPerMessage unset, the duplicates objective is D - 1 + duplicatesSlack"
        + " (healthy meshes measured D - 1.5 to D - 0.1 duplicates per message).")
    @Default("1.5") @Min(0) public Double duplicatesSlack = 1.5;
    @JsonPropertyDescription("Target p99 delivery latency in milliseconds; above it D is raised.")
    @Default("500") @Min(1) public Integer targetP99LatencyMs = 500;
    @JsonPropertyDescription("Minimum share of expected deliveries (every message on every other node); below it D is raised.")
    @Default("0.99") @Min(0) @Max(1) public Double minDeliveryRatio = 0.99;

    /** The duplicates objective at effective degree {@code d}: the absolute one if set, else {@code d - 1 + slack}. */
    public double duplicatesObjective(int d) {
      if (maxDuplicatesPerMessage != null) {
        return maxDuplicatesPerMessage;
      }
      return Math.max(0, d - 1) + (duplicatesSlack == null ? 1.5 : duplicatesSlack);
    }
  }

  /** Pod placement knobs copied into the node pods. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Scheduling {
    public Map<String, String> nodeSelector;
    public List<Toleration> tolerations;
    public Affinity affinity;
    public List<TopologySpreadConstraint> topologySpreadConstraints;
  }

  /** Metrics exposure. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Metrics {
    @JsonPropertyDescription("Create a ServiceMonitor (when its CRD is installed).")
    @Default("false") public Boolean serviceMonitor = false;
    @JsonPropertyDescription("Extra labels of the ServiceMonitor.")
    public Map<String, String> labels = new LinkedHashMap<>();
    @JsonPropertyDescription("How often the operator collects node status, in seconds.")
    @Default("15") @Min(1) @Max(3600) public Integer collectIntervalSeconds = 15;
  }

  /** Rolling-update policy. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Rollout {
    @JsonPropertyDescription("Pods replaced at a time; only 1 is supported.")
    @Default("1") @Min(1) @Max(1) public Integer maxUnavailable = 1;
    @JsonPropertyDescription("Wait for every topic's mesh to heal before replacing the next pod.")
    @Default("true") public Boolean meshHealthGate = true;
    @JsonPropertyDescription("Seconds to wait for a replaced pod and the mesh before reporting Degraded.")
    @Default("300") @Min(10) @Max(86400) public Integer healthTimeoutSeconds = 300;
  }

  /** Admin API TLS and access, and the optional NetworkPolicy (docs/security.md, "Locked-down deployment"). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Security {
    @Default("{}")
    public AdminTls adminTls = new AdminTls();
    @JsonPropertyDescription("Require a status (or admin) token on the nodes' /metrics; the ServiceMonitor then sends"
        + " the status token. Health endpoints stay open for the kubelet's probes.")
    @Default("false") public Boolean protectMetrics = false;
    @Default("{}")
    public NetworkPolicy networkPolicy = new NetworkPolicy();
  }

  /** TLS of the nodes' admin API. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "self.mode != 'Secret' || (has(self.secretName) && size(self.secretName) > 0)",
      message = "security.adminTls: mode Secret needs secretName")
  public static class AdminTls {
    @JsonPropertyDescription("Disabled (plain HTTP), Operator (a per-cluster CA and serving certificate the operator"
        + " keeps and renews) or Secret (a kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt, e.g. from"
        + " cert-manager).")
    @Default("Disabled") public AdminTlsMode mode = AdminTlsMode.Disabled;
    @JsonPropertyDescription("Mode Secret: the Secret's name, in the cluster's namespace.")
    @Size(max = 253) @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
    public String secretName;
  }

  /** An optional NetworkPolicy for the nodes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class NetworkPolicy {
    @JsonPropertyDescription("Create a NetworkPolicy: p2p port only from this cluster's pods, admin port only from the"
        + " operator and the namespaces below. Needs a CNI plugin that enforces NetworkPolicy.")
    @Default("false") public Boolean enabled = false;
    @JsonPropertyDescription("Namespaces (by name) whose pods may also reach the admin port, e.g. your publishers'.")
    @Size(max = 64)
    public List<String> adminFromNamespaces = new ArrayList<>();
  }
}
