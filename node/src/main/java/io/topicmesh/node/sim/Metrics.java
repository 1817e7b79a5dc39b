package io.topicmesh.node.sim;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the simulation observes per message and per router, and the figures made of it. */
final class Metrics {
  /** Latency histogram resolution and range. */
  static final int BUCKET_MICROS = 100;
  static final int BUCKETS = 1_200_000;

  private final int routers;
  /** Honest routers plus Sybils (hop counts are kept for both). */
  private final int hosts;
  private final long[] publishAt;
  private final int[] publisher;
  private final int[] eligible;
  private final boolean[] published;
  /** Per message and router: microseconds from publish to delivery, -1 if not delivered. */
  private final int[][] latency;
  /** Per message and router: hops + 1 of the first delivery (1 = the publisher), 0 if none. */
  private final byte[][] hops;
  /** Per message and router: full copies received (saturating at 127). */
  private final byte[][] copies;
  private final long[] latencyHist = new long[BUCKETS];
  int left;
  int joined;

  Metrics(int routers, int hosts, int count) {
    this.routers = routers;
    this.hosts = hosts;
    this.publishAt = new long[count];
    this.publisher = new int[count];
    this.eligible = new int[count];
    this.published = new boolean[count];
    this.latency = new int[count][];
    this.hops = new byte[count][];
    this.copies = new byte[count][];
  }

  void published(int i, int from, long at, int eligibleRouters, boolean online) {
    publishAt[i] = at;
    publisher[i] = from;
    eligible[i] = eligibleRouters;
    published[i] = online;
    if (online) {
      latency[i] = new int[routers];
      Arrays.fill(latency[i], -1);
      hops[i] = new byte[hosts];
      copies[i] = new byte[routers];
      hops[i][from] = 1;
    }
  }

  void copy(int i, int node) {
    byte[] c = copies[i];
    if (c != null && c[node] < 127) {
      c[node]++;
    }
  }

  /** A Sybil got message {@code i} first from {@code source}: its hop count, so later hops count through it. */
  void relayed(int i, int sybil, int source) {
    if (hops[i] == null || hops[i][sybil] != 0) {
      return;
    }
    int prev = hops[i][source];
    hops[i][sybil] = (byte) (prev <= 0 ? 127 : Math.min(127, prev + 1));
  }

  /** Records a first delivery; returns its hop count. */
  int delivered(int i, int node, int source, long at) {
    if (latency[i] == null || latency[i][node] >= 0) {
      return -1;
    }
    long micros = (at - publishAt[i]) / 1000;
    latency[i][node] = (int) Math.min(Integer.MAX_VALUE, micros);
    latencyHist[(int) Math.min(BUCKETS - 1, micros / BUCKET_MICROS)]++;
    int prev = source >= 0 ? hops[i][source] : 0;
    int h = prev <= 0 ? 127 : Math.min(127, prev + 1);
    hops[i][node] = (byte) h;
    return h - 1;
  }

