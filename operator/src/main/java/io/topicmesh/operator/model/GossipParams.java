package io.topicmesh.operator.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.EffectiveParams;

/**
 * The live overlay parameters of a node: the members of the node's {@code /v1/params} object. They
 * can be changed without a restart, so they are kept out of the pod template's config hash.
 */
public record GossipParams(int d, int dlo, int dhi, int dlazy, int dout, int dscore, int heartbeatIntervalMs,
    int historyLength, int historyGossip, int fanoutTtlMs, int seenTtlMs, boolean floodPublish,
    int idontwantThreshold) {

  /** Throws IllegalArgumentException naming the violated gossipsub invariant. */
  public GossipParams {
    if (d < 1 || dlo < 1 || dhi < 1 || dlazy < 0 || dout < 0 || dscore < 0) {
      throw new IllegalArgumentException("mesh degrees must be positive: " + degrees(d, dlo, dhi, dout));
    }
    if (!(dlo <= d && d <= dhi)) {
      throw new IllegalArgumentException("dlo <= d <= dhi violated: " + degrees(d, dlo, dhi, dout));
    }
    if (!(dout < dlo && dout <= d / 2)) {
      throw new IllegalArgumentException("dout < dlo and dout <= d/2 violated: " + degrees(d, dlo, dhi, dout));
    }
  }

  private static String degrees(int d, int dlo, int dhi, int dout) {
    return "d=" + d + " dlo=" + dlo + " dhi=" + dhi + " dout=" + dout;
  }

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

  public EffectiveParams toStatus() {
    return new EffectiveParams(d, dlo, dhi, dlazy, dout, dscore);
  }

  /** The {@code /v1/params} JSON members, in a stable order. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("d", d).put("dlo", dlo).put("dhi", dhi).put("dlazy", dlazy).put("dout", dout).put("dscore", dscore)
        .put("heartbeatIntervalMs", heartbeatIntervalMs).put("historyLength", historyLength)
        .put("historyGossip", historyGossip).put("fanoutTtlMs", fanoutTtlMs).put("seenTtlMs", seenTtlMs)
        .put("floodPublish", floodPublish).put("idontwantThreshold", idontwantThreshold);
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
