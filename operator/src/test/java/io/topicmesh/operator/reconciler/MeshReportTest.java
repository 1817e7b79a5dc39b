package io.topicmesh.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.operator.node.NodeStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshReportTest {
  static NodeStatus node(String peer, Map<String, List<String>> mesh) {
    return new NodeStatus(peer, List.of(), "v", 1, true, List.of(),
        mesh.entrySet().stream().map(e -> new NodeStatus.TopicState(e.getKey(), e.getValue(), List.of())).toList(),
        null, new NodeStatus.Traffic(0, 0, 0, 0.0, 0.0));
  }

  @Test
  void degreesPerTopicAndHealthAtDlo() {
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      statuses.put("n" + i, node("p" + i, Map.of("news", List.of("a", "b", "c", "d", "e"))));
    }
    MeshReport report = MeshReport.of(List.of("news"), statuses, 8, 5);
    assertThat(report.healthy()).isTrue();
    assertThat(report.topics()).singleElement().satisfies(t -> {
      assertThat(t.subscribers).isEqualTo(8);
      assertThat(t.degreeMin).isEqualTo(5);
      assertThat(t.degreeAvg).isEqualTo(5.0);
      assertThat(t.nodesBelowDlo).isZero();
    });
  }

  @Test
  void nodeBelowDloMakesTheMeshUnhealthy() {
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    for (int i = 0; i < 7; i++) {
      statuses.put("n" + i, node("p" + i, Map.of("news", List.of("a", "b", "c", "d", "e"))));
    }
    statuses.put("n7", node("p7", Map.of("news", List.of("a", "b"))));
    MeshReport report = MeshReport.of(List.of("news"), statuses, 8, 5);
    assertThat(report.healthy()).isFalse();
    assertThat(report.summary()).contains("news: 1 nodes below degree 5");
    assertThat(report.topics().get(0).degreeMin).isEqualTo(2);
    assertThat(report.topics().get(0).degreeMax).isEqualTo(5);
  }

  @Test
  void smallClustersNeedOnlyAllPeers() {
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    statuses.put("n0", node("p0", Map.of("news", List.of("p1", "p2"))));
    statuses.put("n1", node("p1", Map.of("news", List.of("p0", "p2"))));
    statuses.put("n2", node("p2", Map.of("news", List.of("p0", "p1"))));
    assertThat(MeshReport.of(List.of("news"), statuses, 3, 5).healthy()).isTrue();
    statuses.put("n2", node("p2", Map.of("news", List.of("p0"))));
    assertThat(MeshReport.of(List.of("news"), statuses, 3, 5).healthy()).isFalse();
  }

  @Test
  void missingAnswersAndSubscriptionsCount() {
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    statuses.put("n0", node("p0", Map.of("news", List.of("p1"))));
    statuses.put("n1", node("p1", Map.of()));
    MeshReport report = MeshReport.of(List.of("news"), statuses, 3, 5);
    assertThat(report.healthy()).isFalse();
    assertThat(report.summary()).contains("1 of 3 nodes did not answer", "news: 1 nodes not subscribed");
    assertThat(MeshReport.of(List.of("news"), Map.of(), 3, 5).healthy()).isFalse();
  }

  @Test
  void aReadyPodThatDidNotAnswerKeepsTheGateClosed() {
    // The collector's last round predates the replaced pod: only the two old nodes answered, each with
    // one mesh peer. Against two nodes that is healthy; with three Ready pods it is not.
    Map<String, NodeStatus> statuses = new LinkedHashMap<>();
    statuses.put("n0", node("p0", Map.of("news", List.of("p2"))));
    statuses.put("n2", node("p2", Map.of("news", List.of("p0"))));
    assertThat(MeshReport.of(List.of("news"), statuses, 2, 2).healthy()).isTrue();
    MeshReport gate = MeshReport.serving(List.of("news"), statuses, 3, 2);
    assertThat(gate.healthy()).isFalse();
    assertThat(gate.summary()).contains("1 of 3 nodes did not answer");
    // Once the new pod answers with its mesh, and the others have meshed with it, the gate opens.
    statuses.put("n1", node("p1", Map.of("news", List.of("p0", "p2"))));
    statuses.put("n0", node("p0", Map.of("news", List.of("p1", "p2"))));
    statuses.put("n2", node("p2", Map.of("news", List.of("p0", "p1"))));
    assertThat(MeshReport.serving(List.of("news"), statuses, 3, 2).healthy()).isTrue();
    // A pod that is down (not Ready) is the planner's business, not the mesh's.
    statuses.remove("n1");
    statuses.put("n0", node("p0", Map.of("news", List.of("p2"))));
    statuses.put("n2", node("p2", Map.of("news", List.of("p0"))));
    assertThat(MeshReport.serving(List.of("news"), statuses, 2, 2).healthy()).isTrue();
  }
}
