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
  private volatile boolean failing;
  private volatile boolean refusingParams;
  private final Map<String, List<String>> mesh = new LinkedHashMap<>();
  private ObjectNode params;
  private long published;
  private long delivered;
  private long duplicates;
  private double p50;
  private double p99;
  public final AtomicInteger puts = new AtomicInteger();
  public final AtomicInteger statusCalls = new AtomicInteger();

  public FakeNode(String token, String peerId) throws IOException {
    this.token = token;
    this.peerId = peerId;
    this.params = JSON.createObjectNode().put("d", 6).put("dlo", 5).put("dhi", 12).put("dlazy", 6)
        .put("dout", 2).put("dscore", 4).put("heartbeatIntervalMs", 1000).put("floodPublish", true);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext("/", this::handle);
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  public synchronized FakeNode mesh(String topic, String... peers) {
    mesh.put(topic, List.of(peers));
    return this;
  }

  public synchronized FakeNode traffic(long published, long delivered, long duplicates, double p50, double p99) {
    this.published = published;
    this.delivered = delivered;
    this.duplicates = duplicates;
    this.p50 = p50;
    this.p99 = p99;
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
        default -> send(ex, 404, "{\"code\":\"NOT_FOUND\",\"message\":\"" + path + "\"}");
      }
    }
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
    s.put("peerId", peerId).put("version", "fake").put("uptimeSeconds", 10).put("ready", ready);
    s.putArray("addrs").add("/ip4/127.0.0.1/tcp/4001");
    ArrayNode peers = s.putArray("peers");
    List<String> all = new ArrayList<>();
    mesh.values().forEach(all::addAll);
    all.stream().distinct().forEach(p -> peers.addObject().put("peerId", p).put("protocol", "/meshsub/1.2.0").put("score", 0.0));
    ArrayNode topics = s.putArray("topics");
    mesh.forEach((t, m) -> {
      ObjectNode topic = topics.addObject().put("topic", t);
      m.forEach(topic.putArray("mesh")::add);
      topic.putArray("fanout");
    });
    s.set("params", params.deepCopy());
    s.putObject("traffic").put("published", published).put("delivered", delivered).put("duplicates", duplicates)
        .put("latencyP50Ms", p50).put("latencyP99Ms", p99);
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
