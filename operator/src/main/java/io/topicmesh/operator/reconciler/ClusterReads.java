package io.topicmesh.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.model.TopicClusterModel;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a reconcile reads the objects it owns. In the operator every read is served by an informer
 * cache (label-selected {@code app.kubernetes.io/managed-by=topicmesh-operator}, see
 * {@link TopicClusterReconciler#prepareEventSources}); {@link #direct} reads from the API server, for
 * callers without JOSDK (tests that drive one reconcile at a time).
 */
public interface ClusterReads {
  Optional<StatefulSet> statefulSet(TopicClusterModel model);

  /** The cluster's pods (terminating ones included). */
  List<Pod> pods(TopicClusterModel model);

  Optional<Secret> secret(String namespace, String name);

  /** The cluster's identity Secrets (those carrying the ordinal label). */
  List<Secret> identitySecrets(TopicClusterModel model);

  /** Reads through the API server. */
  static ClusterReads direct(KubernetesClient client) {
    return new ClusterReads() {
      @Override
      public Optional<StatefulSet> statefulSet(TopicClusterModel model) {
        return Optional.ofNullable(client.apps().statefulSets().inNamespace(model.namespace()).withName(model.name()).get());
      }

      @Override
      public List<Pod> pods(TopicClusterModel model) {
        return client.pods().inNamespace(model.namespace()).withLabels(model.selectorLabels()).list().getItems();
      }

      @Override
      public Optional<Secret> secret(String namespace, String name) {
        return Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get());
      }

      @Override
      public List<Secret> identitySecrets(TopicClusterModel model) {
        return client.secrets().inNamespace(model.namespace()).withLabels(model.selectorLabels())
            .withLabel(TopicClusterModel.ORDINAL_LABEL).list().getItems();
      }
    };
  }

  /** Reads from the informer caches of the reconciler's event sources. */
  static ClusterReads informers(Context<TopicCluster> context) {
    var statefulSets = source(context, StatefulSet.class, TopicClusterReconciler.STATEFULSETS);
    var pods = source(context, Pod.class, TopicClusterReconciler.PODS);
    var secrets = source(context, Secret.class, TopicClusterReconciler.SECRETS);
    return new ClusterReads() {
      @Override
      public Optional<StatefulSet> statefulSet(TopicClusterModel model) {
        return statefulSets.get(new ResourceID(model.name(), model.namespace()));
      }

      @Override
      public List<Pod> pods(TopicClusterModel model) {
        return pods.list(model.namespace(), p -> selects(model.selectorLabels(), p)).toList();
      }

      @Override
      public Optional<Secret> secret(String namespace, String name) {
        return secrets.get(new ResourceID(name, namespace));
      }

      @Override
      public List<Secret> identitySecrets(TopicClusterModel model) {
        return secrets.list(model.namespace(), s -> selects(model.selectorLabels(), s)
            && s.getMetadata().getLabels().containsKey(TopicClusterModel.ORDINAL_LABEL)).toList();
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> InformerEventSource<R, TopicCluster> source(Context<TopicCluster> context,
      Class<R> type, String name) {
    return (InformerEventSource<R, TopicCluster>) context.eventSourceRetriever().getEventSourceFor(type, name);
  }

  private static boolean selects(Map<String, String> selector, HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    return labels != null && labels.entrySet().containsAll(selector.entrySet());
  }
}
