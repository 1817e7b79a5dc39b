package io.topicmesh.e2e.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's PrometheusRule: off by default, rendered with the values' thresholds, valid for
 * `promtool check rules`, and passing the unit tests in charts/topicmesh/tests/alerts-test.yaml with
 * `promtool test rules`. The dashboards ConfigMap carries every dashboard and the configured sidecar label.
 */
class PrometheusRulesTest {
  static final List<String> ALERTS = List.of("TopicmeshMeshDegreeBelowDlo", "TopicmeshProbeDeliveryRatioLow",
      "TopicmeshProbeLatencyP99High", "TopicmeshNodeNotReady", "TopicmeshHeartbeatOverrun",
      "TopicmeshRouterMutexLongHolds", "TopicmeshOutboundDrops", "TopicmeshClusterNodesNotReady",
      "TopicmeshOperatorReconcileErrors", "TopicmeshTuningFlapping");

  @TempDir
  Path dir;

  @Test
  void ruleIsOffByDefault() throws Exception {
    assertThat(Chart.ofKind(Chart.render(Map.of()), "PrometheusRule")).isEmpty();
  }

  @Test
  void renderedRulesPassPromtoolCheckAndUnitTests() throws Exception {
    Files.writeString(dir.resolve("rules.yaml"), Chart.rulesFile(Map.of()));
    Files.copy(Repo.chart().resolve("tests/alerts-test.yaml"), dir.resolve("alerts-test.yaml"));

    Promtool.Result check = Promtool.run(dir, "check", "rules", "rules.yaml");
    assertThat(check.exit()).as("promtool check rules:\n%s", check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: " + ALERTS.size() + " rules found");

    Promtool.Result test = Promtool.run(dir, "test", "rules", "alerts-test.yaml");
    assertThat(test.exit()).as("promtool test rules:\n%s", test.output()).isZero();
    String tests = Files.readString(dir.resolve("alerts-test.yaml"));
    assertThat(ALERTS).as("every alert has a unit test").allSatisfy(a -> assertThat(tests).contains("alertname: " + a));
  }

  @Test
  void thresholdsAndLabelsComeFromValues() throws Exception {
    Path values = Files.writeString(dir.resolve("values.yaml"), "prometheusRule:\n  thresholds:\n    latencyP99Seconds: 0.25\n");
    JsonNode rule = Chart.ofKind(Chart.render(Map.of("prometheusRule.enabled", "true",
        "prometheusRule.labels.release", "prom", "prometheusRule.alertLabels.team", "platform"), values),
        "PrometheusRule").get(0);
    assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("prom");
    String spec = Chart.YAML.writeValueAsString(rule.get("spec"));
    assertThat(spec).contains("> 0.25").contains("team: \"platform\"");
    // Prometheus' templates survive Helm's: the annotation still holds {{ $labels... }}.
    assertThat(spec).contains("{{ $labels.namespace }}");

    // promtool accepts the file with the changed values.
    Files.writeString(dir.resolve("rules.yaml"), spec);
    assertThat(Promtool.run(dir, "check", "rules", "rules.yaml").exit()).isZero();
  }

  @Test
  void dashboardsConfigMapHasEveryDashboardAndTheSidecarLabel() throws Exception {
    List<JsonNode> maps = Chart.ofKind(Chart.render(Map.of("grafana.dashboards.label", "my_dashboards",
        "grafana.dashboards.labelValue", "yes", "grafana.dashboards.annotations.grafana_folder", "topicmesh")),
        "ConfigMap");
    JsonNode cm = maps.stream().filter(m -> m.path("metadata").path("name").asText().endsWith("-dashboards"))
        .findFirst().orElseThrow();
    assertThat(cm.path("metadata").path("labels").path("my_dashboards").asText()).isEqualTo("yes");
    assertThat(cm.path("metadata").path("annotations").path("grafana_folder").asText()).isEqualTo("topicmesh");
    for (Path f : Dashboards.files()) {
      String name = f.getFileName().toString();
      assertThat(cm.path("data").has(name)).as("ConfigMap key %s", name).isTrue();
      JsonNode embedded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cm.path("data").path(name).asText());
      assertThat(embedded).isEqualTo(Dashboards.read(f));
    }
    assertThat(Dashboards.files()).hasSize(3);
  }

  @Test
  void everyDashboardHasNamespaceClusterAndPodVariablesAndUniqueUid() throws Exception {
    var uids = new java.util.HashSet<String>();
    for (Path f : Dashboards.files()) {
      JsonNode d = Dashboards.read(f);
      assertThat(uids.add(d.path("uid").asText())).as("unique uid in %s", f).isTrue();
      var names = new java.util.ArrayList<String>();
      d.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
      assertThat(names).as(f.toString()).contains("datasource", "namespace", "cluster", "pod");
      for (JsonNode p : d.path("panels")) {
        if (!"row".equals(p.path("type").asText())) {
          assertThat(p.path("targets").size()).as("%s panel %s has queries", f, p.path("title")).isPositive();
          assertThat(p.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
        }
      }
    }
  }
}
