package io.topicmesh.e2e.k8s;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** A namespace of one test class: created with a random suffix, deleted at the end (also on failure). */
final class TestNamespace {
  private TestNamespace() {}

  static String create(Class<?> testClass, String prefix) {
    KubernetesClient client = E2eEnv.get().client;
    String name = prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36)
        .toLowerCase(Locale.ROOT);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
        .addToLabels("topicmesh.io/e2e", "true").endMetadata().build()).create();
    Diagnostics.track(testClass, name);
    System.out.println("e2e: created namespace " + name + " for " + testClass.getSimpleName());
    return name;
  }

  /**
   * Deletes the TopicClusters first (so the running operator releases its finalizers), then the
   * namespace, waiting a bounded time for each.
   */
  static void delete(String name) {
    if (name == null) {
      return;
    }
    KubernetesClient client = E2eEnv.get().client;
    try {
      Tc.api(client).inNamespace(name).delete();
      await("TopicClusters in " + name + " gone").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .until(() -> Tc.api(client).inNamespace(name).list().getItems().isEmpty());
    } catch (RuntimeException e) {
      System.out.println("e2e: TopicClusters of " + name + " not gone (" + e.getMessage()
          + "); removing their finalizers");
      Tc.api(client).inNamespace(name).list().getItems().forEach(tc -> Tc.mergePatch(client, name,
          tc.getMetadata().getName(), "{\"metadata\":{\"finalizers\":null}}"));
    }
    client.namespaces().withName(name).delete();
    try {
      await("namespace " + name + " gone").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
          .until(() -> client.namespaces().withName(name).get() == null);
      System.out.println("e2e: deleted namespace " + name);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println("e2e: namespace " + name + " is still terminating after 90s; left to the namespace controller");
    }
  }
}
