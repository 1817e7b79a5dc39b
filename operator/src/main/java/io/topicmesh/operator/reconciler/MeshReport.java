package io.topicmesh.operator.reconciler;

import io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.TopicMesh;
import io.topicmesh.operator.node.NodeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The mesh of every topic across the nodes that answered, and whether it is healthy: every node that
 * subscribes to a topic has a mesh degree of at least Dlo, or all the other subscribers when there
 * are fewer than Dlo of them. Pure; built from node status documents.
 */
public record MeshReport(List<TopicMesh> topics, boolean healthy, String summary) {

  /**
   * The report the rollout and scale-down gate decides from: the nodes that serve. A pod that is down
   * is the planner's business, but a pod that is Ready and did not answer (a replaced pod whose first
   * status round has not completed, so the collector still holds a round from before it) leaves the
   * mesh unknown, and unknown is not healthy: without this, the others' meshes were judged against one
   * node fewer and the gate let the next pod go while the new one was still meshing.
   *
   * @param readyPods pods that stay and are Ready now
   */
  public static MeshReport serving(List<String> specTopics, Map<String, NodeStatus> statuses, int readyPods, int dlo) {
    return serving(specTopics, statuses, readyPods, t -> dlo);
  }

  /** {@link #serving} with each topic's own Dlo. */
  public static MeshReport serving(List<String> specTopics, Map<String, NodeStatus> statuses, int readyPods,
      java.util.function.ToIntFunction<String> dlo) {
    return of(specTopics, statuses, Math.max(statuses.size(), readyPods), dlo);
  }

  /** {@link #of(List, Map, int, java.util.function.ToIntFunction)} with one Dlo for every topic. */
  public static MeshReport of(List<String> specTopics, Map<String, NodeStatus> statuses, int expectedNodes, int dlo) {
    return of(specTopics, statuses, expectedNodes, t -> dlo);
  }

  /**
   * @param statuses status per pod name of the nodes that answered
   * @param expectedNodes nodes that should have answered (unanswered nodes make the mesh unhealthy)
   * @param dlo each topic's Dlo (its own, or the cluster's)
   */
  public static MeshReport of(List<String> specTopics, Map<String, NodeStatus> statuses, int expectedNodes,
      java.util.function.ToIntFunction<String> dlo) {
    if (statuses.isEmpty()) {
      return new MeshReport(List.of(), false, expectedNodes == 0 ? "no nodes" : "no node answered");
    }
    List<TopicMesh> topics = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (statuses.size() < expectedNodes) {
      problems.add((expectedNodes - statuses.size()) + " of " + expectedNodes + " nodes did not answer");
    }
    for (String topic : specTopics) {
      List<Integer> degrees = new ArrayList<>();
      for (NodeStatus status : statuses.values()) {
        status.topics().stream().filter(t -> topic.equals(t.topic())).findFirst()
            .ifPresent(t -> degrees.add(t.mesh().size()));
      }
      TopicMesh mesh = new TopicMesh();
      mesh.topic = topic;
      mesh.subscribers = degrees.size();
      int needed = Math.min(dlo.applyAsInt(topic), Math.max(0, degrees.size() - 1));
      mesh.nodesBelowDlo = (int) degrees.stream().filter(d -> d < needed).count();
      if (!degrees.isEmpty()) {
        mesh.degreeMin = degrees.stream().mapToInt(Integer::intValue).min().orElse(0);
        mesh.degreeMax = degrees.stream().mapToInt(Integer::intValue).max().orElse(0);
        mesh.degreeAvg = Math.round(degrees.stream().mapToInt(Integer::intValue).average().orElse(0) * 100) / 100.0;
      }
      if (degrees.size() < statuses.size()) {
        problems.add(topic + ": " + (statuses.size() - degrees.size()) + " nodes not subscribed");
      }
      if (mesh.nodesBelowDlo > 0) {
        problems.add(topic + ": " + mesh.nodesBelowDlo + " nodes below degree " + needed);
      }
      topics.add(mesh);
    }
    boolean healthy = problems.isEmpty();
    return new MeshReport(topics, healthy, healthy ? "every topic's mesh at Dlo or all peers" : String.join("; ", problems));
  }
}
