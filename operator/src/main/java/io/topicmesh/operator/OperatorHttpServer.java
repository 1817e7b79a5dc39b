package io.topicmesh.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** The operator's own endpoints: {@code /healthz} (alive), {@code /readyz} (informers healthy), {@code /metrics}. */
public final class OperatorHttpServer implements AutoCloseable {
  private final HttpServer server;

  public OperatorHttpServer(InetSocketAddress address, PrometheusMeterRegistry registry, BooleanSupplier alive,
      BooleanSupplier ready) throws IOException {
    server = HttpServer.create(address, 16);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "operator-http");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/healthz", ex -> send(ex, alive.getAsBoolean() ? 200 : 503, "text/plain", "ok\n"));
    server.createContext("/readyz", ex -> send(ex, ready.getAsBoolean() ? 200 : 503, "text/plain",
        ready.getAsBoolean() ? "ready\n" : "not ready\n"));
    server.createContext("/metrics", ex -> send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    try (ex) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, bytes.length);
      ex.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(1);
  }
}
