package io.topicmesh.node.interop;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * A go-libp2p, js-libp2p or rust-libp2p peer running as a child process, driven through the contract in
 * {@code e2e/interop/README.md}: flags at start, one command per stdin line, one JSON event per
 * stdout line.
 *
 * <p>A reader thread records every event. {@link #awaitEvent} returns the earliest recorded event
 * that matches and that no earlier await returned, so each event satisfies one await, and an event
 * that arrived before the await was called is still found. {@link #request} sends a command and
 * waits for its answer (or fails with the peer's error). {@link #close} quits the peer and kills its
 * process tree; a peer whose stdin closes (this JVM died) exits by itself.
 *
 * <pre>{@code
 * try (var go = InteropPeer.start(Kind.GO, "--key-seed", "1", "--topic", "t");
 *      var js = InteropPeer.start(Kind.JS, "--topic", "t", "--dial", go.listenAddr())) {
 *   go.awaitEvent(e -> e.is("connected", "peer", js.peerId()), Duration.ofSeconds(10));
 *   js.publish("t", "hi".getBytes(UTF_8));
 * }
 * }</pre>
 */
public final class InteropPeer implements AutoCloseable {

  /** Which implementation to run. */
  public enum Kind {
    GO, JS, RUST;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT) + "-peer";
    }
  }

  /** How long a peer may take to print {@code ready}: a cold node start on a busy machine is slow. */
  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  /** Default wait for a command's answer; the peers bound their own network waits at 10 s. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
  /** Longest stdout line accepted (a message event carries its data in base64). */
  static final int MAX_LINE_BYTES = 16 * 1024 * 1024;
  /** Events kept; the oldest are dropped beyond this (a long soak prints many). */
  static final int MAX_EVENTS = 100_000;
  /** Lines of stderr kept for failure messages. */
  static final int STDERR_TAIL_LINES = 200;
  /** Whether peers' stderr lines are copied live to this JVM's stderr ({@code -Dtopicmesh.interop.stderr=true}). */
  private static final boolean ECHO_STDERR = Boolean.getBoolean("topicmesh.interop.stderr");
  /** Events quoted in a failure message. */
  private static final int EVENTS_IN_FAILURE = 40;

  private final Kind kind;
  private final List<String> command;
  private final Process process;
  private final OutputStream stdin;
  private final Thread stdoutReader;
  private final Thread stderrReader;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Guarded by lock; entries in seq order, the first one has seq {@link #firstSeq}. */
  private final ArrayList<Entry> events = new ArrayList<>();
  private long firstSeq;
  private long nextSeq;
  private boolean stdoutClosed;
  private final Deque<String> stderrTail = new ArrayDeque<>();

  private String peerId;
  private String publicKey;
  private List<String> listenAddrs = List.of();
  private boolean closed;

  private static final class Entry {
    final PeerEvent event;
    boolean taken;

    Entry(PeerEvent event) {
      this.event = event;
    }
  }

  private InteropPeer(Kind kind, List<String> command, Map<String, String> env) throws IOException {
    this.kind = kind;
    this.command = List.copyOf(command);
    ProcessBuilder pb = new ProcessBuilder(this.command);
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.PIPE);
    pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
    pb.redirectError(ProcessBuilder.Redirect.PIPE);
    this.process = pb.start();
    this.stdin = process.getOutputStream();
    this.stdoutReader = new Thread(() -> readStdout(process.getInputStream()), kind.label() + "-stdout-" + process.pid());
    this.stderrReader = new Thread(() -> readStderr(new BufferedInputStream(process.getErrorStream())), kind.label() + "-stderr-" + process.pid());
    stdoutReader.setDaemon(true);
    stderrReader.setDaemon(true);
    stdoutReader.start();
    stderrReader.start();
  }

  /** Starts a peer with the given flags and waits until it prints {@code ready}. */
  public static InteropPeer start(Kind kind, String... args) {
    return start(kind, List.of(args));
  }

  /** Starts a peer with the given flags and waits until it prints {@code ready}. */
  public static InteropPeer start(Kind kind, List<String> args) {
    return start(kind, args, Map.of());
  }

  /**
   * As {@link #start(Kind, List)}, with extra environment variables: to see a peer's protocol logs
   * (on its stderr, quoted in failure messages and, with {@code -Dtopicmesh.interop.stderr=true},
   * copied live to this JVM's stderr), pass {@code GOLOG_LOG_LEVEL=error,pubsub=debug} to the go peer
   * or {@code DEBUG=libp2p:identify*,libp2p:gossipsub*} to the js peer.
   */
  public static InteropPeer start(Kind kind, List<String> args, Map<String, String> env) {
    return start(InteropPeerLocator.fromEnvironment(), kind, args, env);
  }

  static InteropPeer start(InteropPeerLocator locator, Kind kind, List<String> args) {
    return start(locator, kind, args, Map.of());
  }

  static InteropPeer start(InteropPeerLocator locator, Kind kind, List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>(locator.command(kind));
    command.addAll(args);
    InteropPeer peer;
    try {
      peer = new InteropPeer(kind, command, env);
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
    try {
      PeerEvent id = peer.awaitStartup("peer-id");
      peer.peerId = id.string("id");
      peer.publicKey = id.string("publicKey");
      PeerEvent ready = peer.awaitStartup("ready");
      peer.listenAddrs = ready.strings("addrs");
      return peer;
    } catch (RuntimeException | Error e) {
      peer.close();
      throw e;
    }
  }

  private PeerEvent awaitStartup(String kind) {
    lock.lock();
    try {
      long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
      long scanned = firstSeq;
      while (true) {
        for (; scanned < nextSeq; scanned++) {
          Entry entry = entryAt(scanned);
          if (entry == null) {
            continue;
          }
          if (entry.event.is(kind)) {
            entry.taken = true;
            return entry.event;
          }
          // An error naming a command (a failed --dial) is not fatal: the peer goes on.
          if (entry.event.is("error") && !entry.event.has("command")) {
            throw new InteropPeerException(describe() + " failed to start: " + entry.event.stringOrNull("message")
                + diagnostics());
          }
        }
        if (stdoutClosed) {
          throw new InteropPeerException(describe() + " exited before printing '" + kind + "'" + diagnostics());
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new InteropPeerException(describe() + " printed no '" + kind + "' within " + STARTUP_TIMEOUT + diagnostics());
        }
        changed.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InteropPeerException("interrupted while starting " + describe());
    } finally {
      lock.unlock();
    }
  }

  public Kind kind() {
    return kind;
  }

  /** The peer's PeerId (base58), from its {@code peer-id} event. */
  public String peerId() {
    return peerId;
  }

  /** The peer's public key as the libp2p PublicKey protobuf, base64, from its {@code peer-id} event. */
  public String publicKey() {
    return publicKey;
  }

  /** Its listen addresses, each ending in {@code /p2p/<peer-id>}. */
  public List<String> listenAddrs() {
    return listenAddrs;
  }

  /** Its first listen address, ending in {@code /p2p/<peer-id>}: what another peer dials. */
  public String listenAddr() {
    if (listenAddrs.isEmpty()) {
      throw new IllegalStateException(describe() + " listens on no address");
    }
    return listenAddrs.get(0);
  }

  /** The position of the next event: pass it to {@link #awaitEventAfter} to ignore earlier ones. */
  public long mark() {
    lock.lock();
    try {
      return nextSeq;
    } finally {
      lock.unlock();
    }
  }

  /** Waits for the earliest not-yet-returned event matching {@code predicate}. */
  public PeerEvent awaitEvent(Predicate<PeerEvent> predicate, Duration timeout) {
    return awaitEvent("matching the predicate", predicate, timeout);
  }

  /** As {@link #awaitEvent(Predicate, Duration)}, naming the expectation for the failure message. */
  public PeerEvent awaitEvent(String description, Predicate<PeerEvent> predicate, Duration timeout) {
    return await(description, predicate, 0, timeout, null);
  }

  /** As {@link #awaitEvent(String, Predicate, Duration)}, considering only events at or after {@code mark}. */
  public PeerEvent awaitEventAfter(long mark, String description, Predicate<PeerEvent> predicate, Duration timeout) {
    return await(description, predicate, mark, timeout, null);
  }

  private PeerEvent await(String description, Predicate<PeerEvent> predicate, long from, Duration timeout,
      String failOnErrorFor) {
    Objects.requireNonNull(predicate, "predicate");
    lock.lock();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      long scanned = Math.max(from, firstSeq);
      while (true) {
        for (; scanned < nextSeq; scanned++) {
          Entry entry = entryAt(scanned);
          if (entry == null || entry.taken) {
            continue;
          }
          PeerEvent e = entry.event;
          if (failOnErrorFor != null && e.is("error") && failOnErrorFor.equals(e.stringOrNull("command"))) {
            entry.taken = true;
            throw new InteropPeerException(describe() + " answered '" + failOnErrorFor + "' with an error: "
                + e.stringOrNull("message"));
          }
          if (predicate.test(e)) {
            entry.taken = true;
            return e;
          }
        }
        if (stdoutClosed) {
          throw new AssertionError(describe() + " exited while waiting for an event " + description + diagnostics());
        }
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          throw new AssertionError(describe() + ": no event " + description + " within " + timeout + diagnostics());
        }
        changed.awaitNanos(remaining);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting on " + describe() + " for an event " + description);
    } finally {
      lock.unlock();
    }
  }

  private Entry entryAt(long seq) {
    long index = seq - firstSeq;
    if (index < 0 || index >= events.size()) {
      return null;
    }
    return events.get((int) index);
  }

  /** Sends one command line (see the README for the commands). */
  public void send(String command) {
    if (command.indexOf('\n') >= 0 || command.indexOf('\r') >= 0) {
      throw new IllegalArgumentException("a command is one line: " + command);
    }
    try {
      synchronized (stdin) {
        stdin.write((command + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      }
    } catch (IOException e) {
      throw new InteropPeerException("could not send '" + command + "' to " + describe() + ": " + e.getMessage()
          + diagnostics());
    }
  }

  /**
   * Sends {@code command} and waits for its answer: the first later event of kind {@code answer}
   * that also matches {@code predicate}. An {@code error} event for this command fails at once.
   */
  public PeerEvent request(String command, String answer, Predicate<PeerEvent> predicate, Duration timeout) {
    String line = command.strip();
    long mark = mark();
    send(line);
    return await("'" + answer + "' answering '" + line + "'", e -> e.is(answer) && predicate.test(e), mark, timeout, line);
  }

  /** {@link #request(String, String, Predicate, Duration)} with any event of kind {@code answer}. */
  public PeerEvent request(String command, String answer) {
    return request(command, answer, e -> true, REQUEST_TIMEOUT);
  }

  /** Dials a multiaddr ending in {@code /p2p/<id>}; returns the {@code dialed} event. */
  public PeerEvent dial(String multiaddr) {
    return request("dial " + multiaddr, "dialed");
  }

  /** Pings a connected (or dialable) peer; returns the round trip in milliseconds. */
  public double ping(String peerId) {
    return request("ping " + peerId, "ping", e -> peerId.equals(e.stringOrNull("peer")), REQUEST_TIMEOUT).number("rttMs");
  }

  /** What the remote peer told this one in identify. */
  public PeerEvent identify(String peerId) {
    return request("identify " + peerId, "identify", e -> peerId.equals(e.stringOrNull("peer")), REQUEST_TIMEOUT);
  }

  public void subscribe(String topic) {
    request("subscribe " + topic, "subscribed", e -> topic.equals(e.stringOrNull("topic")), REQUEST_TIMEOUT);
  }

  public void unsubscribe(String topic) {
    request("unsubscribe " + topic, "unsubscribed", e -> topic.equals(e.stringOrNull("topic")), REQUEST_TIMEOUT);
  }

  public void publish(String topic, byte[] data) {
    request("publish " + topic + " " + Base64.getEncoder().encodeToString(data), "published",
        e -> topic.equals(e.stringOrNull("topic")), REQUEST_TIMEOUT);
  }

  /** The peer's current mesh for a topic (empty for floodsub). */
  public List<String> mesh(String topic) {
    return request("mesh " + topic, "mesh", e -> topic.equals(e.stringOrNull("topic")), REQUEST_TIMEOUT).strings("peers");
  }

  /** The peers it knows to be subscribed to a topic. */
  public List<String> subscribers(String topic) {
    return request("subscribers " + topic, "subscribers", e -> topic.equals(e.stringOrNull("topic")), REQUEST_TIMEOUT)
        .strings("peers");
  }

  /** Its connected peers ({@code peers}) and connections ({@code connections}). */
  public PeerEvent peers() {
    return request("peers", "peers");
  }

  /** Closes all its connections to a peer. */
  public void hangup(String peerId) {
    request("hangup " + peerId, "hung-up", e -> peerId.equals(e.stringOrNull("peer")), REQUEST_TIMEOUT);
  }

  /** Every event still recorded, oldest first. */
  public List<PeerEvent> events() {
    lock.lock();
    try {
      List<PeerEvent> out = new ArrayList<>(events.size());
      for (Entry e : events) {
        out.add(e.event);
      }
      return Collections.unmodifiableList(out);
    } finally {
      lock.unlock();
    }
  }

  /** The last lines the peer wrote to stderr. */
  public List<String> stderrTail() {
    synchronized (stderrTail) {
      return List.copyOf(stderrTail);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Quits the peer politely, then kills whatever of its process tree is left. Idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (process.isAlive()) {
        try {
          synchronized (stdin) {
            stdin.write("quit\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
          }
        } catch (IOException ignored) {
          // already exiting: its stdin is gone
        }
        process.waitFor(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
      tree.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      tree.add(process.toHandle());
      try {
        stdin.close();
      } catch (IOException ignored) {
        // the pipe is broken when the process is dead; nothing to release
      }
      try {
        for (ProcessHandle h : tree) {
          h.onExit().get(5, TimeUnit.SECONDS);
        }
        stdoutReader.join(2_000);
        stderrReader.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // a process that will not die even on SIGKILL is the kernel's business; say so and go on
        addStderr("[harness] process tree of " + describe() + " did not exit: " + e);
      }
    }
  }

  @Override
  public String toString() {
    return describe();
  }

  private String describe() {
    return kind.label() + (peerId == null ? "" : " " + peerId) + " (pid " + process.pid() + ")";
  }

  private String diagnostics() {
    StringBuilder sb = new StringBuilder();
    sb.append("\n  command: ").append(String.join(" ", command));
    if (!process.isAlive()) {
      sb.append("\n  exit code: ").append(process.exitValue());
    }
    List<PeerEvent> all = events();
    sb.append("\n  last events (").append(Math.min(all.size(), EVENTS_IN_FAILURE)).append(" of ").append(all.size()).append("):");
    for (PeerEvent e : all.subList(Math.max(0, all.size() - EVENTS_IN_FAILURE), all.size())) {
      String line = e.line();
      sb.append("\n    ").append(line.length() > 400 ? line.substring(0, 400) + "…" : line);
    }
    List<String> err = stderrTail();
    if (!err.isEmpty()) {
      sb.append("\n  stderr tail:");
      for (String line : err.subList(Math.max(0, err.size() - 30), err.size())) {
        sb.append("\n    ").append(line);
      }
    }
    return sb.toString();
  }

  private void record(String line) {
    Map<String, Object> fields;
    try {
      fields = Json.parseObject(line);
    } catch (Json.JsonException e) {
      // Still recorded, so a test waiting on the peer sees that it printed garbage.
      fields = Map.of("event", "harness-error", "message", "not a JSON event: " + e.getMessage());
    }
    lock.lock();
    try {
      events.add(new Entry(new PeerEvent(nextSeq++, fields, line)));
      if (events.size() > MAX_EVENTS) {
        int drop = MAX_EVENTS / 10;
        events.subList(0, drop).clear();
        firstSeq += drop;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void readStdout(InputStream in) {
    try (in) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      boolean overlong = false;
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = in.read(buf)) > 0) {
        int start = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] != '\n') {
            continue;
          }
          if (!overlong) {
            line.write(buf, start, i - start);
            record(line.toString(StandardCharsets.UTF_8));
          }
          line.reset();
          overlong = false;
          start = i + 1;
        }
        if (!overlong && line.size() + (n - start) > MAX_LINE_BYTES) {
          overlong = true;
          line.reset();
          record("{\"event\":\"harness-error\",\"message\":\"stdout line longer than " + MAX_LINE_BYTES + " bytes dropped\"}");
        }
        if (!overlong) {
          line.write(buf, start, n - start);
        }
      }
    } catch (IOException e) {
      record("{\"event\":\"harness-error\",\"message\":" + quote("reading stdout: " + e.getMessage()) + "}");
    } finally {
      lock.lock();
      try {
        stdoutClosed = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  private void readStderr(InputStream in) {
    try (in) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          addStderr(line.toString(StandardCharsets.UTF_8));
          line.reset();
        } else if (line.size() < 4096) {
          line.write(b);
        }
      }
      if (line.size() > 0) {
        addStderr(line.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException ignored) {
      // the process is gone; what was read is kept
    }
  }

  private void addStderr(String line) {
    if (ECHO_STDERR) {
      System.err.println("[" + kind.label() + " " + process.pid() + "] " + line);
    }
    synchronized (stderrTail) {
      stderrTail.addLast(line);
      while (stderrTail.size() > STDERR_TAIL_LINES) {
        stderrTail.removeFirst();
      }
    }
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  /** The peer failed to start, or answered a command with an error. */
  public static final class InteropPeerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InteropPeerException(String message) {
      super(message);
    }
  }
}
