package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenario 11: invalid TopicClusters are refused by the CRD's CEL rules, and the user sees which
 * rule and where. Server-side dry runs, so a missing rule cannot leave a cluster behind.
 */
@Order(2)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidResourcesIT {
  private KubernetesClient client;
  private String ns;

  record Case(String what, String specYaml, String field, String message) {
    @Override
    public String toString() {
      return what;
    }
  }

  @BeforeAll
  void setUp() {
    OperatorInstall.ensure();
    client = E2eEnv.get().client;
    ns = TestNamespace.create(getClass(), "e2e-invalid");
  }

  @AfterAll
  void tearDown() {
    TestNamespace.delete(ns);
  }

  private String yaml(String name, String spec) {
    return "apiVersion: topicmesh.io/v1alpha1\nkind: TopicCluster\nmetadata:\n  name: " + name + "\n  namespace: " + ns
        + "\nspec:\n  image: " + E2eEnv.get().nodeImage + "\n" + spec.indent(2);
  }

  static List<Case> cases() {
    return List.of(
        new Case("dlo above d", "gossipsub: {d: 4, dlo: 5, dhi: 8}", "spec.gossipsub",
            "gossipsub: dlo <= d <= dhi is required"),
        new Case("d above dhi", "gossipsub: {d: 9, dlo: 5, dhi: 8}", "spec.gossipsub",
            "gossipsub: dlo <= d <= dhi is required"),
        new Case("dout not below dlo", "gossipsub: {d: 6, dlo: 2, dhi: 12, dout: 2}", "spec.gossipsub",
            "gossipsub: dout < dlo is required"),
        new Case("dout above d/2", "gossipsub: {d: 4, dlo: 4, dhi: 8, dout: 3}", "spec.gossipsub",
            "gossipsub: dout <= d/2 is required"),
        new Case("historyGossip above historyLength", "gossipsub: {historyLength: 2, historyGossip: 3}",
            "spec.gossipsub", "gossipsub: historyGossip <= historyLength is required"),
        new Case("Auto with d outside the bounds",
            "gossipsub: {d: 6, dlo: 5, dhi: 12}\ntuning: {mode: Auto, bounds: {dMin: 3, dMax: 5}}", "spec",
            "gossipsub.d must lie within tuning.bounds [dMin, dMax] when tuning.mode is Auto"),
        new Case("duplicate topic names", "topics: [{name: news}, {name: news}]", "spec.topics",
            "topic names must be unique"),
        new Case("positive P3 weight", "topics: [{name: news, score: {meshMessageDeliveriesWeight: 1.0}}]",
            "spec.topics[0].score", "meshMessageDeliveriesWeight (P3) must be <= 0"),
        new Case("publishThreshold above gossipThreshold",
            "gossipsub: {thresholds: {gossipThreshold: -10, publishThreshold: -5, graylistThreshold: -80}}",
            "spec.gossipsub.thresholds", "publishThreshold must be <= gossipThreshold"),
        new Case("positive gossipThreshold",
            "gossipsub: {thresholds: {gossipThreshold: 1, publishThreshold: -50, graylistThreshold: -80}}",
            "spec.gossipsub.thresholds", "gossipThreshold must be <= 0"));
  }

  @ParameterizedTest(name = "s11 {0}")
  @MethodSource("cases")
  void s11_invalidTopicClustersAreRefusedWithTheRuleTheyBreak(Case c) {
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class,
        () -> Tc.api(client).inNamespace(ns).resource(Tc.fromYaml(yaml("bad", c.specYaml))).dryRun().create());
    assertThat(e).as("creating a TopicCluster with %s", c.what).isNotNull();
    String seen = e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
    System.out.println("e2e: " + c.what + " -> HTTP " + e.getCode() + ": " + seen);
    assertThat(e.getCode()).as("HTTP status for %s (%s)", c.what, seen).isEqualTo(422);
    assertThat(seen).as("what the user sees for %s", c.what)
        .startsWith("TopicCluster.topicmesh.io \"bad\" is invalid")
        .contains(c.field + ": ")
        .contains(c.message);
  }

  @Test
  void s11_aValidTopicClusterPassesTheSameChecks() {
    var created = Tc.api(client).inNamespace(ns)
        .resource(Tc.fromYaml(yaml("good", "gossipsub: {d: 6, dlo: 5, dhi: 12}\ntopics: [{name: news}]"))).dryRun()
        .create();
    assertThat(created.getMetadata().getName()).isEqualTo("good");
    assertThat(Tc.api(client).inNamespace(ns).list().getItems()).as("dry runs create nothing").isEmpty();
  }
}
