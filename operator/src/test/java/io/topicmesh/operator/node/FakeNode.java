package io.topicmesh.operator.node;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a topicmesh node's admin API on loopback, speaking exactly the documented contract
 * (operator/README.md). Tests script its mesh, traffic and readiness and inspect PUTs.
 */
public final class FakeNode implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final String token;
  public final String peerId;
  private volatile boolean ready = true;
  private volatile long uptimeSeconds = 10;
  private volatile boolean failing;
  private volatile boolean refusingParams;
  private final Map<String, List<String>> mesh = new LinkedHashMap<>();
  private ObjectNode params;
  private long published;
  private long delivered;
  private long duplicates;
  private double p50;
  private double p99;
  /** Subscribed topics with the entry last PUT (node.yaml's topics[] shape), in subscription order. */
  private final Map<String, ObjectNode> topics = new LinkedHashMap<>();
  private final Map<String, Long> topicMessages = new LinkedHashMap<>();
  private final Map<String, Long> topicDuplicates = new LinkedHashMap<>();
  public final AtomicInteger puts = new AtomicInteger();
  public final AtomicInteger topicPuts = new AtomicInteger();
  public final AtomicInteger topicDeletes = new AtomicInteger();
  public final AtomicInteger statusCalls = new AtomicInteger();

  public FakeNode(String token, String peerId) throws IOException {
    this(token, peerId, (javax.net.ssl.SSLContext) null);
  }

  /**
   * @param tls the server's TLS context (the node's serving certificate), or null for plain HTTP; {@link
   *     #uri()} stays http:// as the operator's NodeEndpoints report it, the reconciler switches to https
   */
  public FakeNode(String token, String peerId, javax.net.ssl.SSLContext tls) throws IOException {
    this(token, peerId, tls, new InetSocketAddress("127.0.0.1", 0));
  }

  /** Plain HTTP on {@code bind} (e.g. a pod's loopback IP on the admin port, for an operator run as a process). */
  public FakeNode(String token, String peerId, InetSocketAddress bind) throws IOException {
    this(token, peerId, null, bind);
  }

  private FakeNode(String token, String peerId, javax.net.ssl.SSLContext tls, InetSocketAddress bind)
      throws IOException {
    this.token = token;
    this.peerId = peerId;
    this.params = JSON.createObjectNode().put("d", 6).put("dlo", 5).put("dhi", 12).put("dlazy", 6)
        .put("dout", 2).put("dscore", 4).put("heartbeatIntervalMs", 1000).put("floodPublish", true);
    if (tls == null) {
      server = HttpServer.create(bind, 16);
    } else {
      com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(bind, 16);
      https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
      server = https;
    }
    server.createContext("/", this::handle);
    server.start();
  }

  public URI uri() {
    return URI.create("http://" + server.getAddress().getAddress().getHostAddress() + ":"
        + server.getAddress().getPort());
  }

  /** Sets the topic's mesh; the node counts as subscribed to it. */
  public synchronized FakeNode mesh(String topic, String... peers) {
    mesh.put(topic, List.of(peers));
    topics.computeIfAbsent(topic, t -> JSON.createObjectNode().put("name", t));
    return this;
  }

  /** Sets the topic's cumulative count of distinct messages seen (status.topics[].messages). */
  public synchronized FakeNode topicMessages(String topic, long messages) {
    topicMessages.put(topic, messages);
    return this;
  }

  /** Sets the topic's cumulative counts of distinct messages and duplicates (status.topics[].messages, .duplicates). */
  public synchronized FakeNode topicTraffic(String topic, long messages, long duplicates) {
    topicMessages.put(topic, messages);
    topicDuplicates.put(topic, duplicates);
    return this;
  }

  /** The subscribed topics and the entry each was last PUT with. */
  public synchronized Map<String, ObjectNode> topics() {
    Map<String, ObjectNode> copy = new LinkedHashMap<>();
    topics.forEach((t, e) -> copy.put(t, e.deepCopy()));
    return copy;
  }

  public synchronized FakeNode traffic(long published, long delivered, long duplicates, double p50, double p99) {
    this.published = published;
    this.delivered = delivered;
    this.duplicates = duplicates;
    this.p50 = p50;
    this.p99 = p99;
    return this;
  }

  /** Sets status.probes (issue 9): the node's probe window, or null for a node without probes. */
  public synchronized FakeNode probes(Long expected, Long received, Double p50, Double p99) {
    this.probeExpected = expected;
    this.probeReceived = received;
    this.probeP50 = p50;
    this.probeP99 = p99;
    this.probes = true;
    return this;
  }

  private boolean probes;
  private Long probeExpected;
  private Long probeReceived;
  private Double probeP50;
  private Double probeP99;

  /** Sets status.uptimeSeconds (a lower value than before looks like a restarted node). */
  public FakeNode uptime(long seconds) {
    this.uptimeSeconds = seconds;
    return this;
  }

  /** A restarted node: subscribed to nothing, uptime 0. */
  public synchronized FakeNode restart() {
    topics.clear();
    mesh.clear();
    uptimeSeconds = 0;
    return this;
  }

  public FakeNode ready(boolean ready) {
    this.ready = ready;
    return this;
  }

  /** Answer every authenticated call with HTTP 500. */
  public FakeNode failing(boolean failing) {
    this.failing = failing;
    return this;
  }

  /** Answer PUT /v1/params with 400 INVALID_PARAMS whatever the body. */
  public FakeNode refusingParams(boolean refusing) {
    this.refusingParams = refusing;
    return this;
  }

  public synchronized ObjectNode params() {
    return params.deepCopy();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (path.equals("/healthz")) {
        send(ex, 200, "{}");
        return;
      }
      if (path.equals("/readyz")) {
        send(ex, ready ? 200 : 503, "{}");
        return;
      }
      if (!("Bearer " + token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        send(ex, 401, "{\"code\":\"UNAUTHORIZED\",\"message\":\"bad token\"}");
        return;
      }
      if (failing) {
        send(ex, 500, "{\"code\":\"INTERNAL\",\"message\":\"scripted failure\"}");
        return;
      }
      switch (ex.getRequestMethod() + " " + path) {
        case "GET /v1/status" -> {
          statusCalls.incrementAndGet();
          send(ex, 200, statusJson());
        }
        case "GET /v1/params" -> send(ex, 200, params().toString());
        case "PUT /v1/params" -> put(ex);
        default -> {
          if (path.startsWith("/v1/topics/") && ex.getRequestMethod().equals("PUT")) {
            putTopic(ex, topicName(ex));
          } else if (path.startsWith("/v1/topics/") && ex.getRequestMethod().equals("DELETE")) {
            deleteTopic(ex, topicName(ex));
          } else {
            send(ex, 404, "{\"code\":\"NOT_FOUND\",\"message\":\"" + path + "\"}");
          }
        }
      }
    }
  }

  private static String topicName(HttpExchange ex) {
    String raw = ex.getRequestURI().getRawPath().substring("/v1/topics/".length());
    return java.net.URLDecoder.decode(raw, StandardCharsets.UTF_8);
  }

  /** PUT /v1/topics/{t}: the body is one node.yaml topics[] entry whose name must match the path. */
  private void putTopic(HttpExchange ex, String topic) throws IOException {
    ObjectNode body;
    try {
      body = (ObjectNode) JSON.readTree(ex.getRequestBody().readAllBytes());
    } catch (IOException | ClassCastException e) {
      send(ex, 400, "{\"code\":\"MALFORMED\",\"message\":\"not a JSON object\"}");
      return;
    }
    if (!topic.equals(body.path("name").asText())) {
      send(ex, 400, "{\"code\":\"INVALID_TOPIC\",\"message\":\"body name differs from the path\"}");
      return;
    }
    var unknown = new ArrayList<String>();
    body.fieldNames().forEachRemaining(f -> {
      if (!List.of("name", "validation", "score", "mesh").contains(f)) {
        unknown.add(f);
      }
    });
    // the node's topics[].mesh members (ConfigLoader.MESH_KEYS)
    body.path("mesh").fieldNames().forEachRemaining(f -> {
      if (!List.of("d", "dlo", "dhi", "dscore", "dout", "dlazy").contains(f)) {
        unknown.add("mesh." + f);
      }
    });
    if (!unknown.isEmpty()) {
      send(ex, 400, "{\"code\":\"INVALID_TOPIC\",\"message\":\"unknown keys " + unknown + "\"}");
      return;
    }
    boolean fresh;
    synchronized (this) {
      fresh = topics.put(topic, body) == null;
      mesh.putIfAbsent(topic, List.of());
    }
    topicPuts.incrementAndGet();
    send(ex, fresh ? 201 : 200, JSON.createObjectNode().put("topic", topic).put("subscribed", true).toString());
  }

  private void deleteTopic(HttpExchange ex, String topic) throws IOException {
    boolean known;
    synchronized (this) {
      known = topics.remove(topic) != null;
      mesh.remove(topic);
    }
    if (!known) {
      send(ex, 404, "{\"code\":\"unknown_topic\",\"message\":\"not subscribed\"}");
      return;
    }
    topicDeletes.incrementAndGet();
    ex.sendResponseHeaders(204, -1);
  }

  private void put(HttpExchange ex) throws IOException {
    if (refusingParams) {
      send(ex, 400, "{\"code\":\"INVALID_PARAMS\",\"message\":\"scripted refusal\"}");
      return;
    }
    ObjectNode body;
    try {
      body = (ObjectNode) JSON.readTree(ex.getRequestBody().readAllBytes());
    } catch (IOException | ClassCastException e) {
      send(ex, 400, "{\"code\":\"MALFORMED\",\"message\":\"not a JSON object\"}");
      return;
    }
    int d = body.path("d").asInt();
    int dlo = body.path("dlo").asInt();
    int dhi = body.path("dhi").asInt();
    int dout = body.path("dout").asInt();
    if (!(dlo <= d && d <= dhi && dout < dlo && dout <= d / 2)) {
      send(ex, 400, "{\"code\":\"INVALID_PARAMS\",\"message\":\"dlo <= d <= dhi, dout < dlo, dout <= d/2 violated\"}");
      return;
    }
    synchronized (this) {
      params = body;
    }
    puts.incrementAndGet();
    send(ex, 200, params().toString());
  }

  private synchronized String statusJson() {
    ObjectNode s = JSON.createObjectNode();
    s.put("peerId", peerId).put("version", "fake").put("uptimeSeconds", uptimeSeconds).put("ready", ready);
    s.putArray("addrs").add("/ip4/127.0.0.1/tcp/4001");
    ArrayNode peers = s.putArray("peers");
    List<String> all = new ArrayList<>();
    mesh.values().forEach(all::addAll);
    all.stream().distinct().forEach(p -> peers.addObject().put("peerId", p).put("protocol", "/meshsub/1.2.0").put("score", 0.0));
    ArrayNode subscribed = s.putArray("topics");
    topics.keySet().forEach(t -> {
      ObjectNode topic = subscribed.addObject().put("topic", t);
      mesh.getOrDefault(t, List.of()).forEach(topic.putArray("mesh")::add);
      topic.putArray("fanout");
      if (topicMessages.containsKey(t)) {
        topic.put("messages", topicMessages.get(t));
      }
      if (topicDuplicates.containsKey(t)) {
        topic.put("duplicates", topicDuplicates.get(t));
      }
    });
    s.set("params", params.deepCopy());
    s.putObject("traffic").put("published", published).put("delivered", delivered).put("duplicates", duplicates)
        .put("latencyP50Ms", p50).put("latencyP99Ms", p99);
    if (probes) {
      ObjectNode p = s.putObject("probes").put("enabled", true).put("publishers", 2);
      p.put("expected", probeExpected);
      p.put("received", probeReceived);
      if (probeExpected != null && probeReceived != null && probeExpected > 0) {
        p.put("deliveryRatio", (double) probeReceived / probeExpected);
      } else {
        p.putNull("deliveryRatio");
      }
      p.put("latencyP50Ms", probeP50);
      p.put("latencyP99Ms", probeP99);
    }
    return s.toString();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
