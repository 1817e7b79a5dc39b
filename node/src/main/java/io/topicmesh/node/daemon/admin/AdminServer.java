package io.topicmesh.node.daemon.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.pubsub.router.BatchPublishException;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.GossipRouter;
import io.topicmesh.node.pubsub.router.PublishException;
import io.topicmesh.node.pubsub.router.PublishResult;
import io.topicmesh.node.pubsub.router.ReceivedMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API of a node (JSON; JDK HTTP server on its own port).
 *
 * <pre>
 * GET    /healthz                       liveness (no token by default): 503 when the heartbeat stalled
 * GET    /readyz                        readiness (no token by default)
 * GET    /metrics                       Prometheus text (no token by default: read-only figures)
 * GET    /ui/                           the mesh view, a static page (no token: it holds no data; its
 *                                       script reads /v1/status with the token the user gives it)
 * GET    /v1/status                     peer id, addrs, version, uptime, peers, topics, params, traffic
 * GET    /v1/params                     effective gossipsub parameters
 * PUT    /v1/params                     some or all members; validated; applied at the next heartbeat
 * GET    /v1/topics                     subscribed topics, each with its settings
 * PUT    /v1/topics/{t}                 subscribe (201, or 200 when already subscribed); an optional body
 *                                       {"name", "validation", "score"} (a node.yaml topics entry) applies
 *                                       the topic's settings live, replacing the previous ones
 * DELETE /v1/topics/{t}                 unsubscribe (204; 404 when not subscribed)
 * POST   /v1/topics/{t}/publish         body: raw bytes, or JSON {"data": text} / {"base64": …}
 * POST   /v1/topics/{t}/publish-batch   JSON {"messages": [{"data": text} | {"base64": …}, …]}: every
 *                                       message's first copy goes out before any second copy
 * GET    /v1/topics/{t}/messages        server-sent events, one per delivered message; ?limit=N ends after N
 * </pre>
 *
 * Errors are {@code {"code": …, "message": …, "status": "429 Too Many Requests"}} with a 4xx status
 * for anything the client got wrong. Who may call what is {@link AdminAuth}'s policy (scoped bearer tokens, compared in constant
 * time; 401 without a known token, 403 without the scope); TLS is optional ({@link AdminTls}). A failed
 * publish maps in {@link #publishFailure}: 503 when retrying later or through another node can succeed
 * (a full validation queue, shutdown).
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  /** Concurrent message streams (each holds a server thread). */
  static final int MAX_STREAMS = 8;
  /** Server threads; streams take at most {@link #MAX_STREAMS} of them. */
  static final int THREADS = 16;
  /** Requests waiting for a thread. */
  static final int MAX_PENDING_REQUESTS = 1024;
  /** Messages buffered per stream client; beyond it messages are dropped for that client. */
  static final int STREAM_BUFFER = 1024;
  /** Messages in one publish-batch request (the router's bound). */
  static final int MAX_BATCH = GossipRouter.MAX_BATCH;
  /** Bound on a JSON body's nesting. */
  static final int MAX_JSON_DEPTH = 16;

  private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._/:\\-]{1,253}");
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_LONG_FOR_INTS);

  static {
    JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH)
        .maxNumberLength(64).maxStringLength(64 << 20).build());
  }

  private final Daemon node;
  private final AdminAuth auth;
  private final int maxBody;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final AdminTls tls;
  private final Semaphore streams = new Semaphore(MAX_STREAMS);
  private final UiHandler ui = new UiHandler();
  private volatile boolean closed;

  /**
   * @param token the bearer token with the admin scope, or null for none (then bind only to loopback)
   */
  public AdminServer(Daemon node, InetSocketAddress bind, String token, int maxBody) throws IOException {
    this(node, bind, AdminAuth.single(token), null, maxBody);
  }

  /**
   * @param auth the tokens and which endpoints need them ({@link AdminAuth#none()}: bind only to loopback)
   * @param tls the serving certificate, or null for plain HTTP
   */
  public AdminServer(Daemon node, InetSocketAddress bind, AdminAuth auth, AdminTls tls, int maxBody) throws IOException {
    this.node = node;
    this.auth = auth;
    this.maxBody = maxBody;
    this.tls = tls;
    this.server = tls == null ? HttpServer.create(bind, 64) : AdminTlsServer.create(bind, 64, tls);
    AtomicLong n = new AtomicLong();
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_PENDING_REQUESTS), r -> {
          Thread t = new Thread(r, "topicmesh-admin-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  public void start() {
    server.start();
    log.info("admin API listening on {} {} auth={}", scheme(), address(),
        auth.enabled() ? "bearer " + auth.scopes().stream().map(AdminScope::label).toList()
            + (auth.protectMetrics() ? " metrics=token" : " metrics=open")
            + (auth.protectHealth() ? " health=token" : " health=open") : "none");
  }

  /** {@code https} with TLS, else {@code http}. */
  public String scheme() {
    return tls == null ? "http" : "https";
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) {
    try {
      route(ex);
    } catch (ApiException e) {
      sendError(ex, e.status(), e.code(), e.getMessage());
    } catch (ConfigException e) {
      sendError(ex, 400, "invalid_params", e.getMessage());
    } catch (IOException e) {
      log.debug("admin client went away: {}", e.toString());
    } catch (RuntimeException e) {
      log.warn("admin {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e.toString());
      sendError(ex, 500, "internal", e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      ex.close();
    }
  }

  private void route(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getRawPath();
    if (path.length() > 2048) {
      throw new ApiException(414, "uri_too_long", "request path longer than 2048 characters");
    }
    auth.check(method, path, ex.getRequestHeaders().getFirst("Authorization"));
    switch (path) {
      case "/healthz" -> {
        only(method, "GET");
        boolean live = node.live();
        sendJson(ex, live ? 200 : 503, Map.of("live", live));
        return;
      }
      case "/readyz" -> {
        only(method, "GET");
        Daemon.Readiness r = node.readiness();
        sendJson(ex, r.ready() ? 200 : 503, Map.of("ready", r.ready(), "reason", r.reason()));
        return;
      }
      case "/metrics" -> {
        only(method, "GET");
        if (!(node.registry() instanceof PrometheusMeterRegistry prom)) {
          throw new ApiException(404, "not_found", "this node has no Prometheus registry");
        }
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", prom.scrape().getBytes(StandardCharsets.UTF_8));
        return;
      }
      default -> { }
    }
    if (UiHandler.handles(path)) {
      ui.serve(ex, method, path);
      return;
    }
    if (path.equals("/v1/status")) {
      only(method, "GET");
      sendJson(ex, 200, node.status());
    } else if (path.equals("/v1/params")) {
      params(ex, method);
    } else if (path.equals("/v1/topics")) {
      only(method, "GET");
      List<Map<String, Object>> all = new java.util.ArrayList<>();
      for (String t : node.router().subscriptions().stream().sorted().toList()) {
        all.add(node.topicSettings(t));
      }
      sendJson(ex, 200, Map.of("topics", all));
    } else if (path.startsWith("/v1/topics/")) {
      topics(ex, method, path.substring("/v1/topics/".length()));
    } else {
      throw new ApiException(404, "not_found", "no such endpoint: " + path);
    }
  }

  private static void only(String method, String... allowed) {
    for (String a : allowed) {
      if (a.equals(method)) {
        return;
      }
    }
    throw new ApiException(405, "method_not_allowed", method + " not allowed; use " + String.join(" or ", allowed));
  }

  // ---- /v1/params -------------------------------------------------------------------------

  private void params(HttpExchange ex, String method) throws IOException {
    only(method, "GET", "PUT");
    if (method.equals("GET")) {
      sendJson(ex, 200, ParamsCodec.toJson(node.router().params()));
      return;
    }
    Map<String, Object> changes = paramsBody(readBody(ex));
    // merged onto the last set (maybe still pending), so two PUTs within one heartbeat compose
    GossipParams next = node.updateParams(changes);
    sendJson(ex, 200, ParamsCodec.toJson(next));
  }

  /** The body of {@code PUT /v1/params}: parameter names to numbers or booleans. */
  static Map<String, Object> paramsBody(byte[] raw) {
    JsonNode body = parseJson(raw);
    if (!body.isObject()) {
      throw new ApiException(400, "bad_request", "body must be a JSON object of parameters");
    }
    Map<String, Object> changes = new LinkedHashMap<>();
    for (var it = body.properties().iterator(); it.hasNext();) {
      var e = it.next();
      changes.put(e.getKey(), scalar(e.getKey(), e.getValue()));
    }
    return changes;
  }

  private static Object scalar(String field, JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isIntegralNumber()) {
      if (!v.canConvertToLong()) {
        throw new ConfigException(field, v.asText(), "must be a 32-bit integer");
      }
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    throw new ConfigException(field, v.toString(), "must be a number or a boolean");
  }

  // ---- /v1/topics/{t}[/publish|/messages] ---------------------------------------------------

  private void topics(HttpExchange ex, String method, String rest) throws IOException {
    String[] parts = rest.split("/", -1);
    String action = null;
    if (parts.length == 2) {
      action = parts[1];
    } else if (parts.length != 1) {
      throw new ApiException(404, "not_found", "no such endpoint: /v1/topics/" + rest
          + " (a '/' inside a topic name is written %2F)");
    }
    String topic = topic(parts[0]);
    if (action == null) {
      only(method, "PUT", "DELETE");
      if (method.equals("PUT")) {
        byte[] raw = readBody(ex);
        boolean fresh;
        try {
          if (raw.length == 0 || new String(raw, StandardCharsets.UTF_8).isBlank()) {
            fresh = node.subscribe(topic); // no body: subscribe, settings unchanged
          } else {
            fresh = node.applyTopic(ConfigLoader.topic(topicBody(raw), topic));
          }
        } catch (IllegalStateException e) {
          throw new ApiException(409, "too_many_topics", e.getMessage());
        }
        sendJson(ex, fresh ? 201 : 200, node.topicSettings(topic));
      } else {
        if (!node.unsubscribe(topic)) {
          throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic);
        }
        send(ex, 204, null, null);
      }
      return;
    }
    switch (action) {
      case "publish" -> {
        only(method, "POST");
        publish(ex, topic);
      }
      case "publish-batch" -> {
        only(method, "POST");
        publishBatch(ex, topic);
      }
      case "messages" -> {
        only(method, "GET");
        stream(ex, topic);
      }
      default -> throw new ApiException(404, "not_found", "no such endpoint: /v1/topics/{topic}/" + action);
    }
  }

  /** The body of {@code PUT /v1/topics/{t}}: one {@code topics:} entry of node.yaml, as a JSON object. */
  static Map<?, ?> topicBody(byte[] raw) {
    JsonNode body = parseJson(raw);
    if (!body.isObject()) {
      throw new ApiException(400, "bad_request", "body must be a JSON object {\"name\", \"validation\", \"score\"}"
          + " like one entry of node.yaml's topics list");
    }
    JsonNode score = body.get("score");
    if (score != null && score.isObject()) {
      for (var it = score.properties().iterator(); it.hasNext();) {
        var e = it.next();
        JsonNode v = e.getValue();
        if (!v.isNumber() && !v.isBoolean()) {
          throw new ConfigException("score." + e.getKey(), v.toString(), "must be a number");
        }
        if (v.isIntegralNumber() && !v.canConvertToLong()) {
          throw new ConfigException("score." + e.getKey(), v.asText(), "must be a number of at most 64 bits");
        }
      }
    }
    return JSON.convertValue(body, Map.class);
  }

  private static String topic(String raw) {
    String t;
    try {
      t = URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "invalid_topic", "topic is not valid percent-encoding");
    }
    if (!TOPIC.matcher(t).matches()) {
      throw new ApiException(400, "invalid_topic", "topic must be 1 to 253 characters of A-Z a-z 0-9 . _ / : -");
    }
    return t;
  }

  private void publish(HttpExchange ex, String topic) throws IOException {
    String ct = ex.getRequestHeaders().getFirst("Content-Type");
    byte[] data;
    if (ct != null && ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      data = messageData(readJson(ex), "JSON body");
    } else {
      data = readBody(ex);
    }
    PublishResult r = await(topic, node.publish(topic, data), "message");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.putAll(published(r, data));
    sendJson(ex, 200, out);
  }

  /**
   * {@code POST /v1/topics/{t}/publish-batch}: {@code {"messages": [m, …]}}, each m as the JSON
   * body of publish; returns {@code {"topic", "messages": [{"id","peers","bytes"}, …]}} in order.
   */
  private void publishBatch(HttpExchange ex, String topic) throws IOException {
    JsonNode body = readJson(ex);
    JsonNode ms = body.isObject() && body.size() == 1 ? body.get("messages") : null;
    if (ms == null || !ms.isArray()) {
      throw new ApiException(400, "bad_request",
          "JSON body must be {\"messages\": [{\"data\": \"text\"} or {\"base64\": \"…\"}, …]}");
    }
    if (ms.isEmpty() || ms.size() > MAX_BATCH) {
      throw new ApiException(400, "bad_request", "a batch holds 1 to " + MAX_BATCH + " messages, got " + ms.size());
    }
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < ms.size(); i++) {
      data.add(messageData(ms.get(i), "messages[" + i + "]"));
    }
    List<PublishResult> rs = await(topic, node.publishBatch(topic, data), "batch");
    List<Map<String, Object>> list = new ArrayList<>();
    for (int i = 0; i < rs.size(); i++) {
      list.add(published(rs.get(i), data.get(i)));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("topic", topic);
    out.put("messages", list);
    sendJson(ex, 200, out);
  }

  /** One message as JSON, {"data": text} or {"base64": …}, as bytes. */
  private static byte[] messageData(JsonNode body, String where) {
    if (!body.isObject() || body.size() != 1 || !(body.has("data") || body.has("base64"))) {
      throw new ApiException(400, "bad_request", where + " must be {\"data\": \"text\"} or {\"base64\": \"…\"}");
    }
    JsonNode v = body.has("data") ? body.get("data") : body.get("base64");
    if (!v.isTextual()) {
      throw new ApiException(400, "bad_request", where + ": the message must be a JSON string");
    }
    if (body.has("data")) {
      return v.textValue().getBytes(StandardCharsets.UTF_8);
    }
    try {
      return Base64.getDecoder().decode(v.textValue());
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "bad_request", where + ": base64: " + e.getMessage());
    }
  }

  private static Map<String, Object> published(PublishResult r, byte[] data) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", HexFormat.of().formatHex(r.id().bytes().toByteArray()));
    out.put("peers", r.peers());
    out.put("bytes", data.length);
    return out;
  }

  /** Waits up to 10 s for a publish, mapping its failures to API errors. */
  private static <T> T await(String topic, CompletableFuture<T> f, String what) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof BatchPublishException b ? batchFailure(topic, b) : publishFailure(topic, c);
    } catch (TimeoutException e) {
      throw new ApiException(503, "busy", "router did not accept the " + what + " within 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiException(503, "busy", "interrupted");
    }
  }

  /**
   * The one place a failed publish becomes an HTTP error: 503 when the client should retry later or
   * through another node, 4xx when the message itself cannot be published, 5xx for a fault here.
   */
  static ApiException publishFailure(String topic, Throwable cause) {
    if (!(cause instanceof PublishException p)) {
      log.warn("admin publish to topic={} failed unexpectedly: {}", topic, String.valueOf(cause));
      return new ApiException(500, "internal", "message not published: " + cause);
    }
    String m = "message not published: " + p.getMessage();
    return switch (p.reason()) {
      case TOO_LARGE -> new ApiException(413, "too_large", m);
      case DUPLICATE -> new ApiException(409, "duplicate", m);
      case REJECTED -> new ApiException(422, "rejected", m);
      case IGNORED -> new ApiException(422, "ignored", m);
      case QUEUE_FULL -> new ApiException(503, "busy", m);
      case SHUTTING_DOWN -> new ApiException(503, "shutting_down", m);
      case VALIDATION_TIMEOUT -> new ApiException(503, "validation_timeout", m);
      case VALIDATOR_FAILED -> new ApiException(500, "validator_failed", m);
    };
  }

  /**
   * A batch some of whose messages were refused; the message names each by index and reason. None
   * published, all for one reason: that reason's status and code, as for a single publish (503
   * still means "retry the batch"). None published, for several reasons: 422 {@code
   * not_published}. Some published: 422 {@code partially_published} (retrying the whole batch
   * would publish those twice).
   */
  static ApiException batchFailure(String topic, BatchPublishException b) {
    if (b.published() > 0) {
      return new ApiException(422, "partially_published", b.getMessage());
    }
    var reasons = b.failures().values().stream()
        .map(c -> c instanceof PublishException p ? p.reason() : null).distinct().toList();
    if (reasons.size() == 1 && reasons.get(0) != null) {
      ApiException one = publishFailure(topic, b.failures().values().iterator().next());
      return new ApiException(one.status(), one.code(), "batch not published: " + b.getMessage());
    }
    return new ApiException(422, "not_published", b.getMessage());
  }

  private void stream(HttpExchange ex, String topic) throws IOException {
    long limit = Long.MAX_VALUE;
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String kv : q.split("&")) {
        if (kv.startsWith("limit=")) {
          try {
            limit = Long.parseLong(kv.substring(6));
          } catch (NumberFormatException e) {
            limit = -1;
          }
          if (limit < 1) {
            throw new ApiException(400, "bad_request", "limit must be a positive integer");
          }
        } else if (!kv.isEmpty()) {
          throw new ApiException(400, "bad_request", "unknown query parameter " + kv.split("=")[0] + "; known: limit");
        }
      }
    }
    if (!node.subscribed(topic)) {
      throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic + " (PUT /v1/topics/" + topic + " first)");
    }
    if (!streams.tryAcquire()) {
      throw new ApiException(429, "too_many_streams", MAX_STREAMS + " message streams open, the maximum");
    }
    BlockingQueue<ReceivedMessage> queue = new ArrayBlockingQueue<>(STREAM_BUFFER);
    AtomicLong dropped = new AtomicLong();
    Consumer<ReceivedMessage> listener = m -> {
      if (!queue.offer(m)) {
        dropped.incrementAndGet();
      }
    };
    try {
      if (!node.addListener(topic, listener)) {
        throw new ApiException(404, "unknown_topic", "not subscribed to topic " + topic);
      }
      ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      out.write(": subscribed\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      long sent = 0;
      long reportedDrops = 0;
      while (sent < limit && !closed && node.subscribed(topic)) {
        ReceivedMessage m = queue.poll(15, TimeUnit.SECONDS);
        long d = dropped.get();
        if (d != reportedDrops) {
          out.write(("event: dropped\ndata: {\"dropped\":" + d + "}\n\n").getBytes(StandardCharsets.UTF_8));
          reportedDrops = d;
        }
        if (m == null) {
          out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
        } else {
          String id = HexFormat.of().formatHex(m.id().bytes().toByteArray());
          out.write(("id: " + id + "\nevent: message\ndata: " + JSON.writeValueAsString(event(id, m)) + "\n\n")
              .getBytes(StandardCharsets.UTF_8));
          sent++;
        }
        out.flush();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      node.removeListener(topic, listener);
      streams.release();
    }
  }

  static Map<String, Object> event(String id, ReceivedMessage m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("id", id);
    o.put("topic", m.message().topic());
    o.put("from", m.message().from() == null ? null : peerText(m.message().from().toByteArray()));
    o.put("receivedFrom", m.source() == null ? null : m.source().toString());
    o.put("local", m.local());
    byte[] data = m.message().data().toByteArray();
    o.put("base64", Base64.getEncoder().encodeToString(data));
    o.put("data", utf8(data));
    return o;
  }

  private static String peerText(byte[] b) {
    try {
      return io.topicmesh.node.identity.PeerId.fromBytes(b).toString();
    } catch (RuntimeException e) {
      return HexFormat.of().formatHex(b);
    }
  }

  /** The text when {@code b} is valid UTF-8, else null. */
  private static String utf8(byte[] b) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  // ---- bodies and responses -----------------------------------------------------------------

  private byte[] readBody(HttpExchange ex) throws IOException {
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    if (cl != null) {
      long n;
      try {
        n = Long.parseLong(cl.trim());
      } catch (NumberFormatException e) {
        throw new ApiException(400, "bad_request", "Content-Length is not a number");
      }
      if (n > maxBody) {
        throw new ApiException(413, "too_large", "body of " + n + " bytes exceeds the limit of " + maxBody);
      }
    }
    InputStream in = ex.getRequestBody();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    int r;
    while ((r = in.read(chunk)) > 0) {
      if (buf.size() + r > maxBody) {
        throw new ApiException(413, "too_large", "body exceeds the limit of " + maxBody + " bytes");
      }
      buf.write(chunk, 0, r);
    }
    return buf.toByteArray();
  }

  private JsonNode readJson(HttpExchange ex) throws IOException {
    return parseJson(readBody(ex));
  }

  private static JsonNode parseJson(byte[] body) {
    if (body.length == 0) {
      throw new ApiException(400, "bad_json", "empty body; a JSON object was expected");
    }
    try {
      JsonNode n = JSON.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw new ApiException(400, "bad_json", "empty body; a JSON object was expected");
      }
      return n;
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
          + e.getLocation().getColumnNr();
      throw new ApiException(400, "bad_json", "body is not valid JSON" + where + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ApiException(400, "bad_json", "body is not valid JSON: " + e.getMessage());
    }
  }

  private static void sendJson(HttpExchange ex, int status, Object body) throws IOException {
    send(ex, status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void sendError(HttpExchange ex, int status, String code, String message) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", code);
    e.put("message", message);
    e.put("status", HttpStatus.line(status)); // the JDK server sends no reason phrase for 429: see HttpStatus
    try {
      if (status == 405) {
        ex.getResponseHeaders().set("Allow", "GET, PUT, POST, DELETE");
      }
      sendJson(ex, status, e);
    } catch (IOException | RuntimeException io) {
      log.debug("admin error response failed: {}", io.toString());
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    // drain what the client sent so the connection can be reused; bounded by the read loop's limit
    if (type != null) {
      ex.getResponseHeaders().set("Content-Type", type);
    }
    if (body == null) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** The subscribed topics (for tests). */
  List<String> topics() {
    return node.router().subscriptions().stream().sorted().toList();
  }
}
