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
    Traffic traffic,
    Probes probes) {

  /** A status without mesh probes (nodes before issue 9, or probes switched off). */
  public NodeStatus(String peerId, List<String> addrs, String version, long uptimeSeconds, boolean ready,
      List<Peer> peers, List<TopicState> topics, ObjectNode params, Traffic traffic) {
    this(peerId, addrs, version, uptimeSeconds, ready, peers, topics, params, traffic, null);
  }

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
   * receptions), from which the operator derives the topic's message rate; {@code duplicates}
   * (optional) the topic's duplicate receptions, for its duplicates per message.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record TopicState(String topic, List<String> mesh, List<String> fanout, Long messages, Long duplicates) {
    public TopicState(String topic, List<String> mesh, List<String> fanout) {
      this(topic, mesh, fanout, null, null);
    }

    /** A topic without a duplicates counter (nodes before per-topic tuning). */
    public TopicState(String topic, List<String> mesh, List<String> fanout, Long messages) {
      this(topic, mesh, fanout, messages, null);
    }


    public TopicState {
      mesh = mesh == null ? List.of() : List.copyOf(mesh);
      fanout = fanout == null ? List.of() : List.copyOf(fanout);
    }
  }

  /**
   * Cumulative traffic counters since the node started, plus its load-message latency percentiles
   * (null when the node had no timestamped load message in the last minute: absent, not 0).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Traffic(long published, long delivered, long duplicates, Double latencyP50Ms, Double latencyP99Ms) {
  }

  /**
   * The node's mesh probe figures ({@code status.probes}, issue 9) over its recent window: probes
   * from other nodes that fell due ({@code expected}) and those received by then, their ratio and
   * the latency percentiles. Every figure is null when the node has none (probes off, no other
   * publisher heard yet).
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Probes(Boolean enabled, Integer publishers, Long expected, Long received, Double deliveryRatio,
      Double latencyP50Ms, Double latencyP99Ms) {
    public boolean on() {
      return Boolean.TRUE.equals(enabled);
    }
  }
}
