package io.topicmesh.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The topicmesh chart rendered with helm-java (`helm template`). */
final class Chart {
  static final ObjectMapper YAML = new YAMLMapper();

  private Chart() {
  }

  /** All documents of `helm template tm charts/topicmesh` with the given --set values. */
  static List<JsonNode> render(Map<String, String> sets) throws IOException {
    return render(sets, null);
  }

  /** As {@link #render(Map)}, plus a values file (for typed values: --set passes strings). */
  static List<JsonNode> render(Map<String, String> sets, java.nio.file.Path valuesFile) throws IOException {
    TemplateCommand t = new Helm(Repo.chart()).template().withName("tm").withNamespace("monitoring");
    if (valuesFile != null) {
      t = t.withValuesFile(valuesFile);
    }
    for (var e : sets.entrySet()) {
      t = t.set(e.getKey(), e.getValue());
    }
    String out = t.call();
    List<JsonNode> docs = new ArrayList<>();
    try (var it = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(out))) {
      while (it.hasNext()) {
        JsonNode n = (JsonNode) it.next();
        if (n != null && !n.isNull() && !n.isMissingNode() && n.size() > 0) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  /** The PrometheusRule's spec (a Prometheus rule file: {groups: [...]}) as YAML text. */
  static String rulesFile(Map<String, String> sets) throws IOException {
    var merged = new java.util.LinkedHashMap<>(sets);
    merged.put("prometheusRule.enabled", "true");
    List<JsonNode> rules = ofKind(render(merged), "PrometheusRule");
    if (rules.size() != 1) {
      throw new AssertionError("expected one PrometheusRule with prometheusRule.enabled=true, got " + rules.size());
    }
    return YAML.writeValueAsString(rules.get(0).get("spec"));
  }
}
