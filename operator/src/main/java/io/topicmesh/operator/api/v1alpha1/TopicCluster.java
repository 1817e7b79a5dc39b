package io.topicmesh.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A gossipsub cluster managed by the topicmesh operator: {@code topicmesh.io/v1alpha1}, kind
 * {@code TopicCluster}, short name {@code tc}. The CRD in {@code crds/} is generated from this class.
 */
@Group(TopicCluster.GROUP)
@Version(TopicCluster.VERSION)
@Kind("TopicCluster")
@Plural("topicclusters")
@Singular("topiccluster")
@ShortNames("tc")
@AdditionalPrinterColumn(name = "Ready", type = Type.STRING,
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "Nodes", type = Type.STRING, jsonPath = ".status.nodes")
@AdditionalPrinterColumn(name = "Topics", type = Type.INTEGER, jsonPath = ".status.topicCount")
@AdditionalPrinterColumn(name = "D", type = Type.INTEGER, jsonPath = ".status.effectiveParams.d")
@AdditionalPrinterColumn(name = "Mesh", type = Type.STRING, jsonPath = ".status.meshHealth")
@AdditionalPrinterColumn(name = "Age", type = Type.DATE, jsonPath = ".metadata.creationTimestamp")
public class TopicCluster extends CustomResource<TopicClusterSpec, TopicClusterStatus> implements Namespaced {
  public static final String GROUP = "topicmesh.io";
  public static final String VERSION = "v1alpha1";
  /** Annotation that stops every change to the cluster while its value is {@code "true"}. */
  public static final String PAUSE_ANNOTATION = "topicmesh.io/pause-reconciliation";

  // No initSpec()/initStatus(): java-operator-sdk applies bare instances (metadata only, e.g. to add
  // its finalizer) with server-side apply, and a default spec there would overwrite the user's.

  /** True when the pause annotation is set to {@code "true"}. */
  @JsonIgnore
  public boolean isPaused() {
    var annotations = getMetadata() == null ? null : getMetadata().getAnnotations();
    return annotations != null && "true".equalsIgnoreCase(annotations.get(PAUSE_ANNOTATION));
  }
}
