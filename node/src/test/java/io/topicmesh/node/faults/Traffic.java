package io.topicmesh.node.faults;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Steady publishing through the admin API at a fixed rate, and one event-stream subscriber per
 * node, with exact message-id accounting: every publish answer carries the message id, every
 * stream event names the id it delivers.
 */
final class Traffic implements AutoCloseable {
  /** One publish call: when it was started, by which node, and the id the node gave the message (null if it failed). */
  record Published(int node, long startNanos, String id, String error) {}

  /** The event stream of one node: message ids with the time they arrived. */
  static final class Subscriber implements AutoCloseable {
    final int node;
    final Map<String, Long> received = new ConcurrentHashMap<>();
    final AtomicLong droppedEvents = new AtomicLong();
    volatile boolean subscribed;
    private boolean droppedNext;
    final AdminClient.Stream stream;

    Subscriber(int node, AdminClient admin, String topic) throws IOException {
      this.node = node;
      this.stream = admin.stream(topic, this::line);
    }

    private void line(String l) {
      if (l.startsWith(": subscribed")) {
        subscribed = true;
      } else if (l.startsWith("id: ")) {
        received.putIfAbsent(l.substring(4).trim(), System.nanoTime());
      } else if (l.equals("event: dropped")) {
        droppedNext = true;
      } else if (droppedNext && l.startsWith("data: ")) {
        droppedEvents.incrementAndGet();
        droppedNext = false;
      }
    }

    @Override
    public void close() {
      stream.close();
    }
  }

  final List<Published> published = new CopyOnWriteArrayList<>();
  private final String topic;
  private final ScheduledExecutorService exec;

  Traffic(String topic, int publishers) {
    this.topic = topic;
    this.exec = Executors.newScheduledThreadPool(publishers, r -> {
      Thread t = new Thread(r, "faults-publisher");
      t.setDaemon(true);
      return t;
    });
  }

  /** Publishes {@code perSecond} messages a second from node {@code node} until {@link #stop}. */
  void publish(int node, AdminClient admin, int perSecond) {
    AtomicLong seq = new AtomicLong();
    exec.scheduleAtFixedRate(() -> {
      long start = System.nanoTime();
      String data = admin.name + "-" + seq.incrementAndGet();
      try {
        AdminClient.Response r = admin.call("POST", "/v1/topics/" + topic + "/publish", "{\"data\": \"" + data + "\"}");
        if (r.status() == 200) {
          published.add(new Published(node, start, r.json().get("id").asText(), null));
        } else {
          published.add(new Published(node, start, null, r.status() + " " + r.body()));
        }
      } catch (IOException | RuntimeException e) {
        published.add(new Published(node, start, null, e.toString()));
      }
    }, 0, 1000 / perSecond, TimeUnit.MILLISECONDS);
  }

  /** Ends the schedule; calls in flight complete. */
  void stop() throws InterruptedException {
    exec.shutdown();
    if (!exec.awaitTermination(60, TimeUnit.SECONDS)) {
      throw new AssertionError("publishers still running 60 s after stop");
    }
  }

  List<Published> select(Predicate<Published> p) {
    return published.stream().filter(p).toList();
  }

  /** (message, subscriber) pairs where the subscriber has not seen the message; failed publishes are left out. */
  static List<String> missing(Collection<Published> msgs, Collection<Subscriber> subs) {
    List<String> out = new ArrayList<>();
    for (Published m : msgs) {
      if (m.id() == null) {
        continue;
      }
      for (Subscriber s : subs) {
        if (!s.received.containsKey(m.id())) {
          out.add("n" + m.node() + ":" + m.id().substring(0, Math.min(12, m.id().length())) + "->n" + s.node);
        }
      }
    }
    return out;
  }

  static long pairs(Collection<Published> msgs, Collection<Subscriber> subs) {
    return msgs.stream().filter(m -> m.id() != null).count() * subs.size();
  }

  @Override
  public void close() {
    exec.shutdownNow();
  }
}
