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
import java.util.Map;
import java.util.function.Predicate;
import io.topicmesh.node.daemon.admin.AdminScope;
import io.topicmesh.node.daemon.config.ConfigLoader;
import picocli.CommandLine.Option;

/** Options shared by the admin clients, and the HTTP calls they make. */
public final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--admin", description = "Admin API base URL (default: $TOPICMESH_ADMIN_URL or http://127.0.0.1:9090).")
  String admin;

  @Option(names = "--token-file", description = "Bearer token file (default: the command's scope's"
      + " $TOPICMESH_ADMIN_{PUBLISH,SUBSCRIBE,STATUS}_TOKEN_FILE, else $TOPICMESH_ADMIN_TOKEN_FILE).")
  Path tokenFile;

  @Option(names = "--ca-file", description = "PEM CA certificate(s) to trust for an https:// admin URL (default:"
      + " $TOPICMESH_ADMIN_CA_FILE, else the JVM's trusted CAs).")
  Path caFile;

  private HttpClient http;

  /** A failed call (exit status 1), or a bad client option found on the way (exit status 2). */
  static final class CallException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;
    /** The HTTP status of a failed call, 0 when there was no answer. */
    final int httpStatus;

    CallException(String message) {
      this(message, 1);
    }

    CallException(String message, int exitCode) {
      this(message, exitCode, 0);
    }

    CallException(String message, int exitCode, int httpStatus) {
      super(message);
      this.exitCode = exitCode;
      this.httpStatus = httpStatus;
    }
  }

  /** What a valid {@code --admin} looks like, for error messages. */
  static final String ADMIN_URL_FORM = "http://HOST:PORT or https://HOST:PORT, e.g. http://127.0.0.1:9090";

  URI uri(String path) {
    String base = admin != null ? admin : System.getenv().getOrDefault("TOPICMESH_ADMIN_URL", "http://127.0.0.1:9090");
    String from = admin != null ? "--admin" : System.getenv("TOPICMESH_ADMIN_URL") != null ? "TOPICMESH_ADMIN_URL" : "--admin";
    base = base.trim();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI b;
    try {
      b = new URI(base);
    } catch (java.net.URISyntaxException e) {
      throw new CallException(from + " " + base + ": not a URL (" + e.getReason() + "); expected " + ADMIN_URL_FORM, 2);
    }
    String scheme = b.getScheme() == null ? "" : b.getScheme().toLowerCase(java.util.Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new CallException(from + " " + base + ": "
          + (scheme.isEmpty() ? "no scheme" : "scheme " + b.getScheme() + " is not http or https")
          + "; expected " + ADMIN_URL_FORM, 2);
    }
    if (b.getHost() == null || b.getHost().isEmpty()) {
      throw new CallException(from + " " + base + ": no host; expected " + ADMIN_URL_FORM, 2);
    }
    if (b.getRawQuery() != null || b.getRawFragment() != null) {
      throw new CallException(from + " " + base + ": a query or fragment is not allowed; expected " + ADMIN_URL_FORM, 2);
    }
    return URI.create(base + path);
  }

  static String topicPath(String topic) {
    return "/v1/topics/" + URLEncoder.encode(topic, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A request to {@code path} carrying the token for {@code scope} (see {@link #tokenFile(AdminScope, Map)}). */
  HttpRequest.Builder request(String path, AdminScope scope) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
    String token = token(scope);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /**
   * The token file for a call that needs {@code scope}: {@code --token-file}, else the scope's own
   * variable (the node's, e.g. {@code TOPICMESH_ADMIN_PUBLISH_TOKEN_FILE}), else the admin token's
   * {@code TOPICMESH_ADMIN_TOKEN_FILE}; null for none.
   */
  Path tokenFile(AdminScope scope, Map<String, String> env) {
    if (tokenFile != null) {
      return tokenFile;
    }
    String own = env.get(ConfigLoader.envName(scope.configKey()));
    if (own != null && !own.isBlank()) {
      return Path.of(own);
    }
    String admin = env.get(ConfigLoader.envName(AdminScope.ADMIN.configKey()));
    return admin == null || admin.isBlank() ? null : Path.of(admin);
  }

  private String token(AdminScope scope) {
    Path f = tokenFile(scope, System.getenv());
    if (f == null) {
      return null;
    }
    try {
      return Files.readString(f).trim();
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CallException("--token-file " + f + ": no such file", 2);
    } catch (IOException e) {
      throw new CallException("--token-file " + f + ": cannot read (" + reason(e) + ")", 2);
    }
  }

  private HttpClient http() {
    if (http == null) {
      HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
      Path ca = caFile != null ? caFile
          : System.getenv("TOPICMESH_ADMIN_CA_FILE") == null ? null : Path.of(System.getenv("TOPICMESH_ADMIN_CA_FILE"));
      if (ca != null) {
        b.sslContext(trusting(ca));
      }
      http = b.build();
    }
    return http;
  }

  /** An SSL context trusting only the CA certificates in {@code caFile}. */
  static javax.net.ssl.SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      java.security.KeyStore ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificates(in)) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new CallException("--ca-file " + caFile + ": no PEM certificate in it", 2);
      }
      javax.net.ssl.TrustManagerFactory tmf =
          javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException e) {
      throw new CallException("--ca-file " + caFile + ": cannot read (" + reason(e) + ")", 2);
    } catch (java.security.GeneralSecurityException e) {
      throw new CallException("--ca-file " + caFile + ": not PEM certificates (" + e.getMessage() + ")", 2);
    }
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
        throw new CallException(status(r.statusCode()) + " from " + req.uri() + ": response is not JSON");
      }
    }
    if (r.statusCode() / 100 != 2) {
      throw new CallException(failure(req, r.statusCode(), body), 1, r.statusCode());
    }
    return body;
  }

  /**
   * Reads server-sent events from {@code path}, handing each {@code data:} line of a {@code
   * message} event to {@code onMessage} until it returns false or the stream ends.
   */
  void events(String path, Predicate<JsonNode> onMessage) {
    HttpRequest req = request(path, AdminScope.SUBSCRIBE).timeout(Duration.ofDays(365)).header("Accept", "text/event-stream").GET().build();
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
        throw new CallException(failure(req, r.statusCode(), body));
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

  /**
   * An error reply in one line: the status with its reason phrase (the JDK's HTTP server sends
   * none for some codes, 429 among them, so the client supplies it), the request, and the
   * server's {@code code: message}.
   */
  static String failure(HttpRequest req, int status, JsonNode body) {
    String msg = status(status) + " from " + req.method() + " " + req.uri();
    if (body != null && body.hasNonNull("message")) {
      msg += ": " + (body.hasNonNull("code") ? body.get("code").asText() + ": " : "") + body.get("message").asText();
    }
    return msg;
  }

  /** {@code HTTP 429 Too Many Requests}. */
  static String status(int code) {
    return "HTTP " + io.topicmesh.node.daemon.admin.HttpStatus.line(code);
  }

  /**
   * The cause of a failed connection in words: the JDK client's ConnectException has no message of
   * its own, so the first message down the cause chain is used ("Connection refused"), else the
   * exception's name. Never "null".
   */
  static String reason(Throwable e) {
    Throwable t = e;
    for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
      if (t instanceof java.net.http.HttpConnectTimeoutException || t instanceof java.net.http.HttpTimeoutException) {
        return "timed out (" + t.getMessage() + ")";
      }
      if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
        return "unknown host" + (t.getMessage() == null ? "" : " " + t.getMessage());
      }
      String m = t.getMessage();
      if (m != null && !m.isBlank() && !m.equals("null")) {
        return t instanceof java.net.ConnectException && m.toLowerCase(java.util.Locale.ROOT).contains("refused")
            ? "connection refused (is a node running with its admin API on this address?)" : m;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    // the JDK client reports a refused connection as a ConnectException without any message
    for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        return "connection refused (is a node running with its admin API on this address?)";
      }
    }
    return e.getClass().getSimpleName();
  }
}
