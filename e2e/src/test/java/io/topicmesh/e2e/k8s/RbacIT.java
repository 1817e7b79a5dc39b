package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scenario 12: what the operator's ServiceAccount may do, asked of the API server's authorizer
 * with SubjectAccessReviews: everything the operator needs, none of the named dangerous verbs; and
 * in namespaced mode (chart value {@code watchNamespaces}) only namespaced grants, with no
 * cluster-wide access to Secrets.
 */
@Order(3)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RbacIT {
  private KubernetesClient client;
  private OperatorInstall.Installed inst;
  private String watched;
  private String other;
  private String releaseNs;
  private String release;

  /** One access question: verb on group/resource[/subresource] in namespace ("" = cluster-wide). */
  record Access(String verb, String group, String resource, String subresource, String namespace) {
    static Access of(String verb, String group, String resource, String namespace) {
      String sub = null;
      if (resource.contains("/")) {
        sub = resource.substring(resource.indexOf('/') + 1);
        resource = resource.substring(0, resource.indexOf('/'));
      }
      return new Access(verb, group, resource, sub, namespace);
    }

    @Override
    public String toString() {
      return verb + " " + (group.isEmpty() ? "" : group + "/") + resource + (subresource == null ? "" : "/" + subresource)
          + (namespace.isEmpty() ? " (cluster-wide)" : " in " + namespace);
    }
  }

  @BeforeAll
  void setUp() {
    inst = OperatorInstall.ensure();
    client = E2eEnv.get().client;
    watched = TestNamespace.create(getClass(), "e2e-rbac-watched");
    other = TestNamespace.create(getClass(), "e2e-rbac-other");
  }

  @AfterAll
  void tearDown() {
    if (release != null) {
      Helm.Result r = Helm.run(Duration.ofMinutes(2), "uninstall", release, "-n", releaseNs, "--wait", "--timeout", "90s");
      System.out.println("e2e: helm uninstall " + release + ": exit " + r.exit() + " " + r.output().trim());
    }
    TestNamespace.delete(releaseNs);
    TestNamespace.delete(watched);
    TestNamespace.delete(other);
  }

  private boolean allowed(String saNamespace, String sa, Access a) {
    SubjectAccessReview r = new SubjectAccessReviewBuilder().withNewSpec()
        .withUser("system:serviceaccount:" + saNamespace + ":" + sa)
        .withGroups("system:serviceaccounts", "system:serviceaccounts:" + saNamespace, "system:authenticated")
        .withNewResourceAttributes().withVerb(a.verb).withGroup(a.group).withResource(a.resource)
        .withSubresource(a.subresource).withNamespace(a.namespace).endResourceAttributes().endSpec().build();
    SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(r);
    return Boolean.TRUE.equals(answer.getStatus().getAllowed());
  }

  /** What the operator does to a TopicCluster's namespace (operator/README.md, "What a TopicCluster becomes"). */
  static List<Access> needsIn(String ns) {
    List<Access> l = new ArrayList<>();
    for (String v : List.of("get", "list", "watch", "patch", "update")) {
      l.add(Access.of(v, "topicmesh.io", "topicclusters", ns));
    }
    l.add(Access.of("patch", "topicmesh.io", "topicclusters/status", ns));
    l.add(Access.of("update", "topicmesh.io", "topicclusters/status", ns));
    for (String res : List.of("statefulsets")) {
      for (String v : List.of("get", "list", "watch", "create", "patch", "update", "delete")) {
        l.add(Access.of(v, "apps", res, ns));
      }
    }
    for (String res : List.of("services", "configmaps", "secrets", "serviceaccounts")) {
      for (String v : List.of("get", "list", "watch", "create", "patch")) {
        l.add(Access.of(v, "", res, ns));
      }
    }
    for (String v : List.of("get", "list", "watch", "delete")) {
      l.add(Access.of(v, "", "pods", ns));
    }
    l.add(Access.of("create", "", "events", ns));
    for (String v : List.of("get", "create", "patch")) {
      l.add(Access.of(v, "policy", "poddisruptionbudgets", ns));
      l.add(Access.of(v, "rbac.authorization.k8s.io", "roles", ns));
      l.add(Access.of(v, "rbac.authorization.k8s.io", "rolebindings", ns));
    }
    for (String v : List.of("get", "list", "watch")) {
      l.add(Access.of(v, "discovery.k8s.io", "endpointslices", ns));
    }
    // the optional per-cluster NetworkPolicy (spec.security.networkPolicy, docs/security.md)
    for (String v : List.of("get", "create", "patch", "delete")) {
      l.add(Access.of(v, "networking.k8s.io", "networkpolicies", ns));
    }
    return l;
  }

  /** Named verbs the operator must never hold. */
  static List<Access> forbiddenIn(String ns) {
    return List.of(
        Access.of("delete", "", "nodes", ""),
        Access.of("update", "", "nodes", ""),
        Access.of("create", "rbac.authorization.k8s.io", "clusterroles", ""),
        Access.of("create", "rbac.authorization.k8s.io", "clusterrolebindings", ""),
        Access.of("escalate", "rbac.authorization.k8s.io", "clusterroles", ""),
        Access.of("escalate", "rbac.authorization.k8s.io", "roles", ns),
        Access.of("bind", "rbac.authorization.k8s.io", "clusterroles", ""),
        Access.of("impersonate", "", "users", ""),
        Access.of("impersonate", "", "serviceaccounts", ns),
        Access.of("create", "", "pods", ns),
        Access.of("create", "", "pods/exec", ns),
        Access.of("create", "", "serviceaccounts/token", ns),
        Access.of("create", "", "namespaces", ""),
        Access.of("delete", "", "namespaces", ""),
        Access.of("delete", "apiextensions.k8s.io", "customresourcedefinitions", ""),
        Access.of("create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", ""),
        Access.of("delete", "topicmesh.io", "topicclusters", ns),
        Access.of("delete", "", "persistentvolumes", ""),
        Access.of("approve", "certificates.k8s.io", "signers", ""),
        // the admin TLS certificates are the operator's own CA's; it never asks the cluster's signers
        Access.of("create", "certificates.k8s.io", "certificatesigningrequests", ""),
        Access.of("create", "", "pods/portforward", ns));
  }

  @Test
  void s12_theOperatorsServiceAccountCanDoWhatItNeedsAndNoMore() {
    String sa = inst.serviceAccount();
    String saNs = inst.namespace();
    SoftAssertions soft = new SoftAssertions();
    for (Access a : needsIn(watched)) {
      soft.assertThat(allowed(saNs, sa, a)).as("%s:%s may %s", saNs, sa, a).isTrue();
    }
    // fabric8's LeaseLock reads, creates and patches the lease (7.x renews with PATCH)
    for (String v : List.of("get", "create", "update", "patch")) {
      Access a = Access.of(v, "coordination.k8s.io", "leases", saNs);
      soft.assertThat(allowed(saNs, sa, a)).as("%s:%s may %s (leader election)", saNs, sa, a).isTrue();
    }
    for (Access a : forbiddenIn(watched)) {
      soft.assertThat(allowed(saNs, sa, a)).as("%s:%s must not %s", saNs, sa, a).isFalse();
    }
    soft.assertAll();
  }

  @Test
  void s12_namespacedModeUsesRolesAndNoClusterWideSecrets() {
    Map<String, Object> values = OperatorInstall.chartValues();
    OperatorInstall.requireValue(values, "watchNamespaces");
    releaseNs = TestNamespace.create(getClass(), "e2e-rbac-op");
    release = "e2e-ns-" + releaseNs.substring(releaseNs.lastIndexOf('-') + 1);
    String[] image = E2eEnv.splitImage(E2eEnv.get().operatorImage);
    List<String> sets = new ArrayList<>(List.of("watchNamespaces=" + watched, "image.repository=" + image[0],
        "image.tag=" + image[1]));
    if (values.get("crds") instanceof Map<?, ?> crds) {
      // a CRD rendered as a template belongs to the first release; this one must not take it over
      for (String k : List.of("install", "enabled", "create")) {
        if (crds.get(k) instanceof Boolean) {
          sets.add("crds." + k + "=false");
        }
      }
    }
    if (values.containsKey("replicas")) {
      sets.add("replicas=0"); // RBAC is what is under test; no second operator process on a 2-core machine
    }
    Helm.ok(Duration.ofMinutes(3), "install", release, E2eEnv.get().chart.toString(), "-n", releaseNs,
        "--set", String.join(",", sets), "--skip-crds", "--wait", "--timeout", "2m");
    List<GenericKubernetesResource> manifest = OperatorInstall.manifest(release, releaseNs);
    String sa = OperatorInstall.only(manifest, "ServiceAccount");

    SoftAssertions soft = new SoftAssertions();
    List<String> objects = manifest.stream().map(r -> r.getKind() + "/" + (r.getMetadata().getNamespace() == null
        ? "" : r.getMetadata().getNamespace() + "/") + r.getMetadata().getName()).toList();
    soft.assertThat(objects).as("the release's objects include a Role in the watched namespace %s", watched)
        .anyMatch(o -> o.startsWith("Role/" + watched + "/"));
    soft.assertThat(objects).as("the release's objects include a RoleBinding in the watched namespace %s", watched)
        .anyMatch(o -> o.startsWith("RoleBinding/" + watched + "/"));
    for (GenericKubernetesResource cr : manifest) {
      if ("ClusterRole".equals(cr.getKind())) {
        soft.assertThat(grantsSecrets(cr)).as("ClusterRole %s grants access to secrets", cr.getMetadata().getName())
            .isFalse();
      }
    }
    for (Access a : needsIn(watched)) {
      soft.assertThat(allowed(releaseNs, sa, a)).as("namespaced %s may %s", sa, a).isTrue();
    }
    for (String v : List.of("get", "list", "watch")) {
      Access cw = Access.of(v, "", "secrets", "");
      soft.assertThat(allowed(releaseNs, sa, cw)).as("namespaced %s must not %s", sa, cw).isFalse();
      Access elsewhere = Access.of(v, "", "secrets", other);
      soft.assertThat(allowed(releaseNs, sa, elsewhere)).as("namespaced %s must not %s", sa, elsewhere).isFalse();
    }
    for (String v : List.of("create", "delete")) {
      Access a = Access.of(v, "apps", "statefulsets", other);
      soft.assertThat(allowed(releaseNs, sa, a)).as("namespaced %s must not %s", sa, a).isFalse();
    }
    for (Access a : forbiddenIn(watched)) {
      soft.assertThat(allowed(releaseNs, sa, a)).as("namespaced %s must not %s", sa, a).isFalse();
    }
    soft.assertAll();
  }

  @SuppressWarnings("unchecked")
  private static boolean grantsSecrets(GenericKubernetesResource clusterRole) {
    Object rules = clusterRole.getAdditionalProperties().get("rules");
    if (!(rules instanceof List<?> list)) {
      return false;
    }
    for (Object o : list) {
      Map<String, Object> rule = (Map<String, Object>) o;
      List<String> groups = (List<String>) rule.getOrDefault("apiGroups", List.of());
      List<String> resources = (List<String>) rule.getOrDefault("resources", List.of());
      if ((groups.contains("") || groups.contains("*")) && (resources.contains("secrets") || resources.contains("*"))) {
        return true;
      }
    }
    return false;
  }
}
