package io.topicmesh.e2e.observability;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Prometheus' HTTP API on loopback. */
final class Prometheus {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  Prometheus(String hostPort) {
    this.base = "http://" + hostPort;
  }

  /** GET path?query; returns the parsed body (status "success" or "error", with errorType/error). */
  JsonNode get(String path, String... params) throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder();
    for (int i = 0; i + 1 < params.length; i += 2) {
      q.append(q.isEmpty() ? "?" : "&").append(params[i]).append('=')
          .append(URLEncoder.encode(params[i + 1], StandardCharsets.UTF_8));
    }
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path + q)).timeout(Duration.ofSeconds(20))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new IOException("Prometheus " + path + " answered " + r.statusCode() + " with no JSON: " + r.body(), e);
    }
  }

  /** An instant query; the "data" node, or an AssertionError naming the query and Prometheus' error. */
  JsonNode query(String expr) throws IOException, InterruptedException {
    JsonNode r = get("/api/v1/query", "query", expr);
    if (!"success".equals(r.path("status").asText())) {
      throw new AssertionError("query does not evaluate: " + r.path("errorType").asText() + ": "
          + r.path("error").asText() + "\n  query: " + expr);
    }
    return r.path("data");
  }
}
