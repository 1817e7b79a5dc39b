package io.topicmesh.e2e.k8s;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chart, installed once per run as a user installs it ({@code helm upgrade --install}), shared
 * by every scenario. Scenario 1 asserts what this produced.
 */
final class OperatorInstall {
  static final String CRD = "topicclusters.topicmesh.io";

  /** What the release consists of, read back from helm. */
  record Installed(String namespace, String release, List<GenericKubernetesResource> manifest,
      String deployment, String serviceAccount, Duration took) {}

  private static Installed installed;

  private OperatorInstall() {}

  static synchronized Installed ensure() {
    if (installed == null) {
      installed = install();
    }
    return installed;
  }

  /** The chart's values.yaml as a map. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> chartValues() {
    try {
      return Serialization.unmarshal(Files.readString(E2eEnv.get().chart.resolve("values.yaml")), Map.class);
    } catch (IOException e) {
      throw new AssertionError("cannot read the chart's values.yaml: " + e);
    }
  }

  @SuppressWarnings("unchecked")
  static void requireValue(Map<String, Object> values, String dotted) {
    Object at = values;
    for (String part : dotted.split("\\.")) {
      if (!(at instanceof Map) || !((Map<String, Object>) at).containsKey(part)) {
        throw new AssertionError("the chart's values.yaml has no '" + dotted + "' (chart " + E2eEnv.get().chart
            + "); the suite sets it");
      }
      at = ((Map<String, Object>) at).get(part);
    }
  }

  private static Installed install() {
    E2eEnv env = E2eEnv.get();
    Map<String, Object> values = chartValues();
    requireValue(values, "image.repository");
    requireValue(values, "image.tag");
    String[] image = E2eEnv.splitImage(env.operatorImage);
    List<String> sets = new ArrayList<>(List.of("image.repository=" + image[0], "image.tag=" + image[1]));
    if (((Map<?, ?>) values.get("image")).containsKey("pullPolicy")) {
      sets.add("image.pullPolicy=IfNotPresent");
    }
    String extra = System.getProperty("e2e.helmSet", "").trim();
    if (!extra.isEmpty()) {
      sets.add(extra); // target-specific chart values (comma-separated key=value)
    }
    long t0 = System.nanoTime();
    applyChartCrds(env);
    Helm.ok(Duration.ofMinutes(5), "upgrade", "--install", env.release, env.chart.toString(),
        "-n", env.operatorNamespace, "--create-namespace", "--set", String.join(",", sets),
        "--wait", "--timeout", "4m");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    List<GenericKubernetesResource> manifest = manifest(env.release, env.operatorNamespace);
    String deployment = only(manifest, "Deployment");
    String sa = only(manifest, "ServiceAccount");
    KubernetesClient client = env.client;
    await("CRD " + CRD + " Established").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(500))
        .until(() -> {
          CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().withName(CRD).get();
          return crd != null && crd.getStatus() != null && crd.getStatus().getConditions().stream()
              .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
        });
    await("operator Deployment " + env.operatorNamespace + "/" + deployment + " available")
        .atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
        .until(() -> operatorPods(client, env.operatorNamespace, deployment).stream().anyMatch(Tc::podReady));
    return new Installed(env.operatorNamespace, env.release, manifest, deployment, sa, took);
  }

  /**
   * Helm installs {@code crds/} only on first install and never upgrades it; the documented upgrade
   * step is {@code kubectl apply --server-side -f charts/topicmesh/crds/}. Done here before every
   * install, so a cluster that had an older chart gets the chart's CRD.
   */
  private static void applyChartCrds(E2eEnv env) {
    java.nio.file.Path dir = env.chart.resolve("crds");
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (java.nio.file.Path f : files.filter(p -> p.toString().matches(".*\\.ya?ml$")).sorted().toList()) {
        CustomResourceDefinition crd = Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class);
        System.out.println("e2e: kubectl apply --server-side -f " + f);
        env.client.resource(crd).fieldManager("topicmesh-e2e").forceConflicts().serverSideApply();
      }
    } catch (IOException e) {
      throw new AssertionError("cannot read the chart's CRDs in " + dir + ": " + e);
    }
  }

  static List<GenericKubernetesResource> manifest(String release, String ns) {
    String text = Helm.ok(Duration.ofMinutes(1), "get", "manifest", release, "-n", ns);
    List<GenericKubernetesResource> out = new ArrayList<>();
    for (String doc : text.split("(?m)^---\\s*$")) {
      if (doc.replaceAll("(?m)^#.*$", "").isBlank()) {
        continue;
      }
      out.add(Serialization.unmarshal(doc, GenericKubernetesResource.class));
    }
    return out;
  }

  static String only(List<? extends HasMetadata> manifest, String kind) {
    List<String> names = manifest.stream().filter(r -> kind.equals(r.getKind()))
        .map(r -> r.getMetadata().getName()).toList();
    if (names.size() != 1) {
      throw new AssertionError("expected exactly one " + kind + " in the release's manifest, found " + names);
    }
    return names.get(0);
  }

  /** The operator Deployment's pods (by the Deployment's own selector). */
  static List<Pod> operatorPods(KubernetesClient client, String ns, String deployment) {
    var d = client.apps().deployments().inNamespace(ns).withName(deployment).get();
    if (d == null) {
      return List.of();
    }
    return client.pods().inNamespace(ns).withLabels(d.getSpec().getSelector().getMatchLabels()).list().getItems();
  }
}
