package io.topicmesh.operator.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.topicmesh.api.GossipSchema;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.EffectiveParams;
import java.time.Duration;

/**
 * The live overlay parameters of a node: the members of the node's {@code /v1/params} object that
 * the operator sets ({@link GossipSchema#MEMBERS}). They can be changed without a restart, so they
 * are kept out of the pod template's config hash.
 */
public record GossipParams(int d, int dlo, int dhi, int dlazy, int dout, int dscore, int heartbeatIntervalMs,
    int historyLength, int historyGossip, int fanoutTtlMs, int seenTtlMs, boolean floodPublish,
    int idontwantThreshold) {

  /**
   * Checks the members with the shared schema ({@link GossipSchema#checkShared}), the same rules and
   * words as the node's, so that what the operator accepts the node accepts too and a refusal reads
   * the same on both sides. A bootstrapper (D = Dlo = Dhi = Dout = 0) is valid, as at the node.
   *
   * @throws io.topicmesh.api.ParameterException (an IllegalArgumentException) naming the member
   */
  public GossipParams {
    GossipSchema.checkShared(d, dlo, dhi, dscore, dout, dlazy, Duration.ofMillis(heartbeatIntervalMs), historyLength,
        historyGossip, Duration.ofMillis(fanoutTtlMs), Duration.ofMillis(seenTtlMs), idontwantThreshold);
  }

  /** The node's per-topic mesh members ({@code topics[].mesh}, {@code PUT /v1/topics/{t}}), all of them. */
  public static final java.util.List<String> MESH_MEMBERS = GossipSchema.MESH_MEMBERS;

  public static GossipParams fromSpec(TopicClusterSpec.Gossipsub g) {
    return new GossipParams(g.d, g.dlo, g.dhi, g.dlazy, g.dout, g.dscore, g.heartbeatIntervalMs, g.historyLength,
        g.historyGossip, g.fanoutTtlMs, g.seenTtlMs, g.floodPublish, g.idontwantThreshold);
  }

  /** The same parameters with a new degree family; dout and dscore are lowered to stay valid. */
  public GossipParams withDegrees(int newD, int newDlo, int newDhi) {
    int newDout = Math.max(0, Math.min(dout, Math.min(newDlo - 1, newD / 2)));
    int newDscore = Math.min(dscore, newDhi);
    return new GossipParams(newD, newDlo, newDhi, dlazy, newDout, newDscore, heartbeatIntervalMs, historyLength,
        historyGossip, fanoutTtlMs, seenTtlMs, floodPublish, idontwantThreshold);
  }

  /**
   * A topic's parameters: these (the cluster's) with the topic's own degrees. D, Dlo and Dhi are the
   * topic's; Dlazy, Dout and Dscore are the topic's when given, else the cluster's, lowered where
   * needed to stay valid (as {@link #withDegrees}).
   *
   * @throws IllegalArgumentException naming the member that breaks an invariant
   */
  public GossipParams forTopic(TopicClusterSpec.MeshDegrees m) {
    GossipParams derived = withDegrees(m.d, m.dlo, m.dhi);
    return new GossipParams(m.d, m.dlo, m.dhi, m.dlazy == null ? derived.dlazy : m.dlazy,
        m.dout == null ? derived.dout : m.dout, m.dscore == null ? derived.dscore : m.dscore, heartbeatIntervalMs,
        historyLength, historyGossip, fanoutTtlMs, seenTtlMs, floodPublish, idontwantThreshold);
  }

  /** The same parameters with another D, Dlo, Dhi, Dlazy, Dout and Dscore (from status), validated. */
  public GossipParams withMesh(int newD, int newDlo, int newDhi, int newDlazy, int newDout, int newDscore) {
    return new GossipParams(newD, newDlo, newDhi, newDlazy, newDout, newDscore, heartbeatIntervalMs, historyLength,
        historyGossip, fanoutTtlMs, seenTtlMs, floodPublish, idontwantThreshold);
  }

  /** The degree family only: the node's {@code mesh} object of a topic, every member given. */
  public ObjectNode toMeshJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put(GossipSchema.D, d).put(GossipSchema.DLO, dlo).put(GossipSchema.DHI, dhi).put(GossipSchema.DSCORE, dscore)
        .put(GossipSchema.DOUT, dout).put(GossipSchema.DLAZY, dlazy);
    return o;
  }

  /** True when both run the same degree family (the only members a topic can override). */
  public boolean sameMesh(GossipParams o) {
    return o != null && d == o.d && dlo == o.dlo && dhi == o.dhi && dlazy == o.dlazy && dout == o.dout
        && dscore == o.dscore;
  }

  public EffectiveParams toStatus() {
    return new EffectiveParams(d, dlo, dhi, dlazy, dout, dscore);
  }

  /** The {@code /v1/params} JSON members, in a stable order. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put(GossipSchema.D, d).put(GossipSchema.DLO, dlo).put(GossipSchema.DHI, dhi).put(GossipSchema.DLAZY, dlazy)
        .put(GossipSchema.DOUT, dout).put(GossipSchema.DSCORE, dscore)
        .put(GossipSchema.HEARTBEAT_INTERVAL_MS, heartbeatIntervalMs).put(GossipSchema.HISTORY_LENGTH, historyLength)
        .put(GossipSchema.HISTORY_GOSSIP, historyGossip).put(GossipSchema.FANOUT_TTL_MS, fanoutTtlMs)
        .put(GossipSchema.SEEN_TTL_MS, seenTtlMs).put(GossipSchema.FLOOD_PUBLISH, floodPublish)
        .put(GossipSchema.IDONTWANT_THRESHOLD, idontwantThreshold);
    return o;
  }

  /** True when the node's reported params carry these values (extra members are ignored). */
  public boolean matches(ObjectNode reported) {
    if (reported == null) {
      return false;
    }
    var mine = toJson();
    var names = mine.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!reported.has(name) || !reported.get(name).asText().equals(mine.get(name).asText())) {
        return false;
      }
    }
    return true;
  }
}
