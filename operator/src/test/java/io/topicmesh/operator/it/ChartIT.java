package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.TopicClusterReconciler;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * charts/topicmesh rendered with Helm (helm-java), installed into the real API server, and the
 * operator's reconcile run as the chart's ServiceAccount: the chart's RBAC must be enough (the API
 * server runs with RBAC authorization), and nodes' Role must be grantable by it.
 */
class ChartIT {
  static final Path CHART = Path.of(System.getProperty("topicmesh.repoRoot", "..")).resolve("charts/topicmesh");

  @Test
  void chartRendersAndItsRbacIsEnoughForAReconcile() throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("chart");
    String release = "tm" + ns.substring(ns.lastIndexOf('-') + 1);
    String rendered = new Helm(CHART).template().withName(release).withNamespace(ns)
        .set("watchNamespaces", ns).call();
    List<HasMetadata> objects = admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items();
    assertThat(objects).extracting(HasMetadata::getKind)
        .contains("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service", "ConfigMap")
        .doesNotContain("ServiceMonitor");
    dashboardQueriesUseMetricsTheOperatorExports(objects);
    Deployment deployment = (Deployment) objects.stream().filter(o -> o instanceof Deployment).findFirst().orElseThrow();
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getCommand()).containsExactly("java", "-jar", "/app/topicmesh-operator.jar");
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("WATCH_NAMESPACE");
      assertThat(e.getValue()).isEqualTo(ns);
    });
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(Files.readString(CHART.resolve("crds/topicclusters.topicmesh.io-v1.yml")))
        .isEqualTo(Files.readString(CHART.resolve("../../crds/topicclusters.topicmesh.io-v1.yml")));

    for (HasMetadata o : objects) {
      if (!(o instanceof Deployment)) {
        admin.resource(o).inNamespace(ns).create();
      }
    }

    Config asOperator = new ConfigBuilder(admin.getConfiguration())
        .withImpersonateUsername("system:serviceaccount:" + ns + ":" + release + "-operator")
        .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
        .build();
    try (KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(asOperator).build()) {
      assertThat(catchForbidden(() -> operatorClient.nodes().list()))
          .as("impersonation works: the operator may not list Nodes").isTrue();
      TopicCluster cr = cluster("charted", 2, "news");
      cr.getMetadata().setUid(null);
      cr.getMetadata().setGeneration(null);
      cr.getMetadata().setNamespace(ns);
      admin.resource(cr).create();
      var reconciler = new TopicClusterReconciler(operatorClient, new NodeAdminClient(Duration.ofSeconds(1)),
          pod -> Optional.empty(), Clock.systemUTC(), new SecureRandom(), new OperatorMetrics(new SimpleMeterRegistry()));
      TopicCluster read = operatorClient.resources(TopicCluster.class).inNamespace(ns).withName("charted").get();
      var result = reconciler.reconcile(read);
      read.setStatus(result.status());
      operatorClient.resource(read).updateStatus();
      assertThat(admin.apps().statefulSets().inNamespace(ns).withName("charted").get()).isNotNull();
      assertThat(admin.rbac().roles().inNamespace(ns).withName("charted-node-discovery").get())
          .as("the operator could grant the nodes' discovery Role").isNotNull();
      assertThat(admin.secrets().inNamespace(ns).withLabel(TopicClusterModel.ORDINAL_LABEL).list().getItems()).hasSize(2);
      assertThat(admin.v1().events().inNamespace(ns).list().getItems()).isNotEmpty();
      operatorClient.leases().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
          .withNewMetadata().withName("probe").endMetadata().withNewSpec().withHolderIdentity("x").endSpec().build())
          .create();
    }
  }

  /** Every metric a dashboard query names must be one the operator exposes (scraped from a registry). */
  private static void dashboardQueriesUseMetricsTheOperatorExports(List<HasMetadata> objects) throws Exception {
    var configMap = (io.fabric8.kubernetes.api.model.ConfigMap) objects.stream()
        .filter(o -> o.getMetadata().getName().endsWith("-dashboards")).findFirst().orElseThrow();
    assertThat(configMap.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    var dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        configMap.getData().get("topicmesh-operator.json"));
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    var metrics = new OperatorMetrics(registry);
    var status = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus();
    status.traffic = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.Traffic();
    var topic = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.TopicMesh();
    topic.topic = "t";
    status.mesh = List.of(topic);
    metrics.clusterStatus("ns", "c", status, 1);
    metrics.reconciled("success", Duration.ZERO);
    String scrape = registry.scrape();
    var names = new java.util.ArrayList<String>();
    for (var panel : dashboard.get("panels")) {
      for (var target : panel.get("targets")) {
        var m = java.util.regex.Pattern.compile("topicmesh_[a-z_0-9]+").matcher(target.get("expr").asText());
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    assertThat(names).hasSizeGreaterThan(8);
    assertThat(names).allSatisfy(name -> assertThat(scrape).as("metric %s", name).contains(name + "{"));
  }

  private static boolean catchForbidden(Runnable call) {
    try {
      call.run();
      return false;
    } catch (KubernetesClientException e) {
      return e.getCode() == 403;
    }
  }
}
