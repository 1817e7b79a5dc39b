package io.topicmesh.node.daemon.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.admin.ApiException;
import io.topicmesh.node.daemon.admin.UiHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of {@code local}, on loopback only and without a token (everything it shows runs
 * on this machine's loopback): the mesh view at {@code /ui/}, fed by {@code GET /v1/cluster}, every
 * node's {@code /v1/status} object in one answer.
 *
 * <pre>
 * GET /ui/          the mesh view (the same page a node serves), in cluster mode
 * GET /v1/cluster   {"cluster": "local", "nodes": [{"index", "address", "status": {…GET /v1/status…}}]}
 * </pre>
 */
final class ClusterViewServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterViewServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Server threads; a page polls once every few seconds. */
  static final int THREADS = 2;
  /** Requests waiting for a thread; beyond it they are dropped (the connection closes). */
  static final int MAX_PENDING_REQUESTS = 64;

  private final List<Daemon> cluster;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final UiHandler ui = new UiHandler();

  ClusterViewServer(List<Daemon> cluster, InetSocketAddress bind) throws IOException {
    if (bind.getAddress() == null || !bind.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException("--admin-listen: " + bind + " is not a loopback address;"
          + " local's view has no token and binds to loopback only (e.g. 127.0.0.1:0)");
    }
    this.cluster = List.copyOf(cluster);
    this.server = HttpServer.create(bind, 16);
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(MAX_PENDING_REQUESTS), r -> {
          Thread t = new Thread(r, "topicmesh-local-view");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    server.setExecutor(executor);
    server.createContext("/", this::handle);
  }

  void start() {
    server.start();
    log.info("local cluster view listening on http://{}:{}/ui/", address().getHostString(), address().getPort());
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getRawPath();
      if (UiHandler.handles(path)) {
        ui.serve(ex, method, path);
      } else if (path.equals("/")) {
        ex.getResponseHeaders().set("Location", "/ui/");
        ex.sendResponseHeaders(308, -1);
      } else if (path.equals("/v1/cluster")) {
        if (!method.equals("GET")) {
          throw new ApiException(405, "method_not_allowed", method + " not allowed; use GET");
        }
        send(ex, 200, clusterJson());
      } else {
        throw new ApiException(404, "not_found", "no such endpoint: " + path + " (the mesh view is at /ui/)");
      }
    } catch (ApiException e) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("code", e.code());
      body.put("message", e.getMessage());
      try {
        send(ex, e.status(), body);
      } catch (IOException io) {
        log.debug("local view client went away: {}", io.toString());
      }
    } catch (IOException e) {
      log.debug("local view client went away: {}", e.toString());
    } catch (RuntimeException e) {
      log.warn("local view {} failed: {}", ex.getRequestURI().getRawPath(), e.toString());
    } finally {
      ex.close();
    }
  }

  /** The {@code GET /v1/cluster} object. */
  Map<String, Object> clusterJson() {
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("index", i);
      n.put("address", LocalCommand.ip(i));
      n.put("status", cluster.get(i).status());
      nodes.add(n);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cluster", "local");
    out.put("nodes", nodes);
    return out;
  }

  private static void send(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
