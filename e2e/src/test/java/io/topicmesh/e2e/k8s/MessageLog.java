package io.topicmesh.e2e.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Steady publishing with per-message accounting. A publisher sends {@code <run>-<seq>} every
 * interval through a node's admin API; one observer per pod incarnation (pod UID) reads that node's
 * message stream ({@code GET /v1/topics/{t}/messages}). A message acknowledged at time t is due on
 * every incarnation that was Ready and streaming from before {@code t - settle} until after
 * {@code t + grace}; a due message an incarnation never received is a miss.
 */
final class MessageLog implements AutoCloseable {
  static final Duration SETTLE = Duration.ofSeconds(2);
  static final Duration GRACE = Duration.ofSeconds(5);

  private final KubernetesClient client;
  private final NodeApi api;
  private final String ns;
  private final String cluster;
  private final String topic;
  private final String run = "e2e" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
  private final long t0 = System.nanoTime();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final AtomicBoolean publishing = new AtomicBoolean();
  private final AtomicLong seq = new AtomicLong();
  private final List<Published> published = new CopyOnWriteArrayList<>();
  private final List<String> publishErrors = new CopyOnWriteArrayList<>();
  private final Map<String, Observer> observers = new ConcurrentHashMap<>();
  private volatile List<Pod> pods = List.of();
  private final Thread manager;
  private Thread publisher;

  record Published(long seq, long atMs, String pod, int peers) {}

  /** One pod incarnation's message stream. */
  final class Observer implements Runnable {
    final String pod;
    final String uid;
    final Set<Long> received = ConcurrentHashMap.newKeySet();
    volatile long openedMs = -1;
    volatile long closedMs = -1;
    volatile boolean dropped;
    volatile InputStream in;
    volatile String error;

    Observer(String pod, String uid) {
      this.pod = pod;
      this.uid = uid;
    }

