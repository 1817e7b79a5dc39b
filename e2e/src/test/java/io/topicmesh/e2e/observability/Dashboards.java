package io.topicmesh.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The chart's Grafana dashboards: every panel query and every template variable query. */
final class Dashboards {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.*),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)$");
  /** A metric name: an identifier not followed by '(' (a function) and not a keyword or label. */
  private static final Pattern METRIC = Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*(\\{|\\[)");

  record Query(String dashboard, String panel, String refId, String expr) {
    String where() {
      return dashboard + " / \"" + panel + "\" / " + refId;
    }
  }

  /** A template variable backed by label_values(selector, label). */
  record Variable(String dashboard, String name, String selector, String label) {
  }

  private Dashboards() {
  }

  static List<Path> files() throws IOException {
    try (Stream<Path> s = Files.list(Repo.dashboards())) {
      return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
  }

  static JsonNode read(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  static List<Query> queries() throws IOException {
    List<Query> out = new ArrayList<>();
    for (Path f : files()) {
      JsonNode d = read(f);
      for (JsonNode p : d.path("panels")) {
        for (JsonNode t : p.path("targets")) {
          out.add(new Query(d.path("title").asText(), p.path("title").asText(), t.path("refId").asText(),
              t.path("expr").asText()));
        }
      }
    }
    return out;
  }

  static List<Variable> variables() throws IOException {
    List<Variable> out = new ArrayList<>();
    for (Path f : files()) {
      JsonNode d = read(f);
      for (JsonNode v : d.path("templating").path("list")) {
        if (!"query".equals(v.path("type").asText())) {
          continue;
        }
        String q = v.path("query").path("query").asText(v.path("query").asText());
        Matcher m = LABEL_VALUES.matcher(q.trim());
        if (!m.matches()) {
          throw new AssertionError(d.path("title").asText() + " variable " + v.path("name").asText()
              + ": expected label_values(selector, label), got " + q);
        }
        out.add(new Variable(d.path("title").asText(), v.path("name").asText(), m.group(1).trim(), m.group(2)));
      }
    }
    return out;
  }

  /**
   * Substitutes Grafana's variables: $namespace, $cluster and $pod by the regex the "All" option sends
   * (.*), $__rate_interval by a concrete window.
   */
  static String substitute(String expr, String rateInterval) {
    return expr.replace("$__rate_interval", rateInterval).replace("${namespace}", ".*").replace("${cluster}", ".*")
        .replace("${pod}", ".*").replace("$namespace", ".*").replace("$cluster", ".*").replace("$pod", ".*");
  }

  /** Metric names a query selects (identifiers followed by a selector or range). */
  static List<String> metrics(String expr) {
    List<String> names = new ArrayList<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      String n = m.group(1);
      if (!List.of("by", "without", "on", "ignoring", "group_left", "group_right").contains(n) && !names.contains(n)) {
        names.add(n);
      }
    }
    return names;
  }
}
