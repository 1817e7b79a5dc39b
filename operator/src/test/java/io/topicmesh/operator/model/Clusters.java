package io.topicmesh.operator.model;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;

/** TopicCluster fixtures for tests. */
public final class Clusters {
  private Clusters() {
  }

  public static TopicCluster cluster(String name, int replicas, String... topics) {
    TopicCluster cr = new TopicCluster();
    cr.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("ns").withUid("uid-" + name)
        .withGeneration(1L).build());
    cr.setSpec(new TopicClusterSpec());
    cr.getSpec().image = "registry.example/topicmesh/node:1.0";
    cr.getSpec().replicas = replicas;
    for (String t : topics) {
      cr.getSpec().topics.add(new TopicClusterSpec.Topic(t));
    }
    return cr;
  }
}
