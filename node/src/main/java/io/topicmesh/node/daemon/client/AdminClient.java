package io.topicmesh.node.daemon.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import picocli.CommandLine.Option;

/** Options shared by the admin clients, and the HTTP calls they make. */
public final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--admin", description = "Admin API base URL (default: $TOPICMESH_ADMIN_URL or http://127.0.0.1:9090).")
  String admin;

  @Option(names = "--token-file", description = "Bearer token file (default: $TOPICMESH_ADMIN_TOKEN_FILE).")
  Path tokenFile;

  private HttpClient http;

  /** A failed call: the HTTP status (0 when unreachable) and the server's message. */
  static final class CallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallException(String message) {
      super(message);
    }
  }

  URI uri(String path) {
    String base = admin != null ? admin : System.getenv().getOrDefault("TOPICMESH_ADMIN_URL", "http://127.0.0.1:9090");
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    try {
      return URI.create(base + path);
    } catch (IllegalArgumentException e) {
      throw new CallException("--admin: not a URL: " + base);
    }
  }

  static String topicPath(String topic) {
    return "/v1/topics/" + URLEncoder.encode(topic, StandardCharsets.UTF_8).replace("+", "%20");
  }

  HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    String token = token();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private String token() {
    Path f = tokenFile;
    if (f == null && System.getenv("TOPICMESH_ADMIN_TOKEN_FILE") != null) {
      f = Path.of(System.getenv("TOPICMESH_ADMIN_TOKEN_FILE"));
    }
    if (f == null) {
      return null;
    }
    try {
      return Files.readString(f).trim();
    } catch (IOException e) {
      throw new CallException("--token-file: cannot read " + f + ": " + e.getMessage());
    }
  }

  private HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }
    return http;
  }

  /** Sends and returns the JSON body; a non-2xx status becomes a {@link CallException}. */
  JsonNode call(HttpRequest req) {
    HttpResponse<byte[]> r;
    try {
      r = http().send(req, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new CallException("cannot reach " + req.uri() + ": " + reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CallException("interrupted");
    }
    JsonNode body = null;
    if (r.body().length > 0) {
      try {
        body = JSON.readTree(r.body());
      } catch (IOException e) {
        throw new CallException("HTTP " + r.statusCode() + ": response is not JSON");
      }
    }
    if (r.statusCode() / 100 != 2) {
      String msg = body != null && body.has("message") ? body.get("code").asText() + ": " + body.get("message").asText()
          : "HTTP " + r.statusCode();
      throw new CallException(msg);
    }
    return body;
  }

  /**
   * Reads server-sent events from {@code path}, handing each {@code data:} line of a {@code
   * message} event to {@code onMessage} until it returns false or the stream ends.
   */
  void events(String path, Predicate<JsonNode> onMessage) {
    HttpRequest req = request(path).timeout(Duration.ofDays(365)).header("Accept", "text/event-stream").GET().build();
    HttpResponse<InputStream> r;
    try {
      r = http().send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new CallException("cannot reach " + req.uri() + ": " + reason(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CallException("interrupted");
    }
    try (InputStream in = r.body();
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      if (r.statusCode() != 200) {
        String text = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        JsonNode body = text.isBlank() ? null : JSON.readTree(text);
        throw new CallException(body != null && body.has("message") ? body.get("code").asText() + ": "
            + body.get("message").asText() : "HTTP " + r.statusCode());
      }
      String event = null;
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ") && "message".equals(event)) {
          if (!onMessage.test(JSON.readTree(line.substring(6)))) {
            return;
          }
        } else if (line.isEmpty()) {
          event = null;
        }
      }
    } catch (IOException e) {
      throw new CallException("stream from " + req.uri() + " failed: " + e.getMessage());
    }
  }

  /** The JDK client's ConnectException has no message: name the exception (and its cause) instead of "null". */
  static String reason(Throwable e) {
    String msg = e.getMessage() != null ? e.getClass().getSimpleName() + ": " + e.getMessage() : e.getClass().getSimpleName();
    Throwable c = e.getCause();
    if (c != null && c != e) {
      msg += " (" + c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage()) + ")";
    }
    return msg;
  }
}
