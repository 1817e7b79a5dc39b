package io.topicmesh.node.daemon.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mesh view: one static page (HTML, JavaScript drawing SVG, CSS) under {@code /ui/}, packaged in
 * the node jar. It holds no data and needs no token: the page's script reads {@code /v1/status}
 * (a node) or {@code /v1/cluster} (the {@code local} command) with the token the user gives it
 * (URL fragment {@code #token=…} or a prompt, kept in the tab's sessionStorage). No external
 * resource is loaded; the Content-Security-Policy allows only this origin.
 */
public final class UiHandler {
  private static final Logger log = LoggerFactory.getLogger(UiHandler.class);

  /** Where the page's files are in the jar. */
  static final String RESOURCES = "/io/topicmesh/node/ui/";

  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
      + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private record Asset(String type, byte[] body) {}

  private final Map<String, Asset> assets = new LinkedHashMap<>();

  public UiHandler() {
    load("index.html", "text/html; charset=utf-8");
    load("meshview.js", "text/javascript; charset=utf-8");
    load("meshview.css", "text/css; charset=utf-8");
  }

  private void load(String name, String type) {
    try (InputStream in = UiHandler.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        log.warn("mesh view resource {} is missing from the jar; /ui/ will answer 404 for it", RESOURCES + name);
        return;
      }
      assets.put(name, new Asset(type, in.readAllBytes()));
    } catch (IOException e) {
      log.warn("mesh view resource {} cannot be read: {}", RESOURCES + name, e.toString());
    }
  }

  /** Whether {@code rawPath} belongs to the mesh view. */
  public static boolean handles(String rawPath) {
    return rawPath.equals("/ui") || rawPath.startsWith("/ui/");
  }

  /** One answer of the mesh view, independent of the HTTP server that sends it. */
  public record Reply(int status, Map<String, String> headers, byte[] body) {}

  /**
   * The answer to one request for the page: a file, or a redirect of {@code /ui} to {@code /ui/}.
   * For HEAD the body is the file's (the server sends only its length).
   *
   * @throws ApiException 404 for an unknown file, 405 for a method other than GET or HEAD
   */
  public Reply reply(String method, String rawPath) {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw new ApiException(405, "method_not_allowed", method + " not allowed; use GET");
    }
    if (rawPath.equals("/ui")) {
      return new Reply(308, Map.of("Location", "/ui/"), null);
    }
    String name = rawPath.substring("/ui/".length());
    if (name.isEmpty()) {
      name = "index.html";
    }
    Asset a = assets.get(name);
    if (a == null) {
      throw new ApiException(404, "not_found", "no such file in the mesh view: " + rawPath
          + (assets.isEmpty() ? " (the page is not packaged in this jar)" : ""));
    }
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", a.type());
    h.put("Cache-Control", "no-cache");
    h.put("X-Content-Type-Options", "nosniff");
    h.put("Referrer-Policy", "no-referrer");
    h.put("Content-Security-Policy", CSP);
    return new Reply(200, h, a.body());
  }

  /**
   * Serves one file of the page on the JDK HTTP server (the {@code local} command's cluster view),
   * or redirects {@code /ui} to {@code /ui/}.
   *
   * @throws ApiException 404 for an unknown file, 405 for a method other than GET or HEAD
   */
  public void serve(HttpExchange ex, String method, String rawPath) throws IOException {
    Reply r = reply(method, rawPath);
    r.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
    if (r.body() == null || method.equals("HEAD")) {
      ex.sendResponseHeaders(r.status(), -1);
      return;
    }
    ex.sendResponseHeaders(r.status(), r.body().length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(r.body());
    }
  }
}