    void closeAt(long ms) {
      if (closedMs < 0) {
        closedMs = ms;
      }
      InputStream s = in;
      if (s != null) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a dead stream
        }
      }
    }

    @Override
    public void run() {
      try (InputStream s = api.messages(pod, topic)) {
        in = s;
        openedMs = nowMs();
        BufferedReader r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8));
        String event = "message";
        String line;
        while ((line = r.readLine()) != null && closedMs < 0) {
          if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            if ("dropped".equals(event)) {
              dropped = true;
            } else if ("message".equals(event)) {
              JsonNode m = Tc.JSON.readTree(line.substring(5).trim());
              String text = m.path("data").asText("");
              if (text.startsWith(run + "-")) {
                received.add(Long.parseLong(text.substring(run.length() + 1)));
              }
            }
          } else if (line.isEmpty()) {
            event = "message";
          }
        }
      } catch (IOException | RuntimeException e) {
        error = e.toString();
      } finally {
        if (closedMs < 0) {
          closedMs = nowMs();
        }
      }
    }

    @Override
    public String toString() {
      return pod + "(" + uid.substring(0, 8) + ") open=" + openedMs + "ms closed=" + closedMs + "ms received="
          + received.size() + (dropped ? " DROPPED" : "") + (error == null ? "" : " error=" + error);
    }
  }

  MessageLog(KubernetesClient client, NodeApi api, String ns, String cluster, String topic) {
    this.client = client;
    this.api = api;
    this.ns = ns;
    this.cluster = cluster;
    this.topic = topic;
    this.manager = new Thread(this::manage, "e2e-observers-" + cluster);
    manager.setDaemon(true);
    manager.start();
  }

  long nowMs() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Opens an observer on every Ready pod incarnation; ends those whose pod stopped being Ready. */
  private void manage() {
    while (!stopped.get()) {
      try {
        List<Pod> now = Tc.pods(client, ns, cluster);
        pods = now;
        long at = nowMs();
        Set<String> readyUids = ConcurrentHashMap.newKeySet();
        for (Pod p : now) {
          if (Tc.podReady(p)) {
            readyUids.add(p.getMetadata().getUid());
            observers.computeIfAbsent(p.getMetadata().getUid(), uid -> {
              Observer o = new Observer(p.getMetadata().getName(), uid);
              Thread t = new Thread(o, "e2e-observe-" + p.getMetadata().getName());
              t.setDaemon(true);
              t.start();
              return o;
            });
          }
        }
        for (Observer o : observers.values()) {
          if (o.closedMs < 0 && !readyUids.contains(o.uid)) {
            o.closeAt(at);
          }
        }
      } catch (RuntimeException e) {
        System.out.println("e2e: observer manager: " + e.getMessage());
      }
      pause(Duration.ofMillis(400));
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis()); // the publishing/observation cadence, not a wait for a condition
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Round-robin over the Ready pods. */
  Function<List<Pod>, String> roundRobin() {
    AtomicLong i = new AtomicLong();
    return ps -> {
      List<Pod> ready = ps.stream().filter(Tc::podReady).toList();
      return ready.isEmpty() ? null : ready.get((int) (i.getAndIncrement() % ready.size())).getMetadata().getName();
    };
  }

  /** Starts publishing one message per interval through the pod {@code chooser} picks. */
  void startPublishing(Duration interval, Function<List<Pod>, String> chooser) {
    publishing.set(true);
    publisher = new Thread(() -> {
      long next = System.nanoTime();
      while (publishing.get()) {
        String pod = chooser.apply(pods);
        if (pod != null) {
          long s = seq.incrementAndGet();
          try {
            JsonNode answer = api.publish(pod, topic, run + "-" + s);
            published.add(new Published(s, nowMs(), pod, answer.path("peers").asInt(-1)));
          } catch (IOException | RuntimeException e) {
            if (publishErrors.size() < 10_000) {
              publishErrors.add(nowMs() + "ms " + pod + ": " + e.getMessage());
            }
          }
        }
        next += interval.toNanos();
        long wait = next - System.nanoTime();
        if (wait > 0) {
          pause(Duration.ofNanos(wait));
        } else {
          next = System.nanoTime();
        }
      }
    }, "e2e-publisher-" + cluster);
    publisher.setDaemon(true);
    publisher.start();
  }

  void stopPublishing() throws InterruptedException {
    publishing.set(false);
    if (publisher != null) {
      publisher.join(30_000);
    }
  }

  List<Published> published() {
    return List.copyOf(published);
  }

  List<String> publishErrors() {
    return List.copyOf(publishErrors);
  }

  List<Observer> observers() {
    return new ArrayList<>(observers.values());
  }

  /** Accounting of due and missed deliveries, as of now. */
  record Loss(int published, int publishErrors, long due, long missed, int messagesWithMiss,
      List<String> examples) {}

  Loss loss() {
    long now = nowMs();
    long due = 0;
    long missed = 0;
    int withMiss = 0;
    List<String> examples = new ArrayList<>();
    List<Observer> obs = observers();
    for (Published p : published) {
      boolean miss = false;
      for (Observer o : obs) {
        long open = o.openedMs;
        long closed = o.closedMs < 0 ? now : o.closedMs;
        if (open < 0 || open > p.atMs - SETTLE.toMillis() || closed < p.atMs + GRACE.toMillis()) {
          continue;
        }
        due++;
        if (!o.received.contains(p.seq)) {
          missed++;
          miss = true;
          if (examples.size() < 10) {
            examples.add("message " + p.seq + " (acknowledged at " + p.atMs + "ms by " + p.pod + ", sent to " + p.peers
                + " peers) missing on " + o);
          }
        }
      }
      if (miss) {
        withMiss++;
      }
    }
    return new Loss(published.size(), publishErrors.size(), due, missed, withMiss, examples);
  }

  /** Ends observation; every stream still open counts as open until now. */
  @Override
  public void close() {
    publishing.set(false);
    stopped.set(true);
    long at = nowMs();
    observers.values().forEach(o -> o.closeAt(at));
  }
}
