package io.topicmesh.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Observed state of a {@link TopicCluster}, written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TopicClusterStatus {
  public Long observedGeneration;
  /** Ready, Progressing, Degraded, MeshHealthy, ProbesHealthy, Tuned, ScoreGuarded (Kubernetes API conventions). */
  public List<Condition> conditions = new ArrayList<>();
  public Integer replicas;
  public Integer readyReplicas;
  @JsonPropertyDescription("ready/desired, for the Nodes printer column")
  public String nodes;
  public Integer topicCount;
  @JsonPropertyDescription("Healthy, Degraded or Unknown")
  public String meshHealth;
  @JsonPropertyDescription("Healthy, Degraded or Unknown: whether the mesh probes meet the tuning objectives (delivery"
      + " ratio, p99); the ProbesHealthy condition names the objective violated. The figures are operator metrics.")
  public String probeHealth;
  @JsonPropertyDescription("true while the pause annotation stops changes")
  public Boolean paused;
  public EffectiveParams effectiveParams;
  public List<TopicMesh> mesh;
  public TuningChange lastTuning;
  @JsonPropertyDescription("each topic's mesh degrees in force: the cluster's (effectiveParams) or, for a topic with"
      + " spec.topics[].mesh, its own, tuned on its own with tuning.mode Auto, with its last change and why")
  public List<TopicParams> topicParams;
  public RolloutStatus rollout;
  @JsonPropertyDescription("what the operator waits for before its next step, each with its deadline")
  public List<Wait> waits;
  @JsonPropertyDescription("topics whose P3 (mesh message deliveries) the operator holds off: their traffic cannot meet the threshold")
  public List<GuardedTopic> scoreGuard;
  @JsonPropertyDescription("PeerId of every node ordinal")
  public List<NodeIdentity> peers;

  /** D/Dlo/Dhi (and the rest of the degree family) currently applied to the nodes. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class EffectiveParams {
    public Integer d;
    public Integer dlo;
    public Integer dhi;
    public Integer dlazy;
    public Integer dout;
    public Integer dscore;

    public EffectiveParams() {
    }

    public EffectiveParams(int d, int dlo, int dhi, int dlazy, int dout, int dscore) {
      this.d = d;
      this.dlo = dlo;
      this.dhi = dhi;
      this.dlazy = dlazy;
      this.dout = dout;
      this.dscore = dscore;
    }
  }

  /** The mesh degrees one topic runs with, and the last change of its own. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TopicParams {
    public String topic;
    @JsonPropertyDescription("Cluster: the topic runs effectiveParams; Topic: its own (spec.topics[].mesh)")
    public String source;
    public Integer d;
    public Integer dlo;
    public Integer dhi;
    public Integer dlazy;
    public Integer dout;
    public Integer dscore;
    @JsonPropertyDescription("the last change of the topic's own parameters (source Topic)")
    public TuningChange lastTuning;
  }

  /** Mesh figures of one topic across the cluster. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TopicMesh {
    public String topic;
    public Integer subscribers;
    public Integer degreeMin;
    public Double degreeAvg;
    public Integer degreeMax;
    public Integer nodesBelowDlo;
  }

  /** The last change of the effective parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class TuningChange {
    public String time;
    public EffectiveParams from;
    public EffectiveParams to;
    public String reason;
  }

  /** Progress of a mesh-aware rolling update. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class RolloutStatus {
    @JsonPropertyDescription("config hash the pods are being rolled to")
    public String targetHash;
    @JsonPropertyDescription("pod replaced last; the next waits until it is Ready and the mesh healthy")
    public String currentPod;
    public String since;
    public Integer updatedReplicas;
  }

  /** One thing the operator waits for; past the deadline it reports Degraded or goes on (see README). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Wait {
    @JsonPropertyDescription("ScaleDownGate, ReplacedPodReady or ClusterWhole")
    public String reason;
    @JsonPropertyDescription("the pod the wait is about, if any")
    public String pod;
    public String message;
    public String since;
    public String deadline;
  }

  /** A topic pushed with P3/P3b weight 0 although the spec sets P3, and why. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class GuardedTopic {
    public String topic;
    public String message;

    public GuardedTopic() {
    }

    public GuardedTopic(String topic, String message) {
      this.topic = topic;
      this.message = message;
    }
  }

  /** Identity of one node ordinal. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class NodeIdentity {
    public String pod;
    public String peerId;

    public NodeIdentity() {
    }

    public NodeIdentity(String pod, String peerId) {
      this.pod = pod;
      this.peerId = peerId;
    }
  }
}
