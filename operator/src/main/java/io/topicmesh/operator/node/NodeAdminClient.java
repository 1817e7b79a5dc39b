package io.topicmesh.operator.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The operator's only way to talk to a node: its admin HTTP API (see operator/README.md, "Node admin
 * API"). {@code GET /v1/status}, {@code GET/PUT /v1/params}, {@code PUT/DELETE /v1/topics/{t}} with a bearer token, {@code /readyz}
 * without. Every call has a timeout and a response size bound; failures are {@link NodeApiException}.
 */
public final class NodeAdminClient {
  /** Largest response body read from a node; a status document of a large node is well below it. */
  public static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  private final HttpClient http;
  private final Duration timeout;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public NodeAdminClient(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** The bound of every call. */
  public Duration timeout() {
    return timeout;
  }

  /** {@code GET /v1/status}. */
  public NodeStatus status(URI admin, String token) throws NodeApiException {
    JsonNode body = call(admin, "GET", "/v1/status", token, null);
    try {
      return json.treeToValue(body, NodeStatus.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new NodeApiException(admin + "/v1/status: not a status document: " + e.getMessage(), 200, null, e);
    }
  }

  /** {@code GET /v1/params}: the node's effective parameter set. */
  public ObjectNode params(URI admin, String token) throws NodeApiException {
    return asObject(admin, "/v1/params", call(admin, "GET", "/v1/params", token, null));
  }

  /**
   * {@code PUT /v1/params}; returns the effective set the node reports. A 400 carries the node's
   * error code and message.
   */
  public ObjectNode putParams(URI admin, String token, ObjectNode params) throws NodeApiException {
    return asObject(admin, "/v1/params", call(admin, "PUT", "/v1/params", token, params));
  }

  /**
   * {@code PUT /v1/topics/{topic}} with one entry of node.yaml's {@code topics:} list (name,
   * validation, score): subscribes, or updates the topic's validation and score parameters when
   * already subscribed. 200 and 201 are both success.
   */
  public void putTopic(URI admin, String token, String topic, ObjectNode entry) throws NodeApiException {
    call(admin, "PUT", topicPath(topic), token, entry);
  }

  /** {@code DELETE /v1/topics/{topic}}: unsubscribes; returns false when the node was not subscribed (404). */
  public boolean deleteTopic(URI admin, String token, String topic) throws NodeApiException {
    try {
      call(admin, "DELETE", topicPath(topic), token, null);
      return true;
    } catch (NodeApiException e) {
      if (e.httpStatus() == 404) {
        return false;
      }
      throw e;
    }
  }

  /** The topic's path, percent-encoded so that a '/' in a topic name stays inside one segment. */
  static String topicPath(String topic) {
    return "/v1/topics/" + URLEncoder.encode(topic, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code GET /readyz} (no token): true on 2xx, false on any other answer or no answer. */
  public boolean ready(URI admin) {
    try {
      HttpRequest request = HttpRequest.newBuilder(admin.resolve("/readyz")).timeout(timeout).GET().build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private ObjectNode asObject(URI admin, String path, JsonNode body) throws NodeApiException {
    if (!(body instanceof ObjectNode object)) {
      throw new NodeApiException(admin + path + ": expected a JSON object, got " + body.getNodeType(), 200, null, null);
    }
    return object;
  }

  private JsonNode call(URI admin, String method, String path, String token, JsonNode body) throws NodeApiException {
    String where = method + " " + admin + path;
    HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve(path))
        .timeout(timeout)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + token);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    }
    HttpResponse<InputStream> response;
    byte[] bytes;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = response.body()) {
        bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      }
    } catch (IOException e) {
      throw new NodeApiException(where + ": " + e.getClass().getSimpleName() + " " + e.getMessage(), 0, null, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeApiException(where + ": interrupted", 0, null, e);
    }
    if (bytes.length > MAX_RESPONSE_BYTES) {
      throw new NodeApiException(where + ": response larger than " + MAX_RESPONSE_BYTES + " bytes", response.statusCode(), null, null);
    }
    JsonNode parsed;
    try {
      parsed = bytes.length == 0 ? null : json.readTree(bytes);
    } catch (IOException e) {
      parsed = null;
    }
    int status = response.statusCode();
    if (status / 100 != 2) {
      String code = parsed != null && parsed.hasNonNull("code") ? parsed.get("code").asText() : null;
      String message = parsed != null && parsed.hasNonNull("message") ? parsed.get("message").asText() : "no error body";
      throw new NodeApiException(where + ": HTTP " + status + (code == null ? "" : " " + code) + ": " + message,
          status, code, null);
    }
    if (parsed == null && (status == 204 || bytes.length == 0) && !"GET".equals(method)) {
      return json.createObjectNode();
    }
    if (parsed == null) {
      throw new NodeApiException(where + ": response is not JSON", status, null, null);
    }
    return parsed;
  }
}
