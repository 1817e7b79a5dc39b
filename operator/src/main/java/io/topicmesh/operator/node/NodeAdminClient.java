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
import java.util.Map;

/**
 * The operator's only way to talk to a node: its admin HTTP API (see operator/README.md, "Node admin
 * API"). {@code GET /v1/status}, {@code GET/PUT /v1/params}, {@code PUT/DELETE /v1/topics/{t}} with a bearer token, {@code /readyz}
 * without. Every call has a timeout and a response size bound; failures are {@link NodeApiException}.
 */
public final class NodeAdminClient {
  /** Largest response body read from a node; a status document of a large node is well below it. */
  public static final int MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  /** Most clusters whose CA is kept (one HTTP client each); the least recently used goes first. */
  static final int MAX_TRUSTED_CAS = 256;

  private final HttpClient http;
  private final Duration timeout;
  /** One client per cluster CA, keyed by the SHA-256 of its PEM: a node is trusted only by its own cluster's CA. */
  private final Map<String, HttpClient> trusted = java.util.Collections.synchronizedMap(
      new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, HttpClient> eldest) {
          return size() > MAX_TRUSTED_CAS;
        }
      });
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public NodeAdminClient(Duration timeout) {
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /**
   * The access to a cluster whose nodes serve TLS with certificates of {@code caPem}: calls with it
   * verify the node's certificate chain against that CA alone. The host name is not checked (the
   * operator dials pod IPs); a per-cluster CA signs only that cluster's serving certificate.
   *
   * @throws NodeApiException when the PEM holds no usable certificate
   */
  public NodeAccess access(String token, byte[] caPem) throws NodeApiException {
    String id = ClusterTrust.id(caPem);
    if (!trusted.containsKey(id)) {
      HttpClient c = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1)
          .sslContext(ClusterTrust.sslContext(caPem)).build();
      trusted.putIfAbsent(id, c);
    }
    return new NodeAccess(token, id);
  }

  private HttpClient http(NodeAccess access) throws NodeApiException {
    if (access.trustId() == null) {
      return http;
    }
    HttpClient c = trusted.get(access.trustId());
    if (c == null) {
      throw new NodeApiException("the CA " + access.trustId() + " is no longer registered; call access() again", 0,
          null, null);
    }
    return c;
  }

  /** The bound of every call. */
  public Duration timeout() {
    return timeout;
  }

  /** {@code GET /v1/status}. */
  public NodeStatus status(URI admin, String token) throws NodeApiException {
    return status(admin, NodeAccess.plain(token));
  }

  /** {@code GET /v1/status}. */
  public NodeStatus status(URI admin, NodeAccess token) throws NodeApiException {
    JsonNode body = call(admin, "GET", "/v1/status", token, null);
    try {
      return json.treeToValue(body, NodeStatus.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new NodeApiException(admin + "/v1/status: not a status document: " + e.getMessage(), 200, null, e);
    }
  }

  /** {@code GET /v1/params}: the node's effective parameter set. */
  public ObjectNode params(URI admin, String token) throws NodeApiException {
    return params(admin, NodeAccess.plain(token));
  }

  /** {@code GET /v1/params}. */
  public ObjectNode params(URI admin, NodeAccess token) throws NodeApiException {
    return asObject(admin, "/v1/params", call(admin, "GET", "/v1/params", token, null));
  }

  /**
   * {@code PUT /v1/params}; returns the effective set the node reports. A 400 carries the node's
   * error code and message.
   */
  public ObjectNode putParams(URI admin, String token, ObjectNode params) throws NodeApiException {
    return putParams(admin, NodeAccess.plain(token), params);
  }

  /** {@code PUT /v1/params}. */
  public ObjectNode putParams(URI admin, NodeAccess token, ObjectNode params) throws NodeApiException {
    return asObject(admin, "/v1/params", call(admin, "PUT", "/v1/params", token, params));
  }

  /**
   * {@code PUT /v1/topics/{topic}} with one entry of node.yaml's {@code topics:} list (name,
   * validation, score): subscribes, or updates the topic's validation and score parameters when
   * already subscribed. 200 and 201 are both success.
   */
  public void putTopic(URI admin, String token, String topic, ObjectNode entry) throws NodeApiException {
    putTopic(admin, NodeAccess.plain(token), topic, entry);
  }

  /** {@code PUT /v1/topics/{topic}}. */
  public void putTopic(URI admin, NodeAccess token, String topic, ObjectNode entry) throws NodeApiException {
    call(admin, "PUT", topicPath(topic), token, entry);
  }

  /** {@code DELETE /v1/topics/{topic}}: unsubscribes; returns false when the node was not subscribed (404). */
  public boolean deleteTopic(URI admin, String token, String topic) throws NodeApiException {
    return deleteTopic(admin, NodeAccess.plain(token), topic);
  }

  /** {@code DELETE /v1/topics/{topic}}. */
  public boolean deleteTopic(URI admin, NodeAccess token, String topic) throws NodeApiException {
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
    return ready(admin, NodeAccess.plain(null));
  }

  /** {@code GET /readyz} through the cluster's access (its CA); the token is sent when there is one. */
  public boolean ready(URI admin, NodeAccess access) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(admin.resolve("/readyz")).timeout(timeout).GET();
      if (access.token() != null) {
        b.header("Authorization", "Bearer " + access.token());
      }
      HttpRequest request = b.build();
      return http(access).send(request, HttpResponse.BodyHandlers.discarding()).statusCode() / 100 == 2;
    } catch (IOException | NodeApiException e) {
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

  private JsonNode call(URI admin, String method, String path, NodeAccess access, JsonNode body)
      throws NodeApiException {
    String where = method + " " + admin + path;
    HttpClient http = http(access);
    HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve(path))
        .timeout(timeout)
        .header("Accept", "application/json")
        .header("Authorization", "Bearer " + access.token());
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
