package io.topicmesh.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * TopicClusters as a user handles them: YAML applied as is, changes as JSON merge patches (what
 * {@code kubectl patch --type merge} sends), status read as JSON.
 */
final class Tc {
  static final String API_VERSION = "topicmesh.io/v1alpha1";
  static final String KIND = "TopicCluster";
  static final ObjectMapper JSON = new ObjectMapper();

  private Tc() {}

  static MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>>
      api(KubernetesClient client) {
    return client.genericKubernetesResources(API_VERSION, KIND);
  }

  static GenericKubernetesResource load(Path yaml) {
    try {
      return Serialization.unmarshal(Files.readString(yaml), GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + yaml + ": " + e);
    }
  }

  static GenericKubernetesResource fromYaml(String yaml) {
    return Serialization.unmarshal(yaml, GenericKubernetesResource.class);
  }

  /** The TopicCluster as JSON, or a missing node when it does not exist. */
  static JsonNode get(KubernetesClient client, String ns, String name) {
    GenericKubernetesResource r = api(client).inNamespace(ns).withName(name).get();
    return r == null ? MissingNode.getInstance() : JSON.valueToTree(r);
  }

  static void mergePatch(KubernetesClient client, String ns, String name, String patchJson) {
    api(client).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), patchJson);
  }

  static JsonNode condition(JsonNode tc, String type) {
    for (JsonNode c : tc.path("status").path("conditions")) {
      if (type.equals(c.path("type").asText())) {
        return c;
      }
    }
    return MissingNode.getInstance();
  }

  static boolean conditionIs(JsonNode tc, String type, String status) {
    return status.equals(condition(tc, type).path("status").asText());
  }

  /** Ready, every desired node Ready, meshes healthy, and the status is about the current spec. */
  static boolean settled(JsonNode tc, int replicas) {
    JsonNode st = tc.path("status");
    return conditionIs(tc, "Ready", "True")
        && st.path("observedGeneration").asLong(-1) == tc.path("metadata").path("generation").asLong(-2)
        && st.path("readyReplicas").asInt(-1) == replicas
        && st.path("replicas").asInt(-1) == replicas
        && "Healthy".equals(st.path("meshHealth").asText());
  }

  static String brief(JsonNode tc) {
    if (tc.isMissingNode()) {
      return "(TopicCluster absent)";
    }
    JsonNode st = tc.path("status");
    String conds = java.util.stream.Stream.of("Ready", "Progressing", "Degraded", "MeshHealthy", "Tuned")
        .map(t -> {
          JsonNode c = condition(tc, t);
          return t + "=" + c.path("status").asText("?") + (c.path("reason").asText("").isEmpty() ? ""
              : "(" + c.path("reason").asText() + ": " + c.path("message").asText() + ")");
        }).collect(Collectors.joining(" "));
    return "gen=" + tc.path("metadata").path("generation").asText() + " observed=" + st.path("observedGeneration").asText()
        + " nodes=" + st.path("nodes").asText() + " ready=" + st.path("readyReplicas").asText()
        + " mesh=" + st.path("meshHealth").asText() + " D=" + st.path("effectiveParams").path("d").asText()
        + " " + conds;
  }

  /** Pods of the TopicCluster's StatefulSet, by ordinal. */
  static List<Pod> pods(KubernetesClient client, String ns, String name) {
    return client.pods().inNamespace(ns)
        .withLabels(Map.of("app.kubernetes.io/name", "topicmesh-node", "app.kubernetes.io/instance", name))
        .list().getItems().stream()
        .sorted(Comparator.comparingInt(Tc::ordinal))
        .collect(Collectors.toList());
  }

  static int ordinal(Pod p) {
    String n = p.getMetadata().getName();
    return Integer.parseInt(n.substring(n.lastIndexOf('-') + 1));
  }

  static boolean podReady(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static int restarts(Pod p) {
    return p.getStatus() == null || p.getStatus().getContainerStatuses() == null ? 0
        : p.getStatus().getContainerStatuses().stream().mapToInt(cs -> cs.getRestartCount()).sum();
  }
}
