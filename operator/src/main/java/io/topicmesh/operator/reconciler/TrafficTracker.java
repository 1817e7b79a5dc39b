package io.topicmesh.operator.reconciler;

import io.topicmesh.operator.node.NodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the nodes' cumulative traffic counters into rates between two collections. Keeps one previous
 * sample per node (keyed by PeerId, so a restarted pod with a reset counter is detected) and per
 * cluster; entries not refreshed for {@link #STALE_AFTER} are dropped, and at most
 * {@link #MAX_ENTRIES} are kept.
 */
public final class TrafficTracker {
  static final Duration STALE_AFTER = Duration.ofMinutes(30);
  static final int MAX_ENTRIES = 100_000;

  private record Sample(long published, long delivered, long duplicates, Instant at) {
  }

  /** duplicates is -1 when the node does not report it. */
  private record TopicSample(long messages, long duplicates, Instant at) {
  }

  /** Fewest messages of a topic in one round (at the node that saw most) for a per-topic delivery ratio. */
  static final int MIN_TOPIC_MESSAGES = 20;

  private final Map<String, Sample> previous = new LinkedHashMap<>();
  private final Map<String, TopicSample> previousTopics = new LinkedHashMap<>();
  private final Map<String, Map<String, Double>> topicRates = new LinkedHashMap<>();
  private final Map<String, Map<String, TopicTraffic>> topicTraffic = new LinkedHashMap<>();

  /**
   * One topic's figures over the last round, what its own tuning looks at.
   *
   * @param messagesPerSecond distinct messages per second (the highest rate any node saw)
   * @param duplicatesPerMessage the topic's duplicate receptions per distinct message seen, over all
   *     nodes; null when a node does not report the topic's duplicates
   * @param deliveryRatio messages seen per node over the most any node saw (every node subscribes to
   *     every topic, so a node that saw fewer missed some); null with fewer than two nodes or fewer
   *     than {@link #MIN_TOPIC_MESSAGES} messages in the round
   */
  public record TopicTraffic(double messagesPerSecond, Double duplicatesPerMessage, Double deliveryRatio) {
  }

  /** Per-topic figures from the last {@link #observe} of the cluster; topics without two samples are absent. */
  public synchronized Map<String, TopicTraffic> topicTraffic(String clusterUid) {
    return Map.copyOf(topicTraffic.getOrDefault(clusterUid, Map.of()));
  }

  /**
   * Per-topic message rates (distinct messages per second: the highest rate any node saw, from
   * status.topics[].messages) computed by the last {@link #observe} of the cluster; topics whose
   * nodes report no counter, or that have a single sample so far, are absent.
   */
  public synchronized Map<String, Double> topicRates(String clusterUid) {
    return Map.copyOf(topicRates.getOrDefault(clusterUid, Map.of()));
  }

  private void observeTopics(String clusterUid, Collection<NodeStatus> statuses, Instant now) {
    Map<String, Double> rates = new LinkedHashMap<>();
    Map<String, List<double[]>> deltas = new LinkedHashMap<>(); // per topic: {messages, duplicates or -1} per node
    double seconds = 0;
    for (NodeStatus s : statuses) {
      for (NodeStatus.TopicState t : s.topics()) {
        if (t.messages() == null) {
          continue;
        }
        String key = clusterUid + "/" + s.peerId() + "/" + t.topic();
        TopicSample last = previousTopics.remove(key);
        TopicSample current = new TopicSample(t.messages(), t.duplicates() == null ? -1 : t.duplicates(), now);
        previousTopics.put(key, current);
        if (last == null || !now.isAfter(last.at) || current.messages < last.messages) {
          continue;
        }
        seconds = Duration.between(last.at, now).toMillis() / 1000.0;
        double messages = (current.messages - last.messages) / seconds;
        rates.merge(t.topic(), round(messages), Math::max);
        double duplicates = current.duplicates < 0 || last.duplicates < 0 || current.duplicates < last.duplicates ? -1
            : (current.duplicates - last.duplicates) / seconds;
        deltas.computeIfAbsent(t.topic(), k -> new ArrayList<>()).add(new double[] {messages, duplicates});
      }
    }
    Map<String, TopicTraffic> figures = new LinkedHashMap<>();
    for (var e : deltas.entrySet()) {
      double sum = 0;
      double max = 0;
      double dups = 0;
      boolean dupsKnown = true;
      for (double[] node : e.getValue()) {
        sum += node[0];
        max = Math.max(max, node[0]);
        dupsKnown &= node[1] >= 0;
        dups += Math.max(0, node[1]);
      }
      Double dupPerMessage = !dupsKnown ? null : sum > 0 ? round(dups / sum) : 0.0;
      int nodes = e.getValue().size();
      Double ratio = nodes >= 2 && max * seconds >= MIN_TOPIC_MESSAGES ? round(sum / (nodes * max)) : null;
      figures.put(e.getKey(), new TopicTraffic(rates.get(e.getKey()), dupPerMessage, ratio));
    }
    topicRates.put(clusterUid, rates);
    topicTraffic.put(clusterUid, figures);
  }

  /** Rates since the previous call for the same nodes; null rates until a second sample exists. */
  public synchronized ClusterTraffic observe(String clusterUid, Collection<NodeStatus> statuses, Instant now) {
    double published = 0;
    double delivered = 0;
    double duplicates = 0;
    boolean haveRates = false;
    int nodesWithRates = 0;
    List<Double> p50s = new ArrayList<>();
    Double p99 = null;
    for (NodeStatus s : statuses) {
      if (s.traffic() == null) {
        continue;
      }
      if (s.traffic().latencyP50Ms() != null) {
        p50s.add(s.traffic().latencyP50Ms());
      }
      if (s.traffic().latencyP99Ms() != null) {
        p99 = p99 == null ? s.traffic().latencyP99Ms() : Math.max(p99, s.traffic().latencyP99Ms());
      }
      String key = clusterUid + "/" + s.peerId();
      Sample last = previous.remove(key);
      Sample current = new Sample(s.traffic().published(), s.traffic().delivered(), s.traffic().duplicates(), now);
      previous.put(key, current);
      if (last == null || !now.isAfter(last.at) || current.delivered < last.delivered
          || current.published < last.published || current.duplicates < last.duplicates) {
        continue; // first sight or counters reset (node restarted)
      }
      double seconds = Duration.between(last.at, now).toMillis() / 1000.0;
      published += (current.published - last.published) / seconds;
      delivered += (current.delivered - last.delivered) / seconds;
      duplicates += (current.duplicates - last.duplicates) / seconds;
      haveRates = true;
      nodesWithRates++;
    }
    observeTopics(clusterUid, statuses, now);
    evict(now);
    ClusterTraffic traffic = new ClusterTraffic();
    traffic.probes = ProbeSummary.of(statuses);
    if (haveRates) {
      traffic.publishedPerSecond = round(published);
      traffic.deliveredPerSecond = round(delivered);
      traffic.duplicatesPerMessage = delivered > 0 ? round(duplicates / delivered) : 0.0;
      // Every node subscribes to every topic: a message published anywhere is due once on each other node.
      if (published > 0 && nodesWithRates > 1) {
        traffic.deliveryRatio = round(delivered / (published * (nodesWithRates - 1)));
      }
    }
    if (!p50s.isEmpty()) {
      p50s.sort(Double::compare);
      traffic.latencyP50Ms = round(p50s.get(p50s.size() / 2));
    }
    if (p99 != null) {
      traffic.latencyP99Ms = round(p99);
    }
    return traffic;
  }

  /** Forget a cluster (deleted). */
  public synchronized void forget(String clusterUid) {
    previous.keySet().removeIf(k -> k.startsWith(clusterUid + "/"));
    previousTopics.keySet().removeIf(k -> k.startsWith(clusterUid + "/"));
    topicRates.remove(clusterUid);
    topicTraffic.remove(clusterUid);
  }

  private void evict(Instant now) {
    previous.values().removeIf(s -> s.at.plus(STALE_AFTER).isBefore(now));
    previousTopics.values().removeIf(s -> s.at.plus(STALE_AFTER).isBefore(now));
    for (Map<String, ?> map : List.of(previous, previousTopics)) {
      var it = map.keySet().iterator();
      while (map.size() > MAX_ENTRIES && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
    for (Map<String, ?> perCluster : List.of(topicRates, topicTraffic)) {
      var clusters = perCluster.keySet().iterator();
      while (perCluster.size() > MAX_ENTRIES && clusters.hasNext()) {
        clusters.next();
        clusters.remove();
      }
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
