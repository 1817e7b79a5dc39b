package io.topicmesh.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TopicCluster's node admin APIs, reached as a user outside the cluster reaches them: pod
 * port-forwards (through the API server and the kubelet) for the token-protected {@code /v1} calls,
 * the API server's pod proxy for {@code /metrics}. The bearer token is read from the
 * {@code <cluster>-admin-token} Secret.
 */
final class NodeApi implements AutoCloseable {
  static final int ADMIN_PORT = 9090;
  private final KubernetesClient client;
  private final String ns;
  private final String cluster;
  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, Forward> forwards = new ConcurrentHashMap<>();
  private volatile String token;

  private record Forward(String uid, LocalPortForward pf) {}

  /** A non-2xx answer, with its code and body. */
  static final class CallFailed extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    CallFailed(String what, int status, String body) {
      super(what + " -> HTTP " + status + ": " + body);
      this.status = status;
    }
  }

  NodeApi(KubernetesClient client, String ns, String cluster) {
    this.client = client;
    this.ns = ns;
    this.cluster = cluster;
  }

  private String token() {
    if (token == null) {
      Secret s = client.secrets().inNamespace(ns).withName(cluster + "-admin-token").get();
      if (s == null || s.getData() == null || !s.getData().containsKey("token")) {
        throw new IllegalStateException("Secret " + ns + "/" + cluster + "-admin-token has no key 'token'");
      }
      token = new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8).trim();
    }
    return token;
  }

  private synchronized int localPort(String pod) {
    Pod p = client.pods().inNamespace(ns).withName(pod).get();
    if (p == null) {
      throw new IllegalStateException("pod " + ns + "/" + pod + " does not exist");
    }
    String uid = p.getMetadata().getUid();
    Forward f = forwards.get(pod);
    if (f != null && (!f.uid.equals(uid) || !f.pf.isAlive())) {
      closeQuietly(f.pf);
      forwards.remove(pod);
      f = null;
    }
    if (f == null) {
      f = new Forward(uid, client.pods().inNamespace(ns).withName(pod).portForward(ADMIN_PORT));
      forwards.put(pod, f);
    }
    return f.pf.getLocalPort();
  }

  private synchronized void drop(String pod) {
    Forward f = forwards.remove(pod);
    if (f != null) {
      closeQuietly(f.pf);
    }
  }

  private static void closeQuietly(LocalPortForward pf) {
    try {
      pf.close();
    } catch (IOException | RuntimeException ignored) {
      // the forward is gone either way
    }
  }

  HttpRequest.Builder request(String pod, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort(pod) + path))
        .timeout(Duration.ofSeconds(15))
        .header("Authorization", "Bearer " + token());
  }

  /** One call; a broken forward is replaced and the call tried once more. */
  String call(String pod, String what, java.util.function.Function<HttpRequest.Builder, HttpRequest> build)
      throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 2; attempt++) {
      HttpResponse<String> r;
      try {
        r = http.send(build.apply(request(pod, what)), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        last = e;
        drop(pod);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (r.statusCode() / 100 != 2) {
        throw new CallFailed(pod + " " + what, r.statusCode(), r.body());
      }
      return r.body();
    }
    throw new IOException(pod + " " + what + ": " + last, last);
  }

  JsonNode getJson(String pod, String path) throws IOException {
    return Tc.JSON.readTree(call(pod, path, b -> b.GET().build()));
  }

  JsonNode putJson(String pod, String path, String body) throws IOException {
    String r = call(pod, path, b -> b.header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    return r.isBlank() ? Tc.JSON.createObjectNode() : Tc.JSON.readTree(r);
  }

  JsonNode status(String pod) throws IOException {
    return getJson(pod, "/v1/status");
  }

  JsonNode params(String pod) throws IOException {
    return getJson(pod, "/v1/params");
  }

  /** Publishes a UTF-8 text message; returns the node's answer ({@code id}, {@code peers}, {@code bytes}). */
  JsonNode publish(String pod, String topic, String text) throws IOException {
    String r = call(pod, "/v1/topics/" + encode(topic) + "/publish", b -> b.header("Content-Type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(text)).build());
    return Tc.JSON.readTree(r);
  }

  /** The SSE stream of a topic's messages ({@code GET /v1/topics/{t}/messages}) as an input stream. */
  InputStream messages(String pod, String topic) throws IOException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + localPort(pod) + "/v1/topics/"
            + encode(topic) + "/messages"))
        .header("Authorization", "Bearer " + token()).header("Accept", "text/event-stream").GET().build();
    try {
      HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() != 200) {
        String body = new String(r.body().readNBytes(2000), StandardCharsets.UTF_8);
        r.body().close();
        throw new CallFailed(pod + " messages " + topic, r.statusCode(), body);
      }
      return r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** {@code /metrics} through the API server's pod proxy (no token needed). */
  String metricsText(String pod) {
    return client.raw("/api/v1/namespaces/" + ns + "/pods/" + pod + ":" + ADMIN_PORT + "/proxy/metrics");
  }

  /**
   * Sum of the samples of {@code name} whose labels include {@code labels}; 0 when there is none
   * (a counter that has not counted yet is not exported).
   */
  static double metric(String text, String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(name)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String metricName = brace >= 0 ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
      if (!metricName.equals(name)) {
        continue;
      }
      Map<String, String> have = new HashMap<>();
      if (brace >= 0) {
        String body = line.substring(brace + 1, line.lastIndexOf('}'));
        for (String kv : body.split(",(?=[a-zA-Z_][a-zA-Z0-9_]*=\")")) {
          int eq = kv.indexOf('=');
          if (eq > 0) {
            have.put(kv.substring(0, eq).trim(), kv.substring(eq + 2, kv.length() - 1));
          }
        }
        space = line.indexOf(' ', line.lastIndexOf('}'));
      }
      boolean match = labels.entrySet().stream().allMatch(e -> e.getValue().equals(have.get(e.getKey())));
      if (match) {
        String v = line.substring(space + 1).trim().split(" ")[0];
        sum += Double.parseDouble(v);
      }
    }
    return sum;
  }

  static String encode(String topic) {
    return topic.replace("%", "%25").replace("/", "%2F");
  }

  @Override
  public void close() {
    forwards.values().forEach(f -> closeQuietly(f.pf));
    forwards.clear();
  }
}
