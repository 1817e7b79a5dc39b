package io.topicmesh.node.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.PeerScoreParams;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import io.topicmesh.node.pubsub.router.TopicScoreParams;
import io.topicmesh.node.pubsub.router.PubsubProtocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulation scenario, read from YAML or JSON (docs/simulation.md describes every field). Parsing
 * checks everything up front: an unknown field, a wrong type or an impossible value is a {@link
 * ScenarioException} naming the file and the field.
 */
public record Scenario(
    String name,
    long seed,
    int routers,
    double warmupSeconds,
    double drainSeconds,
    Topology topology,
    List<Region> regions,
    double[][] latencyMs,
    LinkLatency linkLatency,
    double jitterMs,
    double jitterFraction,
    double loss,
    LossMode lossMode,
    List<BandwidthClass> bandwidth,
    double validationDelayMs,
    PubsubProtocol protocol,
    int messageIdBytes,
    Publishers publishers,
    Messages messages,
    GossipParams params,
    List<Churn> churn,
    List<Fault> faults,
    Attack attack,
    Scoring scoring) {

  /** How the routers are connected. */
  public record Topology(String type, int degree, int connectionsPerNode, List<int[]> edges) {}

  /**
   * Per-connection latency on top of {@code latencyMs}: each connected pair gets its own latency,
   * uniform in {@code [minMs, maxMs]}, drawn from the seed and the pair (the same both ways and on
   * every reconnection). {@code NONE}: no extra latency.
   */
  public record LinkLatency(double minMs, double maxMs) {
    static final LinkLatency NONE = new LinkLatency(0, 0);

    public boolean active() {
      return maxMs > 0;
    }
  }

  /** A share of the routers placed in one region. */
  public record Region(String name, double share) {}

  /** A share of the routers with this uplink and downlink (bits per second; 0 = unlimited). */
  public record BandwidthClass(String name, double share, double upBitsPerSecond, double downBitsPerSecond) {}

  /** Who publishes: {@code count} random routers, or the listed router indices. */
  public record Publishers(int count, List<Integer> nodes) {}

  /** What is published: {@code count} messages of {@code sizeBytes}, {@code ratePerSecond} in all. */
  public record Messages(int sizeBytes, double ratePerSecond, int count, String topic) {}

  /** At {@code atSeconds} (after the start), {@code leave} online routers go, {@code join} offline ones come (back). */
  public record Churn(double atSeconds, int leave, int join) {}

  /** A fault from {@code atSeconds} for {@code durationSeconds}: a partition of regions, or extra loss. */
  public record Fault(double atSeconds, double durationSeconds, String type, List<String> regions, double rate) {}

  /**
   * Sybil attackers (docs/simulation.md, "Attacks"): {@code sybils} attacker hosts, each dialling
   * {@code degree} honest routers (or only {@code target}) at {@code connectAtSeconds}; they GRAFT
   * into every mesh, forward like honest peers until {@code attackAtSeconds}, then drop what they
   * should forward ({@code censor}: every message, or only the victim publisher's) and, with {@code
   * ihave}, advertise the dropped ids to {@code ihavePeers} peers per heartbeat without ever
   * answering IWANT. Pruned, they GRAFT again after {@code regraftBackoffSeconds} plus up to {@code
   * regraftJitterSeconds}. Honest routers connect to each other at {@code honestConnectAtSeconds}.
   * {@code sybilsPerIp} Sybils share one IP (P6). {@code sybils == 0}: no attack.
   */
  public record Attack(
      int sybils,
      int degree,
      int target,
      double connectAtSeconds,
      double attackAtSeconds,
      double honestConnectAtSeconds,
      Censor censor,
      boolean ihave,
      int ihavePeers,
      double regraftBackoffSeconds,
      double regraftJitterSeconds,
      int sybilsPerIp) {
    static final Attack NONE = new Attack(0, 0, -1, 0, 0, 0, Censor.ALL, false, 0, 60, 15, 1);

    public boolean active() {
      return sybils > 0;
    }
  }

  /** What attacking Sybils drop: every message, or only those of the victim publisher (the first publisher). */
  public enum Censor { ALL, PUBLISHER }

  /**
   * Peer scoring of the honest routers: {@code null} parameters mean the router's built-in defaults
   * (scenarios without a {@code score} section); {@code enabled == false} means every score is 0.
   */
  public record Scoring(boolean enabled, PeerScoreParams params, PeerScoreThresholds thresholds) {
    static final Scoring ROUTER_DEFAULTS = new Scoring(true, null, null);
  }

  /** What a lost packet costs: a TCP retransmission delay (the stream is reliable), or the RPC is dropped. */
  public enum LossMode { RETRANSMIT, DROP }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Reads a scenario file (YAML or JSON); a topology file is resolved against its directory. */
  public static Scenario load(Path file) {
    return load(file, Map.of());
  }

  /**
   * Reads a scenario file with {@code overrides} applied first: dotted field paths ({@code routers},
   * {@code params.d}, {@code messages.count}) to YAML scalars, as {@code sim --set} gives them.
   */
  public static Scenario load(Path file, Map<String, String> overrides) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ScenarioException(file.toString(), "", "cannot read: " + e.getMessage());
    }
    Path dir = file.toAbsolutePath().getParent();
    return parse(text, file.toString(), dir, overrides);
  }

  /** Parses scenario text; {@code source} names it in errors, {@code dir} resolves relative files. */
  public static Scenario parse(String text, String source, Path dir) {
    return parse(text, source, dir, Map.of());
  }

  static Scenario parse(String text, String source, Path dir, Map<String, String> overrides) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ScenarioException(source, "", "not valid YAML/JSON: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new ScenarioException(source, "", "expected a mapping of scenario fields at the top level");
    }
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      override((ObjectNode) root, o.getKey(), o.getValue(), source);
    }
    return new Reader(source, dir).scenario((ObjectNode) root);
  }

  private static void override(ObjectNode root, String path, String value, String source) {
    String[] parts = path.split("\\.");
    ObjectNode at = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode next = at.get(parts[i]);
      if (next == null || next.isNull()) {
        next = at.putObject(parts[i]);
      }
      if (!next.isObject()) {
        throw new ScenarioException(source, path, "--set cannot go inside " + parts[i] + ", which is not a mapping");
      }
      at = (ObjectNode) next;
    }
    JsonNode v;
    try {
      v = YAML.readTree(value);
    } catch (JsonProcessingException e) {
      throw new ScenarioException(source, path, "--set value '" + value + "' is not a YAML value");
    }
    at.set(parts[parts.length - 1], v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v);
  }

  /** Scheduled end of publishing, seconds after the start. */
  public double publishEndSeconds() {
    return warmupSeconds + (messages.count - 1) / messages.ratePerSecond;
  }

  /** Virtual seconds simulated in all. */
  public double totalSeconds() {
    return publishEndSeconds() + drainSeconds;
  }

  private static final class Reader {
    private final String source;
    private final Path dir;

    Reader(String source, Path dir) {
      this.source = source;
      this.dir = dir;
    }

    private ScenarioException bad(String field, String problem) {
      return new ScenarioException(source, field, problem);
    }

    private void known(ObjectNode n, String prefix, String... names) {
      Set<String> ok = new LinkedHashSet<>(List.of(names));
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!ok.contains(f)) {
          throw bad(prefix + f, "unknown field (known: " + String.join(", ", ok) + ")");
        }
      }
    }

    private ObjectNode object(JsonNode parent, String name, String path, boolean required) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        if (required) {
          throw bad(path, "required");
        }
        return null;
      }
      if (!n.isObject()) {
        throw bad(path, "expected a mapping, got " + kind(n));
      }
      return (ObjectNode) n;
    }

    private static String kind(JsonNode n) {
      return n.isTextual() ? "the text '" + n.asText() + "'" : n.getNodeType().toString().toLowerCase() + " " + n;
    }

    private double number(JsonNode parent, String name, String path, Double dflt, double min, double max) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        if (dflt == null) {
          throw bad(path, "required");
        }
        return dflt;
      }
      if (!n.isNumber()) {
        throw bad(path, "expected a number, got " + kind(n));
      }
      double v = n.asDouble();
      if (!(v >= min && v <= max)) {
        throw bad(path, "must be between " + fmt(min) + " and " + fmt(max) + ", got " + fmt(v));
      }
      return v;
    }

    private int integer(JsonNode parent, String name, String path, Integer dflt, int min, int max) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        if (dflt == null) {
          throw bad(path, "required");
        }
        return dflt;
      }
      if (!n.isIntegralNumber()) {
        throw bad(path, "expected a whole number, got " + kind(n));
      }
      long v = n.asLong();
      if (v < min || v > max) {
        throw bad(path, "must be between " + min + " and " + max + ", got " + v);
      }
      return (int) v;
    }

    private String text(JsonNode parent, String name, String path, String dflt) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        if (dflt == null) {
          throw bad(path, "required");
        }
        return dflt;
      }
      if (!n.isTextual() && !n.isNumber()) {
        throw bad(path, "expected text, got " + kind(n));
      }
      return n.asText();
    }

    private boolean bool(JsonNode parent, String name, String path, boolean dflt) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        return dflt;
      }
      if (!n.isBoolean()) {
        throw bad(path, "expected true or false, got " + kind(n));
      }
      return n.asBoolean();
    }

    private List<JsonNode> list(JsonNode parent, String name, String path) {
      JsonNode n = parent.get(name);
      if (n == null || n.isNull()) {
        return List.of();
      }
      if (!n.isArray()) {
        throw bad(path, "expected a list, got " + kind(n));
      }
      List<JsonNode> out = new ArrayList<>();
      n.forEach(out::add);
      return out;
    }

    private static String fmt(double v) {
      return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    Scenario scenario(ObjectNode root) {
      known(root, "", "name", "seed", "routers", "warmupSeconds", "drainSeconds", "topology", "regions",
          "latencyMs", "linkLatencyMs", "jitterMs", "jitterFraction", "loss", "lossMode", "bandwidth", "validationDelayMs", "protocol", "idontwant",
          "messageIdBytes", "publishers", "messages", "params", "churn", "faults", "attack", "score");
      String name = text(root, "name", "name", "scenario");
      long seed = (long) number(root, "seed", "seed", 1.0, Long.MIN_VALUE, Long.MAX_VALUE);
      int routers = integer(root, "routers", "routers", null, 2, 1_000_000);
      double warmup = number(root, "warmupSeconds", "warmupSeconds", 10.0, 0, 86_400);
      double drain = number(root, "drainSeconds", "drainSeconds", 5.0, 0, 86_400);
      Topology topology = topology(root, routers);
      List<Region> regions = regions(root);
      double[][] latency = latency(root, regions);
      LinkLatency linkLatency = linkLatency(root);
      double jitter = number(root, "jitterMs", "jitterMs", 0.0, 0, 60_000);
      double jitterFraction = number(root, "jitterFraction", "jitterFraction", 0.0, 0, 10);
      double loss = number(root, "loss", "loss", 0.0, 0, 0.99);
      String lm = text(root, "lossMode", "lossMode", "retransmit");
      LossMode lossMode = switch (lm) {
        case "retransmit" -> LossMode.RETRANSMIT;
        case "drop" -> LossMode.DROP;
        default -> throw bad("lossMode", "expected retransmit or drop, got '" + lm + "'");
      };
      List<BandwidthClass> bandwidth = bandwidth(root);
      double validationDelay = number(root, "validationDelayMs", "validationDelayMs", 0.0, 0, 60_000);
      String proto = text(root, "protocol", "protocol", "1.2");
      PubsubProtocol protocol = switch (proto) {
        case "1.2", "/meshsub/1.2.0" -> PubsubProtocol.MESHSUB_V12;
        case "1.1", "/meshsub/1.1.0" -> PubsubProtocol.MESHSUB_V11;
        case "1.0", "/meshsub/1.0.0" -> PubsubProtocol.MESHSUB_V10;
        default -> throw bad("protocol", "expected 1.0, 1.1 or 1.2 (gossipsub version), got '" + proto + "'");
      };
      boolean idontwant = bool(root, "idontwant", "idontwant", true);
      if (!idontwant && protocol == PubsubProtocol.MESHSUB_V12) {
        // IDONTWANT is what 1.2 adds to 1.1: without it the links speak 1.1.
        protocol = PubsubProtocol.MESHSUB_V11;
      }
      int idBytes = integer(root, "messageIdBytes", "messageIdBytes", 20, 4, 256);
      Messages messages = messages(root);
      Publishers publishers = publishers(root, routers);
      GossipParams params = params(root);
      List<Churn> churn = churn(root);
      List<Fault> faults = faults(root, regions);
      Attack attack = attack(root, routers);
      Scoring scoring = scoring(root, messages.topic());
      return new Scenario(name, seed, routers, warmup, drain, topology, regions, latency, linkLatency, jitter, jitterFraction,
          loss, lossMode,
          bandwidth, validationDelay, protocol, idBytes, publishers, messages, params, churn, faults, attack, scoring);
    }

    private Topology topology(ObjectNode root, int routers) {
      ObjectNode t = object(root, "topology", "topology", true);
      known(t, "topology.", "type", "degree", "connectionsPerNode", "file");
      String type = text(t, "type", "topology.type", null);
      switch (type) {
        case "random-regular" -> {
          int degree = integer(t, "degree", "topology.degree", null, 1, routers - 1);
          if ((long) degree * routers % 2 != 0) {
            throw bad("topology.degree", "degree x routers must be even for a regular graph, got "
                + degree + " x " + routers);
          }
          return new Topology(type, degree, 0, null);
        }
        case "min-degree" -> {
          int degree = integer(t, "degree", "topology.degree", null, 1, routers - 1);
          return new Topology(type, degree, 0, null);
        }
        case "connections" -> {
          int c = integer(t, "connectionsPerNode", "topology.connectionsPerNode", null, 1, routers - 1);
          return new Topology(type, 0, c, null);
        }
        case "file" -> {
          String f = text(t, "file", "topology.file", null);
          Path p = dir == null ? Path.of(f) : dir.resolve(f);
          return new Topology(type, 0, 0, edges(p, routers));
        }
        default -> throw bad("topology.type", "expected random-regular, min-degree, connections or file, got '" + type + "'");
      }
    }

    private List<int[]> edges(Path p, int routers) {
      List<String> lines;
      try {
        lines = Files.readAllLines(p);
      } catch (IOException e) {
        throw bad("topology.file", "cannot read " + p + ": " + e.getMessage());
      }
      List<int[]> edges = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i).strip();
        if (l.isEmpty() || l.startsWith("#")) {
          continue;
        }
        String[] parts = l.split("[\\s,]+");
        String where = p + " line " + (i + 1);
        if (parts.length != 2) {
          throw bad("topology.file", where + ": expected two router indices 'dialer listener', got '" + l + "'");
        }
        int a;
        int b;
        try {
          a = Integer.parseInt(parts[0]);
          b = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
          throw bad("topology.file", where + ": not a router index: '" + l + "'");
        }
        if (a < 0 || b < 0 || a >= routers || b >= routers || a == b) {
          throw bad("topology.file", where + ": indices must differ and lie in 0.." + (routers - 1) + ", got '" + l + "'");
        }
        edges.add(new int[] {a, b});
      }
      if (edges.isEmpty()) {
        throw bad("topology.file", p + " holds no edges");
      }
      return edges;
    }

    private List<Region> regions(ObjectNode root) {
      List<JsonNode> rs = list(root, "regions", "regions");
      if (rs.isEmpty()) {
        return List.of(new Region("all", 1));
      }
      List<Region> out = new ArrayList<>();
      Set<String> names = new LinkedHashSet<>();
      double total = 0;
      for (int i = 0; i < rs.size(); i++) {
        String path = "regions[" + i + "]";
        if (!rs.get(i).isObject()) {
          throw bad(path, "expected a mapping {name, share}");
        }
        ObjectNode r = (ObjectNode) rs.get(i);
        known(r, path + ".", "name", "share");
        String n = text(r, "name", path + ".name", null);
        if (!names.add(n)) {
          throw bad(path + ".name", "region '" + n + "' listed twice");
        }
        double share = number(r, "share", path + ".share", null, 0, 1);
        total += share;
        out.add(new Region(n, share));
      }
      if (Math.abs(total - 1) > 1e-6) {
        throw bad("regions", "shares must add up to 1, they add up to " + total);
      }
      return out;
    }

    private LinkLatency linkLatency(ObjectNode root) {
      ObjectNode l = object(root, "linkLatencyMs", "linkLatencyMs", false);
      if (l == null) {
        return LinkLatency.NONE;
      }
      known(l, "linkLatencyMs.", "min", "max");
      double min = number(l, "min", "linkLatencyMs.min", null, 0, 60_000);
      double max = number(l, "max", "linkLatencyMs.max", null, 0, 60_000);
      if (max < min) {
        throw bad("linkLatencyMs", "max (" + fmt(max) + ") must not be below min (" + fmt(min) + ")");
      }
      return new LinkLatency(min, max);
    }

    private double[][] latency(ObjectNode root, List<Region> regions) {
      int n = regions.size();
      double[][] m = new double[n][n];
      JsonNode l = root.get("latencyMs");
      if (l == null || l.isNull() || l.isNumber()) {
        double v = number(root, "latencyMs", "latencyMs", 0.0, 0, 60_000);
        for (double[] row : m) {
          java.util.Arrays.fill(row, v);
        }
        return m;
      }
      if (!l.isObject()) {
        throw bad("latencyMs", "expected a number (every link) or a matrix {region: {region: ms}}, got " + kind(l));
      }
      Map<String, Integer> idx = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        idx.put(regions.get(i).name(), i);
      }
      for (double[] row : m) {
        java.util.Arrays.fill(row, -1);
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext(); ) {
        var e = it.next();
        Integer a = idx.get(e.getKey());
        if (a == null) {
          throw bad("latencyMs." + e.getKey(), "no such region (regions: " + idx.keySet() + ")");
        }
        if (!e.getValue().isObject()) {
          throw bad("latencyMs." + e.getKey(), "expected a mapping {region: ms}");
        }
        for (Iterator<String> f = e.getValue().fieldNames(); f.hasNext(); ) {
          String to = f.next();
          Integer b = idx.get(to);
          String path = "latencyMs." + e.getKey() + "." + to;
          if (b == null) {
            throw bad(path, "no such region (regions: " + idx.keySet() + ")");
          }
          double v = number(e.getValue(), to, path, null, 0, 60_000);
          if (m[a][b] >= 0 && m[a][b] != v) {
            throw bad(path, "contradicts the reverse entry (" + fmt(m[a][b]) + " ms): latency is symmetric");
          }
          m[a][b] = v;
          m[b][a] = v;
        }
      }
      for (int a = 0; a < n; a++) {
        for (int b = 0; b < n; b++) {
          if (m[a][b] < 0) {
            throw bad("latencyMs", "no latency between " + regions.get(a).name() + " and " + regions.get(b).name());
          }
        }
      }
      return m;
    }

    private List<BandwidthClass> bandwidth(ObjectNode root) {
      List<JsonNode> bs = list(root, "bandwidth", "bandwidth");
      if (bs.isEmpty()) {
        return List.of(new BandwidthClass("unlimited", 1, 0, 0));
      }
      List<BandwidthClass> out = new ArrayList<>();
      double total = 0;
      for (int i = 0; i < bs.size(); i++) {
        String path = "bandwidth[" + i + "]";
        if (!bs.get(i).isObject()) {
          throw bad(path, "expected a mapping {name, share, upMbps, downMbps}");
        }
        ObjectNode b = (ObjectNode) bs.get(i);
        known(b, path + ".", "name", "share", "upMbps", "downMbps", "mbps");
        String n = text(b, "name", path + ".name", "class" + i);
        double share = number(b, "share", path + ".share", null, 0, 1);
        Double both = b.has("mbps") ? number(b, "mbps", path + ".mbps", null, 0.001, 1e6) : null;
        double up = number(b, "upMbps", path + ".upMbps", both, 0.001, 1e6);
        double down = number(b, "downMbps", path + ".downMbps", both, 0.001, 1e6);
        total += share;
        out.add(new BandwidthClass(n, share, up * 1e6, down * 1e6));
      }
      if (Math.abs(total - 1) > 1e-6) {
        throw bad("bandwidth", "shares must add up to 1, they add up to " + total);
      }
      return out;
    }

    private Messages messages(ObjectNode root) {
      ObjectNode m = object(root, "messages", "messages", true);
      known(m, "messages.", "sizeBytes", "ratePerSecond", "count", "topic");
      int size = integer(m, "sizeBytes", "messages.sizeBytes", null, 8, 4 << 20);
      double rate = number(m, "ratePerSecond", "messages.ratePerSecond", null, 1e-6, 1e6);
      int count = integer(m, "count", "messages.count", null, 1, 100_000_000);
      String topic = text(m, "topic", "messages.topic", "sim");
      return new Messages(size, rate, count, topic);
    }

    private Publishers publishers(ObjectNode root, int routers) {
      JsonNode p = root.get("publishers");
      if (p == null || p.isNull()) {
        return new Publishers(1, List.of());
      }
      if (p.isIntegralNumber()) {
        return new Publishers(integer(root, "publishers", "publishers", null, 1, routers), List.of());
      }
      if (!p.isArray()) {
        throw bad("publishers", "expected a number of random publishers or a list of router indices, got " + kind(p));
      }
      List<Integer> nodes = new ArrayList<>();
      for (int i = 0; i < p.size(); i++) {
        JsonNode n = p.get(i);
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() >= routers) {
          throw bad("publishers[" + i + "]", "expected a router index in 0.." + (routers - 1) + ", got " + kind(n));
        }
        nodes.add(n.asInt());
      }
      if (nodes.isEmpty()) {
        throw bad("publishers", "the list is empty");
      }
      return new Publishers(nodes.size(), List.copyOf(nodes));
    }

    private GossipParams params(ObjectNode root) {
      ObjectNode p = object(root, "params", "params", false);
      if (p == null) {
        return GossipParams.defaults();
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> changes = YAML.convertValue(p, Map.class);
      try {
        return ParamsCodec.merge(GossipParams.defaults(), changes, "params.");
      } catch (ConfigException e) {
        throw bad("", e.getMessage());
      }
    }

    private List<Churn> churn(ObjectNode root) {
      List<Churn> out = new ArrayList<>();
      List<JsonNode> cs = list(root, "churn", "churn");
      for (int i = 0; i < cs.size(); i++) {
        String path = "churn[" + i + "]";
        if (!cs.get(i).isObject()) {
          throw bad(path, "expected a mapping {atSeconds, leave, join}");
        }
        ObjectNode c = (ObjectNode) cs.get(i);
        known(c, path + ".", "atSeconds", "leave", "join");
        double at = number(c, "atSeconds", path + ".atSeconds", null, 0, 86_400);
        int leave = integer(c, "leave", path + ".leave", 0, 0, 1_000_000);
        int join = integer(c, "join", path + ".join", 0, 0, 1_000_000);
        if (leave == 0 && join == 0) {
          throw bad(path, "neither leave nor join is set");
        }
        out.add(new Churn(at, leave, join));
      }
      return out;
    }

    private Attack attack(ObjectNode root, int routers) {
      ObjectNode a = object(root, "attack", "attack", false);
      if (a == null) {
        return Attack.NONE;
      }
      known(a, "attack.", "sybils", "degree", "target", "connectAtSeconds", "attackAtSeconds",
          "honestConnectAtSeconds", "censor", "ihave", "ihavePeers", "regraftBackoffSeconds", "regraftJitterSeconds",
          "sybilsPerIp");
      int sybils = integer(a, "sybils", "attack.sybils", null, 0, 1_000_000);
      int target = integer(a, "target", "attack.target", -1, -1, routers - 1);
      int degree = integer(a, "degree", "attack.degree", target >= 0 ? 1 : null, 1, routers);
      if (target >= 0 && degree != 1) {
        throw bad("attack.degree", "must be 1 with a target (every Sybil dials the target only), got " + degree);
      }
      double connectAt = number(a, "connectAtSeconds", "attack.connectAtSeconds", 0.0, 0, 86_400);
      double attackAt = number(a, "attackAtSeconds", "attack.attackAtSeconds", connectAt, 0, 86_400);
      double honestAt = number(a, "honestConnectAtSeconds", "attack.honestConnectAtSeconds", 0.0, 0, 86_400);
      String c = text(a, "censor", "attack.censor", "all");
      Censor censor = switch (c) {
        case "all" -> Censor.ALL;
        case "publisher" -> Censor.PUBLISHER;
        default -> throw bad("attack.censor", "expected all or publisher, got '" + c + "'");
      };
      boolean ihave = bool(a, "ihave", "attack.ihave", true);
      int ihavePeers = integer(a, "ihavePeers", "attack.ihavePeers", 3, 0, 1_000_000);
      double backoff = number(a, "regraftBackoffSeconds", "attack.regraftBackoffSeconds", 60.0, 0, 86_400);
      double jitter = number(a, "regraftJitterSeconds", "attack.regraftJitterSeconds", 15.0, 0, 86_400);
      int perIp = integer(a, "sybilsPerIp", "attack.sybilsPerIp", 1, 1, 1_000_000);
      return new Attack(sybils, degree, target, connectAt, attackAt, honestAt, censor, ihave, ihavePeers, backoff,
          jitter, perIp);
    }

    private static final List<String> PEER_SCORE_FIELDS = List.of("topicScoreCap", "appSpecificWeight",
        "ipColocationFactorWeight", "ipColocationFactorThreshold", "behaviourPenaltyWeight",
        "behaviourPenaltyThreshold", "behaviourPenaltyDecay", "decayIntervalMs", "decayToZero", "retainScoreMs");

    /**
     * {@code score:}: {@code enabled}, and every member of {@code thresholds}, {@code peer} and {@code
     * topic} set explicitly (a missing one is an error), so that a scenario never depends on the
     * router's default numbers.
     */
    private Scoring scoring(ObjectNode root, String topic) {
      ObjectNode s = object(root, "score", "score", false);
      if (s == null) {
        return Scoring.ROUTER_DEFAULTS;
      }
      known(s, "score.", "enabled", "thresholds", "peer", "topic");
      boolean enabled = bool(s, "enabled", "score.enabled", true);
      ObjectNode th = object(s, "thresholds", "score.thresholds", true);
      ObjectNode pe = object(s, "peer", "score.peer", true);
      ObjectNode to = object(s, "topic", "score.topic", true);
      PeerScoreThresholds thresholds = complete(PeerScoreThresholds.class, PeerScoreThresholds.defaults(),
          ParamsCodec.toJson(PeerScoreThresholds.defaults()).keySet(), th, "score.thresholds.");
      TopicScoreParams tp = complete(TopicScoreParams.class, TopicScoreParams.defaults(),
          ParamsCodec.toJson(TopicScoreParams.defaults()).keySet(), to, "score.topic.");
      known(pe, "score.peer.", PEER_SCORE_FIELDS.toArray(String[]::new));
      for (String f : PEER_SCORE_FIELDS) {
        if (!pe.has(f)) {
          throw bad("score.peer." + f, "required (set every member of score.peer explicitly)");
        }
      }
      PeerScoreParams params;
      try {
        params = new PeerScoreParams(Map.of(topic, tp),
            number(pe, "topicScoreCap", "score.peer.topicScoreCap", null, 0, 1e12),
            number(pe, "appSpecificWeight", "score.peer.appSpecificWeight", null, -1e12, 1e12),
            number(pe, "ipColocationFactorWeight", "score.peer.ipColocationFactorWeight", null, -1e12, 0),
            integer(pe, "ipColocationFactorThreshold", "score.peer.ipColocationFactorThreshold", null, 1, 1_000_000),
            Set.of(),
            number(pe, "behaviourPenaltyWeight", "score.peer.behaviourPenaltyWeight", null, -1e12, 0),
            number(pe, "behaviourPenaltyThreshold", "score.peer.behaviourPenaltyThreshold", null, 0, 1e12),
            number(pe, "behaviourPenaltyDecay", "score.peer.behaviourPenaltyDecay", null, 0, 1),
            java.time.Duration.ofMillis((long) number(pe, "decayIntervalMs", "score.peer.decayIntervalMs", null, 1, 1e9)),
            number(pe, "decayToZero", "score.peer.decayToZero", null, 0, 1),
            java.time.Duration.ofMillis((long) number(pe, "retainScoreMs", "score.peer.retainScoreMs", null, 0, 1e12)));
      } catch (io.topicmesh.node.pubsub.router.InvalidParamsException e) {
        throw bad("score.peer", e.getMessage());
      }
      if (!enabled) {
        // Scoring off: no topic is scored and P5/P6/P7 weigh nothing, so every peer's score is 0
        // and no threshold is ever crossed (v1.1's other defences, backoff, Dout, flood publishing, stay).
        params = new PeerScoreParams(Map.of(), 0, 0, 0, 1, Set.of(), 0, 0, 0.5, java.time.Duration.ofSeconds(1),
            0.1, java.time.Duration.ZERO);
      }
      return new Scoring(enabled, params, thresholds);
    }

    private <T extends Record> T complete(Class<T> type, T base, Set<String> members, ObjectNode n, String prefix) {
      @SuppressWarnings("unchecked")
      Map<String, Object> changes = YAML.convertValue(n, Map.class);
      for (String k : members) {
        if (!changes.containsKey(k)) {
          throw bad(prefix + k, "required (set every member of " + prefix.substring(0, prefix.length() - 1)
              + " explicitly, so that the scenario does not depend on the router's defaults)");
        }
      }
      try {
        return ParamsCodec.merge(type, base, changes, prefix);
      } catch (ConfigException e) {
        throw bad("", e.getMessage());
      }
    }

    private List<Fault> faults(ObjectNode root, List<Region> regions) {
      List<Fault> out = new ArrayList<>();
      List<JsonNode> fs = list(root, "faults", "faults");
      Set<String> names = new LinkedHashSet<>();
      regions.forEach(r -> names.add(r.name()));
      for (int i = 0; i < fs.size(); i++) {
        String path = "faults[" + i + "]";
        if (!fs.get(i).isObject()) {
          throw bad(path, "expected a mapping {type, atSeconds, durationSeconds, ...}");
        }
        ObjectNode f = (ObjectNode) fs.get(i);
        known(f, path + ".", "type", "atSeconds", "durationSeconds", "regions", "rate");
        String type = text(f, "type", path + ".type", null);
        double at = number(f, "atSeconds", path + ".atSeconds", null, 0, 86_400);
        double dur = number(f, "durationSeconds", path + ".durationSeconds", null, 0, 86_400);
        List<String> rs = new ArrayList<>();
        double rate = 0;
        switch (type) {
          case "partition" -> {
            for (JsonNode r : list(f, "regions", path + ".regions")) {
              if (!names.contains(r.asText())) {
                throw bad(path + ".regions", "no such region '" + r.asText() + "' (regions: " + names + ")");
              }
              rs.add(r.asText());
            }
            if (rs.isEmpty() || rs.size() == names.size()) {
              throw bad(path + ".regions", "list the regions cut off from the others (some, not all)");
            }
          }
          case "loss" -> rate = number(f, "rate", path + ".rate", null, 0, 1);
          default -> throw bad(path + ".type", "expected partition or loss, got '" + type + "'");
        }
        out.add(new Fault(at, dur, type, List.copyOf(rs), rate));
      }
      return out;
    }
  }
}