  SimResult result(Scenario sc, long seed, Simulation sim, String traceHash, double wallSeconds, double cpuSeconds) {
    List<Map<String, Object>> perMessage = new ArrayList<>();
    long deliveredAll = 0;
    long eligibleAll = 0;
    long receivers = 0;
    long copiesAll = 0;
    long hopSum = 0;
    int hopMax = 0;
    long[] dupHist = new long[128];
    long[] hopHist = new long[128];
    List<Double> timeToAll = new ArrayList<>();
    int messages = 0;
    for (int i = 0; i < publishAt.length; i++) {
      if (!published[i]) {
        continue;
      }
      messages++;
      int[] lat = latency[i];
      int[] got = new int[routers];
      int d = 0;
      int mHopMax = 0;
      long mHopSum = 0;
      long mCopies = 0;
      int mReceivers = 0;
      for (int r = 0; r < routers; r++) {
        if (lat[r] >= 0) {
          got[d++] = lat[r];
          int h = hops[i][r] - 1;
          mHopSum += h;
          mHopMax = Math.max(mHopMax, h);
          hopHist[Math.min(127, h)]++;
        }
        int c = copies[i][r];
        if (c > 0) {
          mReceivers++;
          mCopies += c;
          dupHist[c - 1]++;
        }
      }
      Arrays.sort(got, 0, d);
      deliveredAll += d;
      eligibleAll += eligible[i];
      receivers += mReceivers;
      copiesAll += mCopies;
      hopSum += mHopSum;
      hopMax = Math.max(hopMax, mHopMax);
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("index", i);
      m.put("publisher", publisher[i]);
      m.put("publishedAtMs", round(publishAt[i] / 1e6));
      m.put("subscribers", eligible[i]);
      m.put("delivered", d);
      m.put("deliveryShare", eligible[i] == 0 ? 1.0 : round((double) d / eligible[i]));
      Double all = d >= eligible[i] && d > 0 ? round(got[d - 1] / 1000.0) : null;
      if (all != null) {
        timeToAll.add(all);
      }
      m.put("timeToAllMs", all);
      // As libp2p/test-plans gossipsub-interop measures (analyze_message_deliveries.py): from the
      // first router that got the message, not from the publish; duplicates over all routers.
      m.put("firstDeliveryMs", d == 0 ? null : round(got[0] / 1000.0));
      m.put("disseminationMs", all == null ? null : round((got[d - 1] - got[0]) / 1000.0));
      m.put("p50FromFirstMs", d == 0 ? null : round((got[d / 2] - got[0]) / 1000.0));
      m.put("duplicatesPerRouter", round((double) (mCopies - mReceivers) / routers));
      m.put("latencyP50Ms", d == 0 ? null : round(got[pct(d, 0.50)] / 1000.0));
      m.put("latencyP99Ms", d == 0 ? null : round(got[pct(d, 0.99)] / 1000.0));
      m.put("duplicatesPerDelivery", mReceivers == 0 ? 0.0 : round((double) (mCopies - mReceivers) / mReceivers));
      m.put("hopsMean", d == 0 ? null : round((double) mHopSum / d));
      m.put("hopsMax", mHopMax);
      perMessage.add(m);
    }
    double virtualSeconds = sc.totalSeconds();
    List<SimNode> nodes = sim.nodes();
    long sent = 0;
    long control = 0;
    long received = 0;
    List<Map<String, Object>> perNode = new ArrayList<>();
    for (SimNode n : nodes) {
      sent += n.bytesSent;
      control += n.controlSent;
      received += n.bytesReceived;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("router", n.index);
      m.put("region", sc.regions().get(n.region).name());
      m.put("bandwidthClass", sc.bandwidth().get(n.bandwidthClass).name());
      m.put("bytesSent", n.bytesSent);
      m.put("bytesReceived", n.bytesReceived);
      m.put("controlShareSent", n.bytesSent == 0 ? 0.0 : round((double) n.controlSent / n.bytesSent));
      m.put("controlShareReceived", n.bytesReceived == 0 ? 0.0 : round((double) n.controlReceived / n.bytesReceived));
      perNode.add(m);
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("scenario", sc.name());
    s.put("seed", seed);
    s.put("routers", routers);
    s.put("messages", messages);
    s.put("messageBytes", sc.messages().sizeBytes());
    s.put("virtualSeconds", round(virtualSeconds));
    s.put("deliveryRatio", eligibleAll == 0 ? 1.0 : round((double) deliveredAll / eligibleAll, 6));
    s.put("latencyP50Ms", histPct(0.50));
    s.put("latencyP99Ms", histPct(0.99));
    s.put("latencyMaxMs", histPct(1.0));
    timeToAll.sort(null);
    s.put("timeToAllP50Ms", timeToAll.isEmpty() ? null : timeToAll.get(pct(timeToAll.size(), 0.5)));
    s.put("timeToAllMaxMs", timeToAll.isEmpty() ? null : timeToAll.get(timeToAll.size() - 1));
    s.put("duplicatesPerMessage", receivers == 0 ? 0.0 : round((double) (copiesAll - receivers) / receivers));
    s.put("hopsMean", deliveredAll == 0 ? 0.0 : round((double) hopSum / deliveredAll));
    s.put("hopsMax", hopMax);
    s.put("bytesPerNode", nodes.isEmpty() ? 0 : sent / nodes.size());
    s.put("bytesReceivedPerNode", nodes.isEmpty() ? 0 : received / nodes.size());
    s.put("controlShare", sent == 0 ? 0.0 : round((double) control / sent));
    s.put("left", left);
    s.put("joined", joined);
    s.put("rpcsDropped", sim.droppedRpcs());
    s.put("packetsLost", sim.lostPackets());
    s.put("events", sim.eventsFired());
    s.put("traceRecords", sim.traceRecords());
    s.put("traceHash", traceHash);
    s.put("wallSeconds", round(wallSeconds));
    s.put("cpuSeconds", round(cpuSeconds));
    // The machine's load beside the wall time: on a shared machine the wall time says little alone.
    s.put("loadAverage", round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), 2));
    s.put("heapPeakMiB", heapPeakMiB());
    s.put("honestDeliveryRatio", s.get("deliveryRatio"));
    s.put("honestLatencyP50Ms", s.get("latencyP50Ms"));
    s.put("honestLatencyP99Ms", s.get("latencyP99Ms"));
    if (sc.attack().active()) {
      attackFigures(s, sc, sim);
    }
    long[] up = nodes.stream().mapToLong(n -> n.bytesSent).toArray();
    long[] down = nodes.stream().mapToLong(n -> n.bytesReceived).toArray();
    return new SimResult(s, perMessage, perNode, latencyHist.clone(), dupHist, hopHist, up, down, virtualSeconds);
  }

  /**
   * Attack figures: who attacked, delivery and latency over the messages published once the attack
   * was on, the victim's delivery (eclipse target or censored publisher), and what the honest
   * routers did to the Sybils (counted during the run, and their meshes and scores at the end).
   */
  private void attackFigures(Map<String, Object> s, Scenario sc, Simulation sim) {
    Scenario.Attack a = sc.attack();
    long from = sim.attackStartNanos();
    long delivered = 0;
    long eligibleSum = 0;
    List<Integer> lat = new ArrayList<>();
    for (int i = 0; i < publishAt.length; i++) {
      if (!published[i] || publishAt[i] < from) {
        continue;
      }
      eligibleSum += eligible[i];
      for (int r = 0; r < routers; r++) {
        if (latency[i][r] >= 0) {
          delivered++;
          lat.add(latency[i][r]);
        }
      }
    }
    lat.sort(null);
    s.put("sybils", a.sybils());
    s.put("sybilConnections", sim.attackStats().connections);
    s.put("attackStartSeconds", round(from / 1e9));
    s.put("attackPhaseMessages", countFrom(from));
    s.put("attackPhaseDeliveryRatio", eligibleSum == 0 ? null : round((double) delivered / eligibleSum, 6));
    s.put("attackPhaseLatencyP50Ms", lat.isEmpty() ? null : round(lat.get(pct(lat.size(), 0.50)) / 1000.0));
    s.put("attackPhaseLatencyP99Ms", lat.isEmpty() ? null : round(lat.get(pct(lat.size(), 0.99)) / 1000.0));
    if (a.target() >= 0) {
      s.put("victim", "router " + a.target());
      s.put("victimDeliveryRatio", victimReceived(a.target(), 0));
      s.put("victimAttackPhaseDeliveryRatio", victimReceived(a.target(), from));
    } else if (a.censor() == Scenario.Censor.PUBLISHER) {
      int[] pubs = sim.publishers();
      s.put("victim", "publisher " + pubs[0]);
      s.put("victimDeliveryRatio", victimPublished(pubs.length, 0));
      s.put("victimAttackPhaseDeliveryRatio", victimPublished(pubs.length, from));
    }
    AttackStats st = sim.attackStats();
    s.put("sybilGraftsAccepted", st.sybilGrafts);
    s.put("sybilPrunedNegativeScore", st.prunedNegativeScore);
    s.put("sybilPrunedOversubscribed", st.prunedOversubscribed);
    s.put("sybilGraftsRefused", st.graftsRefused);
    s.put("sybilRpcsIgnoredGraylisted", st.graylistedRpcs);
    s.put("honestPrunedNegativeScore", st.honestPrunedNegativeScore);
    long meshSlots = 0;
    long sybilSlots = 0;
    long pairs = 0;
    long negative = 0;
    long graylisted = 0;
    java.util.Set<io.topicmesh.node.identity.PeerId> sybilIds = sim.sybilIds();
    double gray = sc.scoring().thresholds() == null
        ? io.topicmesh.node.pubsub.router.PeerScoreThresholds.defaults().graylistThreshold()
        : sc.scoring().thresholds().graylistThreshold();
    String topic = sc.messages().topic();
    for (SimNode n : sim.nodes()) {
      if (!n.online) {
        continue;
      }
      for (io.topicmesh.node.identity.PeerId p : n.router.meshPeers(topic)) {
        meshSlots++;
        if (sybilIds.contains(p)) {
          sybilSlots++;
        }
      }
      for (io.topicmesh.node.identity.PeerId p : n.links.keySet()) {
        if (sybilIds.contains(p)) {
          pairs++;
          double score = n.router.score(p);
          if (score < 0) {
            negative++;
          }
          if (score < gray) {
            graylisted++;
          }
        }
      }
    }
    s.put("endSybilMeshShare", meshSlots == 0 ? 0.0 : round((double) sybilSlots / meshSlots));
    s.put("endMeshSizeMean", round((double) meshSlots / Math.max(1, sim.nodes().size())));
    s.put("endSybilPairsNegative", negative);
    s.put("endSybilPairsGraylisted", graylisted);
    s.put("endSybilPairs", pairs);
    long dropped = 0;
    long ignored = 0;
    for (SimNode n : sim.sybilNodes()) {
      dropped += n.sybil.messagesDropped;
      ignored += n.sybil.iwantsIgnored;
    }
    s.put("sybilMessagesDropped", dropped);
    s.put("sybilIwantsIgnored", ignored);
  }

  private int countFrom(long from) {
    int n = 0;
    for (int i = 0; i < publishAt.length; i++) {
      if (published[i] && publishAt[i] >= from) {
        n++;
      }
    }
    return n;
  }

  private Double victimReceived(int target, long from) {
    long got = 0;
    long want = 0;
    for (int i = 0; i < publishAt.length; i++) {
      if (!published[i] || publishAt[i] < from || publisher[i] == target) {
        continue;
      }
      want++;
      if (latency[i][target] >= 0) {
        got++;
      }
    }
    return want == 0 ? null : round((double) got / want, 6);
  }

  private Double victimPublished(int publisherCount, long from) {
    long got = 0;
    long want = 0;
    for (int i = 0; i < publishAt.length; i += publisherCount) {
      if (!published[i] || publishAt[i] < from) {
        continue;
      }
      want += eligible[i];
      for (int r = 0; r < routers; r++) {
        if (latency[i][r] >= 0) {
          got++;
        }
      }
    }
    return want == 0 ? null : round((double) got / want, 6);
  }

  private Double histPct(double q) {
    long total = 0;
    for (long c : latencyHist) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    long want = Math.max(1, (long) Math.ceil(q * total));
    long acc = 0;
    for (int b = 0; b < BUCKETS; b++) {
      acc += latencyHist[b];
      if (acc >= want) {
        return round((b + 1) * BUCKET_MICROS / 1000.0);
      }
    }
    return null;
  }

  private static int pct(int n, double q) {
    return Math.max(0, Math.min(n - 1, (int) Math.ceil(q * n) - 1));
  }

  static double round(double v) {
    return round(v, 3);
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static long heapPeakMiB() {
    long peak = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && p.getPeakUsage() != null) {
        peak += p.getPeakUsage().getUsed();
      }
    }
    return peak >> 20;
  }
}
