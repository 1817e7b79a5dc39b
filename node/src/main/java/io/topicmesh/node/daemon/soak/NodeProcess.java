package io.topicmesh.node.daemon.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One node of the soak: a {@code topicmesh-node run} child process with a fixed identity (key file),
 * p2p address and admin address, so that a restart brings back the same node. The soak reads its
 * message stream ({@code GET /v1/topics/{t}/messages}) on a thread of its own and samples its heap
 * ({@code /metrics}), RSS, file descriptors and threads ({@code /proc/<pid>}).
 *
 * <p>A <em>session</em> is one run of the process from the moment it is ready (its stream attached
 * and {@code /readyz} 200) to the moment the soak stops it or sees it gone. {@link Ledger} counts a
 * message as due at this node only within one session.
 */
final class NodeProcess {
  private static final ObjectMapper JSON = new ObjectMapper();

  final int index;
  final String ip;
  final Path config;
  final Path log;
  final URI admin;
  private final List<String> command;
  private final HttpClient http;
  private final String topic;
  private final Ledger ledger;

  private volatile Process process;
  /** The message stream of the current process, or null. */
  private volatile Stream reader;
  /** Set while the soak stops the process on purpose (and after a restart gave up): not a crash. */
  private volatile boolean stopping;

  /** One message stream: a thread reading the events of one process. */
  private static final class Stream {
    final Process process;
    volatile boolean attached;
    Thread thread;

    Stream(Process process) {
      this.process = process;
    }
  }
  /** The current session, counted from 1; 0 before the first. */
  private volatile int session;
  private volatile boolean ready;
  /** End of each session (index = session number), in System.nanoTime; Long.MAX_VALUE while it runs. */
  private final List<Long> sessionEnds = new ArrayList<>(List.of(Long.MIN_VALUE));
  /** Messages node streams reported dropped (the soak reading too slowly), shared by all nodes. */
  private final java.util.concurrent.atomic.AtomicLong streamDrops;
  /** The count the current stream last reported (a stream reports its running total). */
  private long reportedDrops;

  NodeProcess(int index, String ip, Path config, Path log, URI admin, List<String> command, HttpClient http,
      String topic, Ledger ledger, java.util.concurrent.atomic.AtomicLong streamDrops) {
    this.streamDrops = streamDrops;
    this.index = index;
    this.ip = ip;
    this.config = config;
    this.log = log;
    this.admin = admin;
    this.command = command;
    this.http = http;
    this.topic = topic;
    this.ledger = ledger;
  }

