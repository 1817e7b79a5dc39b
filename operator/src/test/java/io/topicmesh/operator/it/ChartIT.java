package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.operator.OperatorMain;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.model.TopicClusterModel;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.TopicClusterReconciler;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * charts/topicmesh: rendered and linted with Helm (helm-java), its values schema and NOTES, and, against
 * the real API server (RBAC authorization), installed with Helm and checked with SubjectAccessReviews;
 * the operator's reconcile runs as the chart's ServiceAccount in both RBAC modes, so the chart's RBAC
 * must be enough and the nodes' Role must be grantable by it.
 */
class ChartIT {
  static final Path REPO = Path.of(System.getProperty("topicmesh.repoRoot", ".."));
  static final Path CHART = REPO.resolve("charts/topicmesh");
  static final String CRD_FILE = "topicclusters.topicmesh.io-v1.yml";
  static final String CRD_NAME = "topicclusters.topicmesh.io";

  // ---- rendering (no API server) -----------------------------------------------------------------

  @Test
  void defaultsRenderTheOperatorImageItsServiceAccountAndARestrictedPod() {
    List<HasMetadata> objects = render(t -> t);
    assertThat(objects).extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder("ServiceAccount", "ConfigMap", "ClusterRole", "ClusterRoleBinding", "Role",
            "RoleBinding", "Service", "Deployment")
        .as("crds.manage is off and crds/ is not a template").doesNotContain("CustomResourceDefinition");
    Deployment deployment = only(objects, Deployment.class);
    var pod = deployment.getSpec().getTemplate().getSpec();
    var container = pod.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("topicmesh/operator:0.1.0");
    assertThat(container.getImagePullPolicy()).isEqualTo("IfNotPresent");
    assertThat(container.getCommand()).containsExactly("java", "-jar", "/app/topicmesh-operator.jar");
    assertThat(pod.getServiceAccountName()).isEqualTo("tm-operator");
    assertThat(pod.getImagePullSecrets()).isEmpty();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(pod.getVolumes()).anySatisfy(v -> {
      assertThat(v.getName()).isEqualTo("tmp");
      assertThat(v.getEmptyDir()).isNotNull();
    });
    assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(container.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(env(container, "WATCH_NAMESPACE")).isEmpty();
    assertThat(only(objects, Role.class).getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getResources()).containsExactly("leases");
      assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "create", "update", "patch");
    });

    Deployment pulled = only(render(t -> t.set("image.pullPolicy", "Never").set("imagePullSecrets[0]", "regcred")
        .set("image.repository", "registry.example/tm/operator").set("image.tag", "0.1.1")
        .set("podLabels.team", "a").set("podAnnotations.note", "x")), Deployment.class);
    assertThat(pulled.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "a")
        .containsEntry("app.kubernetes.io/name", "topicmesh-operator");
    assertThat(pulled.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("note", "x");
    assertThat(pulled.getSpec().getSelector().getMatchLabels()).doesNotContainKey("team");
    var pulledPod = pulled.getSpec().getTemplate().getSpec();
    assertThat(pulledPod.getContainers().get(0).getImage()).isEqualTo("registry.example/tm/operator:0.1.1");
    assertThat(pulledPod.getContainers().get(0).getImagePullPolicy()).isEqualTo("Never");
    assertThat(pulledPod.getImagePullSecrets()).extracting(s -> s.getName()).containsExactly("regcred");
  }

  @Test
  void theOperatorKnowsItsOwnPodsAndTheOptionalNetworkPolicyAdmitsOnlyTheListedNamespaces() {
    List<HasMetadata> objects = render(t -> t);
    assertThat(objects).noneMatch(o -> o.getKind().equals("NetworkPolicy"));
    Deployment deployment = only(objects, Deployment.class);
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    // what a TopicCluster's NetworkPolicy lets in on the admin port: exactly the Deployment's pods
    Map<String, String> labels = new java.util.LinkedHashMap<>();
    for (String kv : env(container, "OPERATOR_POD_LABELS").split(",")) {
      labels.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
    }
    assertThat(labels).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(container.getEnv()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("OPERATOR_NAMESPACE");
      assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    });
    var np = only(render(t -> t.set("networkPolicy.enabled", "true")
        .set("networkPolicy.metricsFromNamespaces[0]", "monitoring")),
        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
    assertThat(np.getSpec().getPodSelector().getMatchLabels()).isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    assertThat(np.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(8080));
      assertThat(rule.getFrom()).singleElement().satisfies(f -> assertThat(f.getNamespaceSelector().getMatchLabels())
          .containsExactly(Map.entry("kubernetes.io/metadata.name", "monitoring")));
    });
    var closed = only(render(t -> t.set("networkPolicy.enabled", "true")),
        io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class);
    assertThat(closed.getSpec().getIngress()).as("no namespace listed: no ingress at all").isNullOrEmpty();
    assertRefused(t -> t.set("networkPolicy.metricsFromNamespaces[0]", "Bad_Name"), "metricsFromNamespaces");
  }

  /** Issue 9: the operator's own namespace/cluster labels survive the scrape (no exported_ prefix). */
  @Test
  @SuppressWarnings("unchecked")
  void theOperatorServiceMonitorHonoursTheOperatorsLabels() {
    List<HasMetadata> objects = render(t -> t.set("metrics.serviceMonitor.enabled", "true")
        .set("metrics.serviceMonitor.labels.release", "prometheus"));
    List<HasMetadata> monitors = objects.stream().filter(o -> o.getKind().equals("ServiceMonitor")).toList();
    assertThat(monitors).hasSize(1);
    var monitor = (io.fabric8.kubernetes.api.model.GenericKubernetesResource) monitors.get(0);
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    assertThat((List<Map<String, Object>>) spec.get("endpoints")).singleElement().satisfies(endpoint -> {
      assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/metrics")
          .containsEntry("honorLabels", true);
    });
  }

  @Test
  void lintPassesAndTheSchemaRefusesBadValuesNamingTheValue() {
    var lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();

    assertRefused(t -> t.set("watchNamespaces", "team-a, team-b"), "/watchNamespaces", "does not match pattern");
    assertRefused(t -> t.set("image.pullPolicy", "Sometimes"), "/image/pullPolicy", "IfNotPresent");
    assertRefused(t -> t.set("replicas", "-1"), "/replicas", "minimum");
    assertRefused(t -> t.set("leaderElection", "false").set("replicas", "2"), "/replicas", "maximum");
    assertRefused(t -> t.set("nodeApiTimeoutSeconds", "0"), "/nodeApiTimeoutSeconds", "minimum");
    assertRefused(t -> t.set("metrics.port", "http"), "/metrics/port", "integer");
    assertRefused(t -> t.set("watchNamespace", "typo"), "additional properties 'watchNamespace' not allowed");
    assertRefused(t -> t.set("crds.manage", "yes"), "/crds/manage", "boolean");
  }

  @Test
  void notesSayWhatWasInstalledAndHowToApplyAnExample() {
    String clusterWide = new Helm(CHART).install().withName("tm").withNamespace("ops").clientOnly().dryRun()
        .call().getOutput();
    assertThat(clusterWide).contains("NOTES:")
        .contains("topicmesh operator 0.1.0 installed as release tm in namespace ops")
        .contains("image topicmesh/operator:0.1.0")
        .contains("ClusterRole and ClusterRoleBinding tm-operator (all namespaces)")
        .contains("kubectl -n ops rollout status deployment/tm-operator")
        .contains("kubectl apply -f operator/examples/topiccluster.yaml")
        .contains("kubectl get tc -A")
        .contains("kubectl apply --server-side --force-conflicts -f charts/topicmesh/crds/");

    String namespaced = new Helm(CHART).install().withName("tm").withNamespace("ops").clientOnly().dryRun()
        .set("watchNamespaces", "team-a,team-b").set("crds.manage", "true").call().getOutput();
    assertThat(namespaced)
        .contains("namespaced mode: Role and RoleBinding tm-operator in team-a, team-b")
        .contains("kubectl apply -n team-a -f operator/examples/topiccluster.yaml")
        .contains("kubectl get tc -n team-a")
        .contains("managed by this release")
        .doesNotContain("kubectl apply --server-side");
  }

  @Test
  void crdTemplateIsTheGeneratedCrdWithAKeepPolicy() throws Exception {
    assertThat(Files.readString(CHART.resolve("crds").resolve(CRD_FILE)))
        .as("the chart's crds/ is the generated CRD").isEqualTo(Files.readString(REPO.resolve("crds").resolve(CRD_FILE)));
    CustomResourceDefinition rendered = only(render(t -> t.set("crds.manage", "true")), CustomResourceDefinition.class);
    CustomResourceDefinition generated = generatedCrd();
    assertThat(rendered.getMetadata().getName()).isEqualTo(CRD_NAME);
    assertThat(rendered.getSpec()).isEqualTo(generated.getSpec());
    assertThat(rendered.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
    assertThat(rendered.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "Helm");
  }

  // ---- real API server ---------------------------------------------------------------------------

  /** The operator's reconcile, impersonating the chart's ServiceAccount, in cluster-wide and namespaced mode. */
  @ParameterizedTest(name = "namespaced={0}")
  @ValueSource(booleans = {false, true})
  void chartRbacIsEnoughForAReconcile(boolean namespaced) throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("chart");
    String release = releaseName(ns);
    List<HasMetadata> objects = parse(new Helm(CHART).template().withName(release).withNamespace(ns)
        .set("watchNamespaces", namespaced ? ns : "").call());
    assertThat(objects).extracting(HasMetadata::getKind).doesNotContain("ServiceMonitor");
    dashboardQueriesUseMetricsTheOperatorExports(objects);
    assertThat(env(only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0),
        "WATCH_NAMESPACE")).isEqualTo(namespaced ? ns : "");
    for (HasMetadata o : objects) {
      if (!(o instanceof Deployment)) {
        admin.resource(o).inNamespace(o.getMetadata().getNamespace() == null ? ns : o.getMetadata().getNamespace())
            .create();
      }
    }

    try (KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(asServiceAccount(admin, ns, release))
        .build()) {
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
          .withNewMetadata().withName("topicmesh-operator-leader").endMetadata().withNewSpec().withHolderIdentity("x")
          .endSpec().build()).create();
    }
  }

  /**
   * The whole operator (java-operator-sdk: informers, finalizer, status, leader election) started as the
   * chart's ServiceAccount in namespaced mode, with the environment of the chart's Deployment: it must get
   * Ready, reconcile a TopicCluster and let it be deleted, with the namespaced Roles alone.
   */
  @Test
  void wholeOperatorRunsAsTheServiceAccountInNamespacedMode() throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("chartop");
    String release = releaseName(ns);
    List<HasMetadata> objects = parse(new Helm(CHART).template().withName(release).withNamespace(ns)
        .set("watchNamespaces", ns).call());
    for (HasMetadata o : objects) {
      if (!(o instanceof Deployment)) {
        admin.resource(o).create();
      }
    }
    var container = only(objects, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new HashMap<>();
    container.getEnv().stream().filter(e -> e.getValue() != null).forEach(e -> env.put(e.getName(), e.getValue()));
    env.put("LEADER_ELECTION_NAMESPACE", ns); // the Deployment takes it from the downward API
    env.put("OPERATOR_HTTP_PORT", "0");
    assertThat(env).containsEntry("WATCH_NAMESPACE", ns).containsEntry("LEADER_ELECTION", "true");

    try (KubernetesClient operatorClient = new KubernetesClientBuilder().withConfig(asServiceAccount(admin, ns, release))
        .build()) {
      OperatorMain operator = OperatorMain.start(operatorClient, env, pod -> Optional.empty());
      try {
        // Renewing the lease must work: a leader that cannot renew exits after the renew deadline (10 s).
        var firstRenew = new java.util.concurrent.atomic.AtomicReference<String>();
        await("the leader lease taken and then renewed as the ServiceAccount").atMost(Duration.ofSeconds(8))
            .pollInterval(Duration.ofMillis(200)).until(() -> {
              var lease = admin.leases().inNamespace(ns).withName("topicmesh-operator-leader").get();
              if (lease == null || lease.getSpec().getRenewTime() == null) {
                return false;
              }
              String renew = lease.getSpec().getRenewTime().toString();
              firstRenew.compareAndSet(null, renew);
              return !renew.equals(firstRenew.get());
            });
        TopicCluster cr = cluster("whole", 2, "news");
        cr.getMetadata().setUid(null);
        cr.getMetadata().setGeneration(null);
        cr.getMetadata().setNamespace(ns);
        admin.resource(cr).create();
        await("StatefulSet, finalizer and status written as the ServiceAccount").atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
              TopicCluster read = admin.resources(TopicCluster.class).inNamespace(ns).withName("whole").get();
              assertThat(read.getMetadata().getFinalizers()).isNotEmpty();
              assertThat(read.getStatus()).isNotNull();
              assertThat(read.getStatus().conditions).isNotEmpty();
              assertThat(admin.apps().statefulSets().inNamespace(ns).withName("whole").get()).isNotNull();
            });
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + operator.httpPort() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).as("/readyz: %s", ready.body()).isEqualTo(200);

        admin.resources(TopicCluster.class).inNamespace(ns).withName("whole").delete();
        await("finalizer removed and TopicCluster gone").atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> admin.resources(TopicCluster.class).inNamespace(ns).withName("whole").get() == null);
      } finally {
        operator.stop();
      }
    }
  }

  /** Namespaced mode: Roles in the watched namespaces only; cluster-wide nothing but reading CRDs. */
  @Test
  void namespacedModeGrantsTheWatchedNamespacesOnly() {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("chartns");
    String watchedA = RealApiServer.newNamespace("team-a");
    String watchedB = RealApiServer.newNamespace("team-b");
    String other = RealApiServer.newNamespace("other");
    String release = releaseName(ns);
    List<HasMetadata> objects = parse(new Helm(CHART).template().withName(release).withNamespace(ns)
        .set("watchNamespaces", watchedA + "," + watchedB).call());
    assertThat(objects).filteredOn(o -> o instanceof Role && o.getMetadata().getName().equals(release + "-operator"))
        .extracting(o -> o.getMetadata().getNamespace()).containsExactlyInAnyOrder(watchedA, watchedB);
    assertThat(only(objects, ClusterRole.class).getRules()).singleElement().satisfies(rule -> {
      assertThat(rule.getResources()).containsExactly("customresourcedefinitions");
      assertThat(rule.getVerbs()).containsExactly("get");
    });
    for (HasMetadata o : objects) {
      if (!(o instanceof Deployment)) {
        admin.resource(o).create();
      }
    }
    Access access = new Access(admin, ns, release);
    for (String watched : List.of(watchedA, watchedB)) {
      access.assertAllowed(watched, NEEDED);
    }
    access.assertAllowed(ns, List.of(rule("coordination.k8s.io", "leases", "get", "create", "update", "patch")));
    access.assertAllowed("", List.of(rule("apiextensions.k8s.io", "customresourcedefinitions", "get")));
    access.assertForbidden(other, NEEDED);
    access.assertForbidden(ns, List.of(rule("", "secrets", "get", "list", "watch"), rule("", "pods", "list"),
        rule("topicmesh.io", "topicclusters", "list")));
    access.assertForbidden("", List.of(rule("", "secrets", "get", "list", "watch"),
        rule("topicmesh.io", "topicclusters", "list", "watch"), rule("apps", "statefulsets", "list"),
        rule("", "pods", "list")));
    access.assertForbidden(watchedA, List.of(rule("coordination.k8s.io", "leases", "create", "update"),
        rule("", "secrets", "deletecollection"), rule("rbac.authorization.k8s.io", "roles", "escalate", "bind")));
  }

  /** Cluster-wide mode: what the operator needs, in any namespace; named verbs it must not have. */
  @Test
  void clusterWideModeGrantsWhatTheOperatorNeedsAndNoMore() {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("chartcw");
    String anywhere = RealApiServer.newNamespace("anywhere");
    String release = releaseName(ns);
    for (HasMetadata o : parse(new Helm(CHART).template().withName(release).withNamespace(ns).call())) {
      if (!(o instanceof Deployment)) {
        admin.resource(o).create();
      }
    }
    Access access = new Access(admin, ns, release);
    access.assertAllowed(anywhere, NEEDED);
    // informers list and watch across namespaces
    access.assertAllowed("", List.of(rule("apiextensions.k8s.io", "customresourcedefinitions", "get"),
        rule("topicmesh.io", "topicclusters", "list", "watch"), rule("apps", "statefulsets", "list", "watch"),
        rule("", "pods", "list", "watch"), rule("", "secrets", "list", "watch")));
    access.assertAllowed(ns, List.of(rule("coordination.k8s.io", "leases", "get", "create", "update", "patch")));
    access.assertForbidden(anywhere, List.of(rule("coordination.k8s.io", "leases", "create", "update"),
        rule("apps", "deployments", "create", "update", "patch", "delete"), rule("apps", "daemonsets", "create"),
        rule("", "secrets", "deletecollection"), rule("", "pods", "create", "update", "patch"),
        rule("", "pods/exec", "create"), rule("rbac.authorization.k8s.io", "roles", "escalate", "bind"),
        rule("topicmesh.io", "topicclusters", "create", "delete"),
        rule("monitoring.coreos.com", "servicemonitors", "list", "watch")));
    access.assertForbidden("", List.of(rule("", "nodes", "list", "delete"), rule("", "namespaces", "create", "delete"),
        rule("rbac.authorization.k8s.io", "clusterroles", "create", "update", "bind", "escalate"),
        rule("rbac.authorization.k8s.io", "clusterrolebindings", "create"),
        rule("apiextensions.k8s.io", "customresourcedefinitions", "list", "create", "update", "patch", "delete")));
  }

  /** helm install / upgrade / uninstall on a cluster that already has the CRD: no ownership conflict. */
  @Test
  void helmInstallUpgradeAndUninstallWithTheDefaultCrdHandling() {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("helm");
    String release = releaseName(ns);
    Path kubeconfig = RealApiServer.kubeconfig();
    var crdBefore = admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
    var installed = new Helm(CHART).install().withName(release).withNamespace(ns).withKubeConfig(kubeconfig)
        .set("watchNamespaces", ns).call();
    assertThat(installed.getStatus()).isEqualTo("deployed");
    assertThat(installed.getOutput()).contains("kubectl get tc -n " + ns);
    assertThat(admin.apps().deployments().inNamespace(ns).withName(release + "-operator").get()).isNotNull();
    assertThat(admin.rbac().roles().inNamespace(ns).withName(release + "-operator").get()).isNotNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get().getMetadata()
        .getResourceVersion()).as("crds/ left the existing CRD alone").isEqualTo(crdBefore.getMetadata().getResourceVersion());

    var upgraded = new Helm(CHART).upgrade().withName(release).withNamespace(ns).withKubeConfig(kubeconfig)
        .set("watchNamespaces", "").call();
    assertThat(upgraded.getRevision()).isEqualTo("2");
    assertThat(admin.rbac().roles().inNamespace(ns).withName(release + "-operator").get())
        .as("cluster-wide mode after the upgrade: the namespaced Role is gone").isNull();
    assertThat(admin.rbac().clusterRoles().withName(release + "-operator").get().getRules()).anySatisfy(
        r -> assertThat(r.getResources()).contains("secrets"));

    Helm.uninstall(release).withNamespace(ns).withKubeConfig(kubeconfig).call();
    assertThat(admin.rbac().clusterRoles().withName(release + "-operator").get()).isNull();
    assertThat(admin.apps().deployments().inNamespace(ns).withName(release + "-operator").get()).isNull();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get()).isNotNull();
  }

  /**
   * crds.manage=true: Helm refuses to take over a CRD it did not create (the message names it); after the
   * documented hand-over (label + annotations) the release owns it, and uninstalling keeps it.
   */
  @Test
  void managedCrdIsTakenOverOnlyWhenHandedOverAndSurvivesUninstall() throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String ns = RealApiServer.newNamespace("crdm");
    String release = releaseName(ns);
    Path kubeconfig = RealApiServer.kubeconfig();
    InstallCommand install = new Helm(CHART).install().withName(release).withNamespace(ns).withKubeConfig(kubeconfig)
        .skipCrds().set("crds.manage", "true");
    assertThatThrownBy(install::call).hasMessageContaining("CustomResourceDefinition \"" + CRD_NAME + "\"")
        .hasMessageContaining("invalid ownership metadata");

    try {
      handOverAndInstall(admin, ns, release, kubeconfig);
    } finally {
      // leave the shared CRD as other tests found it
      assertKubectl(RealApiServer.kubectl(null, "label", "crd", CRD_NAME, "app.kubernetes.io/managed-by-",
          "app.kubernetes.io/name-", "app.kubernetes.io/instance-", "app.kubernetes.io/version-"));
      assertKubectl(RealApiServer.kubectl(null, "annotate", "crd", CRD_NAME, "meta.helm.sh/release-name-",
          "meta.helm.sh/release-namespace-", "helm.sh/resource-policy-"));
    }
  }

  private static void handOverAndInstall(KubernetesClient admin, String ns, String release, Path kubeconfig)
      throws Exception {
    assertKubectl(RealApiServer.kubectl(null, "label", "crd", CRD_NAME, "app.kubernetes.io/managed-by=Helm",
        "--overwrite"));
    assertKubectl(RealApiServer.kubectl(null, "annotate", "crd", CRD_NAME, "meta.helm.sh/release-name=" + release,
        "meta.helm.sh/release-namespace=" + ns, "--overwrite"));
    var installed = new Helm(CHART).install().withName(release).withNamespace(ns).withKubeConfig(kubeconfig)
        .skipCrds().set("crds.manage", "true").call();
    assertThat(installed.getStatus()).isEqualTo("deployed");
    CustomResourceDefinition owned = admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get();
    assertThat(owned.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep")
        .containsEntry("meta.helm.sh/release-name", release);
    // the server normalises (drops priority 0 and the like): compare what a user sees
    assertThat(columns(owned)).isEqualTo(columns(generatedCrd())).isNotEmpty();
    assertThat(owned.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().keySet())
        .containsExactlyInAnyOrderElementsOf(
            generatedCrd().getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema().getProperties().keySet());

    Helm.uninstall(release).withNamespace(ns).withKubeConfig(kubeconfig).call();
    assertThat(admin.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME).get())
        .as("helm.sh/resource-policy: keep").isNotNull();
    assertThat(admin.rbac().clusterRoles().withName(release + "-operator").get()).isNull();
  }

  /**
   * The documented CRD upgrade step (kubectl apply --server-side --force-conflicts) changes a CRD that Helm's
   * crds/ step created. Done on a copy of the CRD in its own API group, so the real one is untouched.
   */
  @Test
  void documentedKubectlStepUpgradesACrdHelmCreated() throws Exception {
    KubernetesClient admin = RealApiServer.client();
    String group = "chartit" + Long.toHexString(System.nanoTime() & 0xffffff) + ".topicmesh.io";
    CustomResourceDefinition v1 = renamedCrd(group);
    // Helm's crds/ step is a plain create (by another field manager than kubectl).
    admin.apiextensions().v1().customResourceDefinitions().resource(v1).create();

    CustomResourceDefinition v2 = renamedCrd(group);
    v2.getSpec().getVersions().get(0).getAdditionalPrinterColumns().add(new CustomResourceColumnDefinitionBuilder()
        .withName("Upgraded").withType("string").withJsonPath(".status.phase").build());
    Path dir = Files.createTempDirectory("crds");
    Files.writeString(dir.resolve(CRD_FILE), admin.getKubernetesSerialization().asYaml(v2));
    try {
      assertKubectl(RealApiServer.kubectl(null, "apply", "--server-side", "--force-conflicts", "-f", dir.toString()));
      var columns = admin.apiextensions().v1().customResourceDefinitions().withName(v1.getMetadata().getName()).get()
          .getSpec().getVersions().get(0).getAdditionalPrinterColumns();
      assertThat(columns).extracting(c -> c.getName()).contains("Upgraded", "Ready");
    } finally {
      admin.apiextensions().v1().customResourceDefinitions().withName(v1.getMetadata().getName()).delete();
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** What the operator must be allowed in every namespace it manages (cluster-wide: any namespace). */
  static final List<Rule> NEEDED = List.of(
      rule("topicmesh.io", "topicclusters", "get", "list", "watch", "patch", "update"),
      rule("topicmesh.io", "topicclusters/status", "get", "patch", "update"),
      rule("apps", "statefulsets", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("", "services", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("", "configmaps", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("", "secrets", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("", "serviceaccounts", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("", "pods", "get", "list", "watch", "delete"),
      rule("", "events", "create", "patch"),
      rule("policy", "poddisruptionbudgets", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("rbac.authorization.k8s.io", "roles", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("rbac.authorization.k8s.io", "rolebindings", "get", "list", "watch", "create", "update", "patch", "delete"),
      rule("discovery.k8s.io", "endpointslices", "get", "list", "watch"),
      rule("monitoring.coreos.com", "servicemonitors", "get", "create", "update", "patch", "delete"));

  record Rule(String group, String resource, List<String> verbs) {
  }

  static Rule rule(String group, String resource, String... verbs) {
    return new Rule(group, resource, List.of(verbs));
  }

  /** SubjectAccessReviews for the chart's ServiceAccount. */
  record Access(KubernetesClient admin, String ns, String release) {
    boolean allowed(String namespace, String group, String resource, String verb) {
      String[] parts = resource.split("/", 2);
      SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec()
          .withUser("system:serviceaccount:" + ns + ":" + release + "-operator")
          .withGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
          .withNewResourceAttributes().withNamespace(namespace).withGroup(group).withResource(parts[0])
          .withSubresource(parts.length > 1 ? parts[1] : null).withVerb(verb).endResourceAttributes()
          .endSpec().build();
      return Boolean.TRUE.equals(admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed());
    }

    void assertAllowed(String namespace, List<Rule> rules) {
      assertThat(denied(namespace, rules, true)).as("verbs denied in namespace '%s'", namespace).isEmpty();
    }

    void assertForbidden(String namespace, List<Rule> rules) {
      assertThat(denied(namespace, rules, false)).as("verbs allowed in namespace '%s'", namespace).isEmpty();
    }

    /** The (verb resource) pairs whose answer is not {@code expected}. */
    private List<String> denied(String namespace, List<Rule> rules, boolean expected) {
      List<String> wrong = new ArrayList<>();
      for (Rule rule : rules) {
        for (String verb : rule.verbs()) {
          if (allowed(namespace, rule.group(), rule.resource(), verb) != expected) {
            wrong.add(verb + " " + rule.resource() + (rule.group().isEmpty() ? "" : "." + rule.group()));
          }
        }
      }
      return wrong;
    }
  }

  private static Config asServiceAccount(KubernetesClient admin, String ns, String release) {
    return new ConfigBuilder(admin.getConfiguration())
        .withImpersonateUsername("system:serviceaccount:" + ns + ":" + release + "-operator")
        .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
        .build();
  }

  private static String releaseName(String ns) {
    return "tm" + ns.substring(ns.lastIndexOf('-') + 1);
  }

  private static List<HasMetadata> render(UnaryOperator<TemplateCommand> values) {
    return parse(values.apply(new Helm(CHART).template().withName("tm").withNamespace("ops")).call());
  }

  private static List<HasMetadata> parse(String yaml) {
    try (KubernetesClient parser = new KubernetesClientBuilder().withConfig(new ConfigBuilder().build()).build()) {
      return parser.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items();
    }
  }

  private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
    List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(found).as("rendered %s objects", type.getSimpleName()).hasSize(1);
    return found.get(0);
  }

  private static String env(io.fabric8.kubernetes.api.model.Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue();
  }

  private static void assertRefused(UnaryOperator<TemplateCommand> values, String... messageParts) {
    assertThatThrownBy(() -> values.apply(new Helm(CHART).template().withName("tm").withNamespace("ops")).call())
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContainingAll(messageParts);
  }

  private static CustomResourceDefinition generatedCrd() throws Exception {
    try (InputStream in = Files.newInputStream(REPO.resolve("crds").resolve(CRD_FILE))) {
      return new io.fabric8.kubernetes.client.utils.KubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    }
  }

  private static List<String> columns(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().stream().flatMap(v -> v.getAdditionalPrinterColumns().stream()
        .map(c -> v.getName() + " " + c.getName() + " " + c.getJsonPath())).toList();
  }

  /** The generated CRD under other names (no short name), so that it clashes with nothing. */
  private static CustomResourceDefinition renamedCrd(String group) throws Exception {
    CustomResourceDefinition crd = generatedCrd();
    crd.getSpec().setGroup(group);
    crd.getSpec().getNames().setKind("ChartItCopy");
    crd.getSpec().getNames().setListKind("ChartItCopyList");
    crd.getSpec().getNames().setPlural("chartitcopies");
    crd.getSpec().getNames().setSingular("chartitcopy");
    crd.getSpec().getNames().setShortNames(null);
    crd.getMetadata().setName("chartitcopies." + group);
    return crd;
  }

  private static void assertKubectl(RealApiServer.KubectlResult result) {
    assertThat(result.exitCode()).as("kubectl: %s", result.output()).isZero();
  }

  /** Every metric a dashboard query names must be one the operator exposes (scraped from a registry). */
  private static void dashboardQueriesUseMetricsTheOperatorExports(List<HasMetadata> objects) throws Exception {
    var configMap = (ConfigMap) objects.stream()
        .filter(o -> o.getMetadata().getName().endsWith("-dashboards")).findFirst().orElseThrow();
    assertThat(configMap.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    var dashboard = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        configMap.getData().get("topicmesh-operator.json"));
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    var metrics = new OperatorMetrics(registry);
    var status = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus();
    var topic = new io.topicmesh.operator.api.v1alpha1.TopicClusterStatus.TopicMesh();
    topic.topic = "t";
    status.mesh = List.of(topic);
    metrics.clusterStatus("ns", "c", status, 1, new io.topicmesh.operator.reconciler.ClusterTraffic());
    // only the cluster's first appearance: every event counter the dashboard uses must exist at 0
    metrics.clusterSeen("ns", "c");
    String scrape = registry.scrape();
    var names = new ArrayList<String>();
    for (var panel : dashboard.get("panels")) {
      for (var target : panel.path("targets")) { // rows have no targets
        // the node's metrics are checked on a real Prometheus by e2e PrometheusDashboardsIT
        var m = java.util.regex.Pattern.compile("topicmesh_operator_[a-z_0-9]+").matcher(target.get("expr").asText());
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    assertThat(names).hasSizeGreaterThan(8);
    assertThat(names).allSatisfy(name -> assertThat(scrape).as("metric %s", name)
        .containsPattern("(?m)^" + name + "[{ ]"));
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
