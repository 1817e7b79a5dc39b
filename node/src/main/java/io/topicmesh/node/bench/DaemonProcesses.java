package io.topicmesh.node.bench;

import io.topicmesh.node.daemon.LoadPayload;
import io.topicmesh.node.identity.KeyFile;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Our nodes as a pod runs them: each one the real daemon ({@code java <flags> -jar
 * topicmesh-node.jar run …}) in its own JVM on 127.0.4.(i+1), listening on :4001 with its admin API
 * on :9090. Publishing goes through the admin API ({@code POST /v1/topics/{t}/publish}, and {@code
 * publish-batch} at saturation); deliveries and duplicates are the receivers' {@code /v1/status}
 * traffic counters; latencies are taken from each receiver's {@code GET /v1/topics/{t}/messages}
 * stream during the fixed-rate phase only (the bench stamps and receives on its own clock).
 */
final class DaemonProcesses implements AutoCloseable {
  static final String HOST_PREFIX = "127.0.4.";
  static final int P2P_PORT = 4001;
  static final int ADMIN_PORT = 9090;
  /** Messages per publish-batch request at saturation. */
  static final int BATCH = 32;
  private static final Pattern TRAFFIC = Pattern.compile("\"traffic\":\\{[^}]*\\}");
  private static final Pattern DELIVERED = Pattern.compile("\"delivered\":(\\d+)");
  private static final Pattern DUPLICATES = Pattern.compile("\"duplicates\":(\\d+)");
  private static final Pattern BASE64 = Pattern.compile("\"base64\":\"([^\"]*)\"");
  private static final Pattern LOCAL = Pattern.compile("\"local\":true");

  final List<Process> processes = new ArrayList<>();
  final List<Long> pids = new ArrayList<>();
  /** Per node: ms from spawn to the admin API's first answer. */
  final long[] startupMs;
  private final int nodes;
  private final String topic;
  private final Path dir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** Starts the daemons (all at once) and waits until each one's admin API answers. */
  DaemonProcesses(String java, List<String> jvmFlags, String jar, int nodes, int links, String topic) throws Exception {
    this.nodes = nodes;
    this.topic = topic;
    this.startupMs = new long[nodes];
    if (!Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException("missing " + jar + ": mvn -pl node -am -DskipTests package");
    }
    dir = Files.createTempDirectory("pubsub-bench-daemons");
    PeerId[] ids = new PeerId[nodes];
    for (int i = 0; i < nodes; i++) {
      PrivKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom());
      KeyFile.save(dir.resolve("key-" + i), key);
      ids[i] = PeerId.fromPublicKey(key.publicKey());
    }
    // the daemons go with the bench, also when it is interrupted (Ctrl-C) or fails while starting them
    Runtime.getRuntime().addShutdownHook(new Thread(() -> processes.forEach(Process::destroyForcibly), "daemons-stop"));
    long[] spawned = new long[nodes];
    for (int i = 0; i < nodes; i++) {
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.addAll(jvmFlags);
      cmd.addAll(List.of("-jar", jar, "run", "--listen", "/ip4/" + host(i) + "/tcp/" + P2P_PORT,
          "--admin-listen", host(i) + ":" + ADMIN_PORT, "--topic", topic, "--key-file", dir.resolve("key-" + i).toString(),
          "--no-probes"));
      // the same ring as the go side: node i dials the lower-numbered nodes within `links` of it
      for (int j = 0; j < i; j++) {
        int dist = i - j;
        if (dist <= links || nodes - dist <= links) {
          cmd.addAll(List.of("--peer", "/ip4/" + host(j) + "/tcp/" + P2P_PORT + "/p2p/" + ids[j]));
        }
      }
      Path log = dir.resolve("node-" + i + ".log");
      spawned[i] = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      p.getOutputStream().close();
      processes.add(p);
      pids.add(p.pid());
    }
    try {
      awaitAdminApis(spawned);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  private void awaitAdminApis(long[] spawned) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    for (int i = 0; i < nodes; i++) {
      while (true) {
        Process p = processes.get(i);
        if (!p.isAlive()) {
          throw new IllegalStateException("node " + i + " exited with " + p.exitValue() + ": see "
              + dir.resolve("node-" + i + ".log") + "\n" + tail(dir.resolve("node-" + i + ".log")));
        }
        if (get(i, "/healthz", 200) != null) {
          startupMs[i] = (System.nanoTime() - spawned[i]) / 1_000_000;
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("node " + i + ": admin API not up within 180 s; log " + dir.resolve("node-" + i + ".log"));
        }
        Thread.sleep(10);
      }
    }
  }

  static String host(int i) {
    if (i >= 254) {
      throw new IllegalArgumentException("at most 254 nodes");
    }
    return HOST_PREFIX + (i + 1);
  }