  /** Starts the process; the log file is appended to across restarts. */
  synchronized void start() throws IOException {
    Files.writeString(log, String.format(Locale.ROOT, "---- soak: starting node %d%n", index), StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    process.getOutputStream().close();
    stopping = false;
  }

  /**
   * Waits until the node answers, opens its message stream and waits for {@code /readyz}; then
   * starts a new session. Returns false when {@code deadline} passed or the process died first.
   */
  boolean awaitReady(long deadlineNanos) throws InterruptedException {
    Process p = process;
    while (System.nanoTime() < deadlineNanos) {
      if (!p.isAlive()) {
        return false;
      }
      Stream st = reader;
      if (st == null || st.process != p || !st.thread.isAlive()) {
        st = openStream(p);
      }
      if (st.attached && status("/readyz") == 200) {
        synchronized (this) {
          session++;
          sessionEnds.add(Long.MAX_VALUE);
          ready = true;
        }
        return true;
      }
      Thread.sleep(200);
    }
    return false;
  }

  private Stream openStream(Process p) {
    reportedDrops = 0;
    Stream st = new Stream(p);
    st.thread = new Thread(() -> readStream(st), "soak-stream-" + index);
    st.thread.setDaemon(true);
    reader = st;
    st.thread.start();
    return st;
  }

  /** Reads server-sent events until the stream or the process ends. */
  private void readStream(Stream st) {
    Process p = st.process;
    HttpRequest req = HttpRequest.newBuilder(admin.resolve("/v1/topics/" + topic + "/messages"))
        .timeout(Duration.ofDays(1)).GET().build();
    try {
      HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
      if (resp.statusCode() != 200) {
        resp.body().close();
        return;
      }
      try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
        String event = null;
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith(": subscribed")) {
            st.attached = true;
          } else if (line.startsWith("event: ")) {
            event = line.substring(7).trim();
          } else if (line.startsWith("data: ")) {
            onData(event, line.substring(6));
          } else if (line.isEmpty()) {
            event = null;
          }
          if (!p.isAlive()) {
            break;
          }
        }
      }
    } catch (IOException e) {
      // the node went away: the session ends below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      st.attached = false;
      synchronized (this) {
        if (process == p) {
          endSession(System.nanoTime()); // the stream of an earlier process ends no later session
        }
      }
    }
  }

  private void onData(String event, String data) {
    long now = System.nanoTime();
    if ("dropped".equals(event)) {
      try {
        long total = JSON.readTree(data).path("dropped").asLong();
        streamDrops.addAndGet(Math.max(0, total - reportedDrops));
        reportedDrops = total;
      } catch (IOException e) {
        // not JSON: ignored
      }
      return;
    }
    if (!"message".equals(event)) {
      return;
    }
    long seq = seqOfEvent(data);
    if (seq >= 0) {
      ledger.received(seq, index, now);
    }
  }

  private static final String DATA_FIELD = "\"data\":\"" + Ledger.PREFIX;

  /**
   * The sequence number in a message event's JSON ({@code "data":"soak <seq> x…"}), or -1 for a
   * local delivery ({@code "local":true}, the publisher's own copy) or a message that is not the
   * soak's. A string search, not a JSON parse: the soak reads every delivery of every node, and on
   * a loaded machine its own CPU time is part of the latency it measures.
   */
  static long seqOfEvent(String json) {
    if (json.contains("\"local\":true")) {
      return -1;
    }
    int at = json.indexOf(DATA_FIELD);
    if (at < 0) {
      return -1;
    }
    int from = at + DATA_FIELD.length();
    int to = from;
    while (to < json.length() && Character.isDigit(json.charAt(to))) {
      to++;
    }
    if (to == from || to - from > 18) {
      return -1;
    }
    return Long.parseLong(json, from, to, 10);
  }

  /** The session ends (a stop begins, or the stream ended); idempotent. */
  synchronized void endSession(long nanos) {
    if (ready) {
      ready = false;
      sessionEnds.set(session, nanos);
    }
  }

  boolean ready() {
    return ready;
  }

  int session() {
    return session;
  }

  /** When session {@code s} ended, Long.MAX_VALUE while it runs. */
  synchronized long sessionEnd(int s) {
    return s < 1 || s >= sessionEnds.size() ? Long.MIN_VALUE : sessionEnds.get(s);
  }

  Process process() {
    return process;
  }

  /** The process exited without the soak stopping it. */
  boolean crashed() {
    Process p = process;
    return p != null && !p.isAlive() && !stopping;
  }

  /** After a restart gave up: the node stays down until the churn retries it, and is no crash. */
  void givenUp() {
    stopping = true;
  }

  boolean alive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /**
   * Stops the process: SIGTERM ({@code kill = false}) waiting up to {@code grace}, then SIGKILL; or
   * SIGKILL at once. Returns the exit status, or -1 when it had to be killed after SIGTERM.
   */
  int stop(boolean kill, Duration grace) throws InterruptedException {
    stopping = true;
    endSession(System.nanoTime());
    Process p = process;
    if (kill) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      return p.isAlive() ? -2 : p.exitValue();
    }
    p.destroy();
    if (p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      return p.exitValue();
    }
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
    return -1;
  }

  /** HTTP status of a GET on the admin API, or -1 when it did not answer. */
  int status(String path) {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(5)).GET()
          .build(), HttpResponse.BodyHandlers.discarding());
      return r.statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** One sample of this process; fields are NaN when it could not be read. */
  record Sample(double heapMiB, double rssMiB, double fds, double threads, double directMiB) {}

  Sample sample() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      return new Sample(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double heap = Double.NaN;
    double direct = Double.NaN;
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(admin.resolve("/metrics"))
          .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 200) {
        heap = metric(r.body(), "jvm_memory_used_bytes", "area=\"heap\"") / (1 << 20);
        direct = metric(r.body(), "jvm_buffer_memory_used_bytes", "id=\"direct\"") / (1 << 20);
      }
    } catch (IOException e) {
      // NaN
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long pid = p.pid();
    if (Double.isNaN(heap)) {
      // no answer from /metrics: a JVM starting or stopping (after SIGTERM only a thread or two are
      // left), not a running node; its thread and fd counts would read as a node's minimum
      return new Sample(heap, ProcFs.rssKiB(pid) / 1024.0, Double.NaN, Double.NaN, direct);
    }
    return new Sample(heap, ProcFs.rssKiB(pid) / 1024.0, ProcFs.count(pid, "fd"), ProcFs.count(pid, "task"), direct);
  }

  /** Sum of the samples of {@code family} whose labels contain {@code label}; NaN when there is none. */
  static double metric(String text, String family, String label) {
    double sum = 0;
    boolean found = false;
    for (String line : text.split("\n")) {
      if (line.startsWith(family + "{") && line.contains(label)) {
        int sp = line.lastIndexOf(' ');
        try {
          sum += Double.parseDouble(line.substring(sp + 1));
          found = true;
        } catch (NumberFormatException e) {
          // skip
        }
      }
    }
    return found ? sum : Double.NaN;
  }

  /** The last {@code n} lines of the log, for a report on an unexpected exit. */
  String logTail(int n) {
    try (java.util.stream.Stream<String> s = Files.lines(log, StandardCharsets.UTF_8)) {
      List<String> all = s.toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    } catch (IOException | java.io.UncheckedIOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Runs {@code jcmd <pid> <what>} with a deadline; its output, or null when it failed. */
  static String jcmd(Path jcmd, long pid, String... what) throws InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
    cmd.addAll(List.of(what));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads from /proc (Linux). */
  static final class ProcFs {
    private ProcFs() {}

    static double rssKiB(long pid) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Double.parseDouble(line.substring(6).replace("kB", "").trim());
          }
        }
      } catch (IOException | NumberFormatException e) {
        // NaN
      }
      return Double.NaN;
    }

    static double count(long pid, String dir) {
      try (java.util.stream.Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), dir))) {
        return s.count();
      } catch (IOException | java.io.UncheckedIOException e) {
        return Double.NaN;
      }
    }
  }
}
