package io.topicmesh.e2e.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The suite's inputs (system properties, see docs/e2e.md) and the one Kubernetes client every
 * scenario shares. Anything missing or unreachable fails the suite with a message naming it; the
 * suite never skips.
 */
final class E2eEnv {
  final Path kubeconfig;
  final String helm;
  final Path chart;
  final String nodeImage;
  final String nodeImageAlt;
  final Path targetDir;
  final String nodeImageBroken;
  final String operatorImage;
  final String target;
  final String operatorNamespace;
  final String release;
  final KubernetesClient client;

  private static E2eEnv instance;
  private static String failure;

  private E2eEnv() {
    Path moduleDir = Path.of(System.getProperty("e2e.moduleDir", ".")).toAbsolutePath().normalize();
    List<String> problems = new ArrayList<>();
    String kc = System.getProperty("e2e.kubeconfig", "");
    kubeconfig = kc.isBlank() ? null : Path.of(kc).toAbsolutePath();
    if (kubeconfig == null) {
      problems.add("e2e.kubeconfig is not set (the path of the target cluster's kubeconfig)");
    } else if (!Files.isReadable(kubeconfig)) {
      problems.add("e2e.kubeconfig=" + kubeconfig + " is not a readable file");
    }
    helm = resolveHelm(System.getProperty("e2e.helm", "helm"), problems);
    String chartProp = System.getProperty("e2e.chart", "");
    chart = (chartProp.isBlank() ? moduleDir.resolve("../charts/topicmesh") : Path.of(chartProp))
        .toAbsolutePath().normalize();
    if (!Files.isRegularFile(chart.resolve("Chart.yaml"))) {
      problems.add("e2e.chart=" + chart + " has no Chart.yaml");
    }
    nodeImage = prop("e2e.nodeImage", "topicmesh/node:0.1.0");
    nodeImageAlt = prop("e2e.nodeImageAlt", "topicmesh/node:0.1.0-r2");
    nodeImageBroken = prop("e2e.nodeImageBroken", "topicmesh/node:0.1.0-broken");
    operatorImage = prop("e2e.operatorImage", "topicmesh/operator:0.1.0");
    target = prop("e2e.target", "local");
    operatorNamespace = prop("e2e.operatorNamespace", "topicmesh-system");
    release = prop("e2e.release", "topicmesh");
    targetDir = moduleDir.resolve("target");
    if (!problems.isEmpty()) {
      throw new IllegalStateException("e2e suite cannot start: " + String.join("; ", problems));
    }
    Config config;
    try {
      config = Config.fromKubeconfig(kubeconfig.toFile());
    } catch (RuntimeException e) {
      throw new IllegalStateException("e2e suite cannot read e2e.kubeconfig=" + kubeconfig + ": " + e);
    }
    config.setRequestTimeout((int) Duration.ofSeconds(30).toMillis());
    config.setConnectionTimeout((int) Duration.ofSeconds(10).toMillis());
    client = new KubernetesClientBuilder().withConfig(config).build();
    try {
      String version = client.getKubernetesVersion().getGitVersion();
      long ready = client.nodes().list().getItems().stream()
          .filter(n -> n.getStatus().getConditions().stream()
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
          .count();
      if (ready == 0) {
        throw new IllegalStateException("the cluster of e2e.kubeconfig=" + kubeconfig + " (Kubernetes "
            + version + ") has no Ready node");
      }
      System.out.printf("e2e: target=%s cluster %s (Kubernetes %s, %d Ready node(s)), helm %s, chart %s%n",
          target, client.getMasterUrl(), version, ready, helm, chart);
    } catch (IllegalStateException e) {
      client.close();
      throw e;
    } catch (RuntimeException e) {
      client.close();
      throw new IllegalStateException("e2e suite cannot reach the cluster of e2e.kubeconfig=" + kubeconfig
          + " (" + config.getMasterUrl() + "): " + e.getMessage(), e);
    }
  }

  /** The shared environment; the first failure to set it up is repeated to every later caller. */
  static synchronized E2eEnv get() {
    if (instance == null) {
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
      try {
        instance = new E2eEnv();
      } catch (RuntimeException e) {
        failure = e.getMessage();
        throw e;
      }
    }
    return instance;
  }

  private static String prop(String name, String dflt) {
    String v = System.getProperty(name, "");
    return v.isBlank() ? dflt : v.trim();
  }

  private static String resolveHelm(String helm, List<String> problems) {
    if (helm.contains(File.separator)) {
      if (!Files.isExecutable(Path.of(helm))) {
        problems.add("e2e.helm=" + helm + " is not an executable file");
      }
      return helm;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, helm);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    problems.add("helm binary '" + helm + "' not found on PATH (set e2e.helm to its path)");
    return helm;
  }

  /** Splits {@code repo/name:tag} into repository and tag (a digest reference is refused). */
  static String[] splitImage(String ref) {
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    if (colon <= slash || ref.contains("@")) {
      throw new IllegalArgumentException("image reference '" + ref + "' must be repository:tag");
    }
    return new String[] {ref.substring(0, colon), ref.substring(colon + 1)};
  }
}