  private static String tail(Path log) {
    try {
      List<String> l = Files.readAllLines(log);
      return String.join("\n", l.subList(Math.max(0, l.size() - 20), l.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private URI uri(int i, String path) {
    return URI.create("http://" + host(i) + ":" + ADMIN_PORT + path);
  }

  /** The body of a GET, or null on a connection error or another status. */
  String get(int i, String path, int status) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(i, path)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == status ? r.body() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  boolean allReady() {
    for (int i = 0; i < nodes; i++) {
      if (get(i, "/readyz", 200) == null) {
        return false;
      }
    }
    return true;
  }

  /** Sums of the receivers' traffic counters since start: {delivered, duplicates}. */
  long[] trafficTotals() {
    long d = 0;
    long dup = 0;
    for (int i = 0; i < nodes; i++) {
      String s = get(i, "/v1/status", 200);
      if (s == null) {
        throw new IllegalStateException("node " + i + ": GET /v1/status failed");
      }
      long[] t = parseTraffic(s);
      d += t[0];
      dup += t[1];
    }
    return new long[] {d, dup};
  }

  /** {delivered, duplicates} of a /v1/status body's "traffic" object. */
  static long[] parseTraffic(String status) {
    Matcher t = TRAFFIC.matcher(status);
    if (!t.find()) {
      throw new IllegalArgumentException("no traffic object in status");
    }
    Matcher d = DELIVERED.matcher(t.group());
    Matcher u = DUPLICATES.matcher(t.group());
    if (!d.find() || !u.find()) {
      throw new IllegalArgumentException("traffic without delivered/duplicates: " + t.group());
    }
    return new long[] {Long.parseLong(d.group(1)), Long.parseLong(u.group(1))};
  }

  /**
   * Publish latency in µs of one server-sent-events line, measured now; -1 when the line is not a
   * message from another node carrying a load payload.
   */
  static long latencyUs(String sseLine, long nowEpochNanos) {
    if (!sseLine.startsWith("data:") || LOCAL.matcher(sseLine).find()) {
      return -1;
    }
    Matcher m = BASE64.matcher(sseLine);
    if (!m.find()) {
      return -1;
    }
    long at = LoadPayload.publishedAt(Base64.getDecoder().decode(m.group(1)));
    return at < 0 ? -1 : Math.max(0, nowEpochNanos - at) / 1000;
  }

  /** Subscribes to every node's message stream; {@link Streams#close} ends them and returns the latencies. */
  Streams openStreams() throws Exception {
    return new Streams();
  }

  final class Streams implements AutoCloseable {
    private final List<InputStream> bodies = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private final long[][] lat = new long[nodes][];
    private final int[] count = new int[nodes];

    Streams() throws Exception {
      for (int i = 0; i < nodes; i++) {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(uri(i, "/v1/topics/" + topic + "/messages")).GET().build(),
            HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("node " + i + ": message stream answered " + r.statusCode());
        }
        bodies.add(r.body());
        lat[i] = new long[1024];
        int n = i;
        Thread t = new Thread(() -> read(n, r.body()), "sse-" + i);
        t.setDaemon(true);
        t.start();
        readers.add(t);
      }
    }

    private void read(int n, InputStream body) {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        for (String l = in.readLine(); l != null; l = in.readLine()) {
          long us = latencyUs(l, LoadPayload.nowEpochNanos());
          if (us >= 0) {
            synchronized (this) {
              if (count[n] == lat[n].length) {
                lat[n] = Arrays.copyOf(lat[n], lat[n].length * 2);
              }
              lat[n][count[n]++] = us;
            }
          }
        }
      } catch (IOException e) {
        // closed
      }
    }

    /** Closes the streams; the latencies seen (µs). */
    long[] latencies() {
      close();
      synchronized (this) {
        int total = Arrays.stream(count).sum();
        long[] out = new long[total];
        int o = 0;
        for (int i = 0; i < nodes; i++) {
          System.arraycopy(lat[i], 0, out, o, count[i]);
          o += count[i];
        }
        return out;
      }
    }

    @Override
    public void close() {
      for (InputStream b : bodies) {
        try {
          b.close();
        } catch (IOException ignored) {
          // already closed
        }
      }
    }
  }

  /** Publishes from nodes 0..publishers-1 through their admin API; rate 0 = back to back in batches. */
  double publish(int publishers, int perSecond, int seconds, int size) throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    long start = System.nanoTime();
    long end = start + TimeUnit.SECONDS.toNanos(seconds);
    for (int p = 0; p < publishers; p++) {
      int node = p;
      Thread t = new Thread(() -> {
        try {
          long sent = 0;
          while (true) {
            long now = System.nanoTime();
            if (now >= end) {
              return;
            }
            if (perSecond > 0) {
              long due = start + sent * 1_000_000_000L / perSecond;
              if (due > now) {
                LockSupport.parkNanos(due - now);
                continue;
              }
              post(node, "/v1/topics/" + topic + "/publish", HttpRequest.BodyPublishers.ofByteArray(LoadPayload.create(size)),
                  "application/octet-stream");
              sent++;
            } else {
              StringBuilder b = new StringBuilder("{\"messages\":[");
              for (int k = 0; k < BATCH; k++) {
                b.append(k == 0 ? "" : ",").append("{\"base64\":\"")
                    .append(Base64.getEncoder().encodeToString(LoadPayload.create(size))).append("\"}");
              }
              b.append("]}");
              post(node, "/v1/topics/" + topic + "/publish-batch", HttpRequest.BodyPublishers.ofString(b.toString()),
                  "application/json");
              sent += BATCH;
            }
          }
        } catch (Exception e) {
          failures.add(e);
        }
      }, "daemon-publisher-" + p);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException("publishing failed: " + failures.get(0), failures.get(0));
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private void post(int node, String path, HttpRequest.BodyPublisher body, String type) throws Exception {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(node, path)).timeout(Duration.ofSeconds(30))
          .header("Content-Type", type).POST(body).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200 || r.statusCode() == 201) {
        return;
      }
      if (r.statusCode() == 503 && attempt < 1000) {
        LockSupport.parkNanos(1_000_000); // busy: the router's queue is full, retry as a client would
        continue;
      }
      throw new IllegalStateException("POST " + path + " on node " + node + ": " + r.statusCode() + " " + r.body());
    }
  }

  @Override
  public void close() {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(25, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
      }
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        if (f.getFileName().toString().startsWith("key-")) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException ignored) {
      // left in the temp directory
    }
  }
}
