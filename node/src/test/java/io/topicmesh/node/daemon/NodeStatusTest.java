package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed status writes the {@code GET /v1/status} object member for member, in the API's order. */
class NodeStatusTest {
  @Test
  @SuppressWarnings("unchecked")
  void toJsonWritesEveryMemberInTheApisOrder() {
    var edge = new NodeStatus.Edge("Qm2", true, false, 1, 2, 3, 4, 5);
    var topic = new NodeStatus.Topic("t", List.of("Qm2"), List.of(), 1, 7L, 2L, List.of(edge), 3);
    var status = new NodeStatus("Qm1", List.of("/ip4/127.0.0.1/tcp/1"), "dev", 5, 5001, true, "ok", true,
        List.of(new NodeStatus.Peer("Qm2", "/meshsub/1.2.0", null, "outbound", "/ip4/127.0.0.2/tcp/1", "/yamux/1.0.0")),
        List.of(topic), Map.of("d", 6), new NodeStatus.Heartbeat(9, 120),
        new NodeStatus.Lock(0, null, 10, 1.5, 0.5, null, 1, 0),
        new NodeStatus.Traffic(1, 2, 3, 1.5, 4.0, null, 0), Map.of("enabled", false),
        new NodeStatus.Discovery(List.of("k8s:x"), 2, List.of(new NodeStatus.SourceState("k8s:x", "watching", true, ""))));
    Map<String, Object> json = status.toJson();
    assertThat(json.keySet()).containsExactly("peerId", "addrs", "version", "uptimeSeconds", "uptimeMs", "ready",
        "readyReason", "live", "peers", "topics", "params", "heartbeat", "lock", "traffic", "probes", "discovery");
    var peer = ((List<Map<String, Object>>) json.get("peers")).get(0);
    assertThat(peer.keySet()).containsExactly("peerId", "protocol", "score", "direction", "addr", "muxer");
    assertThat(peer.get("score")).isNull();
    var t = ((List<Map<String, Object>>) json.get("topics")).get(0);
    assertThat(t.keySet()).containsExactly("topic", "mesh", "fanout", "peers", "messages", "duplicates", "edges",
        "edgesOmitted");
    assertThat(t.get("peers")).isEqualTo(1);
    assertThat(t.get("messages")).isEqualTo(7L);
    assertThat(t.get("edgesOmitted")).isEqualTo(3);
    var e = ((List<Map<String, Object>>) t.get("edges")).get(0);
    assertThat(e.keySet()).containsExactly("peer", "mesh", "fanout", "messagesIn", "messagesOut", "bytesIn", "bytesOut",
        "duplicatesIn");
    assertThat(((Map<String, Object>) json.get("heartbeat")).keySet()).containsExactly("ticks", "sinceLastMs");
    assertThat(((Map<String, Object>) json.get("lock")).keySet()).containsExactly("inboxDepth", "holder", "holds",
        "holdTotalMs", "holdMaxMs", "holdCpuMaxMs", "contended", "longHolds");
    var tr = (Map<String, Object>) json.get("traffic");
    assertThat(tr.keySet()).containsExactly("published", "delivered", "duplicates", "duplicatesPerMessage",
        "latencyP50Ms", "latencyP99Ms", "deliveryDropped");
    assertThat(tr.get("latencyP99Ms")).isNull();
    var disc = (Map<String, Object>) json.get("discovery");
    assertThat(disc.keySet()).containsExactly("sources", "known", "states");
    assertThat(((List<Map<String, Object>>) disc.get("states")).get(0).keySet())
        .containsExactly("source", "state", "synced", "detail");
  }
}
