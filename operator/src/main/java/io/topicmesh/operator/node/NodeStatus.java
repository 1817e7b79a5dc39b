package io.topicmesh.operator.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** The node's {@code GET /v1/status} document; unknown fields are ignored so nodes may add more. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NodeStatus(
    String peerId,
    List<String> addrs,
    String version,
    long uptimeSeconds,
    boolean ready,
    List<Peer> peers,
    List<TopicState> topics,
    ObjectNode params,
    Traffic traffic) {

  public NodeStatus {
    addrs = addrs == null ? List.of() : List.copyOf(addrs);
    peers = peers == null ? List.of() : List.copyOf(peers);
    topics = topics == null ? List.of() : List.copyOf(topics);
  }

  /** A connected peer. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Peer(String peerId, String protocol, double score) {
  }

  /**
   * A subscribed topic's mesh and fanout on this node; {@code messages} (optional) counts the distinct
   * messages of the topic this node has seen since it started (its own publishes plus first
   * receptions), from which the operator derives the topic's message rate.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TopicState(String topic, List<String> mesh, List<String> fanout, Long messages) {
    public TopicState(String topic, List<String> mesh, List<String> fanout) {
      this(topic, mesh, fanout, null);
    }


    public TopicState {
      mesh = mesh == null ? List.of() : List.copyOf(mesh);
      fanout = fanout == null ? List.of() : List.copyOf(fanout);
    }
  }

  /** Cumulative traffic counters since the node started, plus its latency percentiles. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Traffic(long published, long delivered, long duplicates, double latencyP50Ms, double latencyP99Ms) {
  }
}
