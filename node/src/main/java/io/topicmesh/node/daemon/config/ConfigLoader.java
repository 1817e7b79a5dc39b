package io.topicmesh.node.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.pubsub.router.GossipParams;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import io.topicmesh.node.pubsub.router.SignaturePolicy;
import io.topicmesh.node.pubsub.router.TopicMeshParams;
import io.topicmesh.node.pubsub.router.TopicScoreParams;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds a {@link NodeConfig} from three layers: the config file (YAML or JSON), the environment and
 * the flags. Each layer is flattened to dotted keys ({@code admin.listen}, {@code params.d}); a later
 * layer replaces a key of an earlier one. Then every key is bound and checked: the first problem
 * throws a {@link ConfigException} naming the field, the value and what is allowed.
 *
 * <p>Environment: {@code TOPICMESH_<KEY>} with dots and camel case as underscores ({@code
 * TOPICMESH_ADMIN_LISTEN}, {@code TOPICMESH_PARAMS_D}); lists comma-separated. Kubernetes' downward
 * API: {@code POD_IP} (advertised address), {@code POD_NAMESPACE}, {@code POD_NAME}.
 */
public final class ConfigLoader {
  /** A config file larger than this is refused (it is a handful of lines). */
  public static final long MAX_FILE_BYTES = 1 << 20;

  private static final int MAX_LIST = 1024;
  /** Topic names the node keeps for itself (mesh probes); the same prefix as the probe package's. */
  public static final String RESERVED_TOPIC_PREFIX = "_topicmesh/";
  private static final Set<String> MUXERS = Set.of("yamux", "mplex");

  /** Top-level keys and sections the file may hold: those of {@link ConfigOptions#ALL}. */
  private static final List<String> KEYS = ConfigOptions.keys();

  /** Mesh probes are sent this often unless {@code probe.interval} says otherwise. */
  public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(5);
  /** The shortest probe interval accepted. */
  public static final Duration MIN_PROBE_INTERVAL = Duration.ofMillis(100);

  private ConfigLoader() {}

  /**
   * @param file the config file, or null
   * @param env the environment ({@code System.getenv()})
   * @param flags flag values by dotted key (only flags that were given)
   */
  public static NodeConfig load(Path file, Map<String, String> env, Map<String, Object> flags) {
    Map<String, Object> merged = new LinkedHashMap<>();
    if (file != null) {
      merged.putAll(readFile(file));
    }
    merged.putAll(fromEnv(env));
    merged.putAll(flags);
    return bind(merged);
  }

  /** Reads and flattens a YAML or JSON file (JSON is YAML). */
  static Map<String, Object> readFile(Path file) {
    String text;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new ConfigException("config", file, "file larger than " + MAX_FILE_BYTES + " bytes");
      }
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config", file, "cannot read the file (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
    return parse(text, file.toString());
  }

  static Map<String, Object> parse(String text, String source) {
    if (text.isBlank()) {
      return Map.of();
    }
    Object root;
    try {
      root = YAML.readValue(text, Object.class);
    } catch (JsonProcessingException e) {
      throw new ConfigException("config", source, syntaxError(e));
    }
    if (root == null) {
      return Map.of();
    }
    if (!(root instanceof Map<?, ?> m)) {
      throw new ConfigException("config", source, "must be a mapping of keys to values");
    }
    Map<String, Object> flat = new LinkedHashMap<>();
    flatten("", m, flat);
    return flat;
  }

  /** Duplicate keys are refused: the later one would silently win. */
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

  /**
   * A parse error in one line: where (line and column, 1-based) and what. SnakeYAML's own message
   * spans several lines (the offending line quoted, a caret under it, the context's position
   * repeated); the README promises one line for an invalid configuration.
   */
  static String syntaxError(JsonProcessingException e) {
    String where = "";
    String what = e.getOriginalMessage();
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
        what = (m.getContext() == null ? "" : m.getContext() + ": ") + m.getProblem();
        if (m.getProblemMark() != null) {
          where = " at line " + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1);
        }
        break;
      }
    }
    if (where.isEmpty() && e.getLocation() != null && e.getLocation().getLineNr() > 0) {
      where = " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
    }
    String line = (what == null ? e.getClass().getSimpleName() : what).replaceAll("\\s*\\R\\s*", " ").trim();
    return "not valid YAML or JSON" + where + ": " + line;
  }

  private static void flatten(String prefix, Map<?, ?> m, Map<String, Object> out) {
    for (var e : m.entrySet()) {
      String key = prefix + e.getKey();
      boolean section = key.equals("admin") || key.equals("redial") || key.equals("params") || key.equals("thresholds")
          || key.equals("probe");
      if (section) {
        if (!(e.getValue() instanceof Map<?, ?> inner)) {
          throw new ConfigException(key, e.getValue(), "must be a mapping");
        }
        flatten(key + ".", inner, out);
      } else {
        out.put(key, e.getValue());
      }
    }
  }

  static Map<String, Object> fromEnv(Map<String, String> env) {
    Map<String, Object> out = new LinkedHashMap<>();
    Map<String, String> byEnvName = new TreeMap<>();
    for (String k : KEYS) {
      if (!k.endsWith("*")) {
        byEnvName.put(envName(k), k);
      }
    }
    for (String p : ParamsCodec.names()) {
      byEnvName.put(envName("params." + p), "params." + p);
    }
    for (String p : ParamsCodec.toJson(PeerScoreThresholds.defaults()).keySet()) {
      byEnvName.put(envName("thresholds." + p), "thresholds." + p);
    }
    for (var e : byEnvName.entrySet()) {
      String v = env.get(e.getKey());
      if (v != null) {
        out.put(e.getValue(), fromText(e.getValue(), v));
      }
    }
    // A misspelled parameter is an error in a file; so it is in the environment (issue 15).
    for (var e : new TreeMap<>(env).entrySet()) {
      String k = e.getKey();
      if ((k.startsWith("TOPICMESH_PARAMS_") || k.startsWith("TOPICMESH_THRESHOLDS_")) && !byEnvName.containsKey(k)) {
        String section = k.startsWith("TOPICMESH_PARAMS_") ? "params." : "thresholds.";
        List<String> known = byEnvName.keySet().stream().filter(n -> byEnvName.get(n).startsWith(section)).toList();
        throw new ConfigException(k, e.getValue(), "unknown variable; known: " + String.join(", ", known));
      }
    }
    if (env.get("POD_IP") != null && !out.containsKey("advertise")) {
      out.put("advertise.podIp", env.get("POD_IP"));
    }
    if (env.get("POD_NAMESPACE") != null && !out.containsKey("namespace")) {
      out.put("namespace", env.get("POD_NAMESPACE"));
    }
    if (env.get("POD_NAME") != null && !out.containsKey("podName")) {
      out.put("podName", env.get("POD_NAME"));
    }
    return out;
  }

  /** Environment text to a value: numbers and booleans for params, the string otherwise. */
  private static Object fromText(String key, String v) {
    if (key.startsWith("params.") || key.startsWith("thresholds.")) {
      String t = v.trim();
      if (t.equals("true") || t.equals("false")) {
        return Boolean.parseBoolean(t);
      }
      try {
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        try {
          return Double.parseDouble(t);
        } catch (NumberFormatException e2) {
          return v;
        }
      }
    }
    return v;
  }

  /** {@code admin.tokenFile} → {@code TOPICMESH_ADMIN_TOKEN_FILE}. */
  public static String envName(String key) {
    StringBuilder b = new StringBuilder("TOPICMESH_");
    for (char c : key.toCharArray()) {
      if (c == '.') {
        b.append('_');
      } else if (Character.isUpperCase(c)) {
        b.append('_').append(c);
      } else {
        b.append(Character.toUpperCase(c));
      }
    }
    return b.toString();
  }

  static NodeConfig bind(Map<String, Object> m) {
    Map<String, Object> params = new LinkedHashMap<>();
    Map<String, Object> thresholds = new LinkedHashMap<>();
    for (var e : m.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("params.")) {
        params.put(k.substring("params.".length()), e.getValue());
      } else if (k.startsWith("thresholds.")) {
        thresholds.put(k.substring("thresholds.".length()), e.getValue());
      } else if (!KEYS.contains(k) && !k.equals("advertise.podIp")) {
        throw new ConfigException(k, e.getValue(), "unknown key; known: " + String.join(", ", KEYS));
      }
    }
    List<String> listen = multiaddrs("listen", orDefault(m, "listen"), false);
    if (listen.isEmpty()) {
      throw new ConfigException("listen", "[]", "at least one /ip4|ip6/…/tcp/<port> address");
    }
    List<String> advertise = multiaddrs("advertise", m.getOrDefault("advertise", List.of()), false);
    if (m.containsKey("advertise.podIp")) {
      advertise = podIpAdvertise((String) m.get("advertise.podIp"), listen);
    }
    List<String> muxers = strings("muxers", orDefault(m, "muxers"));
    for (String mx : muxers) {
      if (!MUXERS.contains(mx)) {
        throw new ConfigException("muxers", mx, "one of yamux, mplex");
      }
    }
    if (muxers.isEmpty()) {
      throw new ConfigException("muxers", "[]", "at least one of yamux, mplex");
    }
    List<DiscoverySpec> discovery = new ArrayList<>();
    for (String d : strings("discovery", m.getOrDefault("discovery", List.of()))) {
      discovery.add(DiscoverySpec.parse(d));
    }
    Duration redialMin = millis("redial.minMs", orDefault(m, "redial.minMs"), 10, 3_600_000);
    Duration redialMax = millis("redial.maxMs", orDefault(m, "redial.maxMs"), 10, 3_600_000);
    if (redialMax.compareTo(redialMin) < 0) {
      throw new ConfigException("redial.maxMs", redialMax.toMillis(), "must be >= redial.minMs (" + redialMin.toMillis() + ")");
    }
    GossipParams gp;
    PeerScoreThresholds th;
    gp = ParamsCodec.merge(GossipParams.defaults(), params, "params.");
    th = ParamsCodec.merge(PeerScoreThresholds.defaults(), thresholds, "thresholds.");
    Object ns = m.get("namespace");
    Topics topics = topics(m.getOrDefault("topics", List.of()));
    // a topic's mesh degrees: the given ones over params, checked as a whole as PUT /v1/topics/{t} does
    Map<String, TopicMeshParams> topicMesh = new LinkedHashMap<>();
    topics.meshes().forEach((t, mesh) -> topicMesh.put(t,
        ParamsCodec.merge(TopicMeshParams.class, TopicMeshParams.of(gp), mesh, "topics[" + t + "].mesh.")));
    Path tlsCert = path("admin.tlsCertFile", m.get("admin.tlsCertFile"));
    Path tlsKey = path("admin.tlsKeyFile", m.get("admin.tlsKeyFile"));
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ConfigException(tlsCert == null ? "admin.tlsCertFile" : "admin.tlsKeyFile", "(unset)",
          "admin.tlsCertFile and admin.tlsKeyFile go together: set both for TLS, or neither for plain HTTP");
    }
    Path adminToken = path("admin.tokenFile", m.get("admin.tokenFile"));
    Path publishToken = path("admin.publishTokenFile", m.get("admin.publishTokenFile"));
    Path subscribeToken = path("admin.subscribeTokenFile", m.get("admin.subscribeTokenFile"));
    Path statusToken = path("admin.statusTokenFile", m.get("admin.statusTokenFile"));
    boolean protectMetrics = bool("admin.protectMetrics", orDefault(m, "admin.protectMetrics"));
    boolean protectHealth = bool("admin.protectHealth", orDefault(m, "admin.protectHealth"));
    boolean anyToken = adminToken != null || publishToken != null || subscribeToken != null || statusToken != null;
    if ((protectMetrics || protectHealth) && !anyToken) {
      throw new ConfigException(protectMetrics ? "admin.protectMetrics" : "admin.protectHealth", true,
          "needs a token file (admin.tokenFile or admin.statusTokenFile) to check requests against");
    }
    return new NodeConfig(
        listen,
        advertise,
        multiaddrs("peers", m.getOrDefault("peers", List.of()), true),
        multiaddrs("directPeers", m.getOrDefault("directPeers", List.of()), true),
        topics.names(),
        topics.validation(),
        topics.scores(),
        topicMesh,
        topics.policy(),
        path("keyFile", m.get("keyFile")),
        bool("createKey", orDefault(m, "createKey")),
        muxers,
        (int) integer("maxConnections", orDefault(m, "maxConnections"), 1, 65_536),
        m.get("pingInterval") == null ? null : duration("pingInterval", m.get("pingInterval")),
        discovery,
        hostPort("dnsServer", m.get("dnsServer"), false),
        millis("discoveryIntervalMs", orDefault(m, "discoveryIntervalMs"), 100, 3_600_000),
        redialMin,
        redialMax,
        hostPort("admin.listen", m.get("admin.listen"), true),
        adminToken,
        publishToken,
        subscribeToken,
        statusToken,
        protectMetrics,
        protectHealth,
        tlsCert,
        tlsKey,
        (int) integer("admin.maxBodyBytes", orDefault(m, "admin.maxBodyBytes"), 1024, 64 << 20),
        gp,
        th,
        millis("shutdownGraceMs", orDefault(m, "shutdownGraceMs"), 100, 600_000),
        ns == null ? null : string("namespace", ns),
        m.get("podName") == null ? null : string("podName", m.get("podName")),
        m.get("cluster") == null ? null : string("cluster", m.get("cluster")),
        probeInterval(m));
  }

  /** {@code probe.enabled} (default true) and {@code probe.interval}: null when probes are off. */
  private static Duration probeInterval(Map<String, Object> m) {
    boolean on = bool("probe.enabled", m.getOrDefault("probe.enabled", true));
    Duration d = m.get("probe.interval") == null ? DEFAULT_PROBE_INTERVAL : duration("probe.interval", m.get("probe.interval"));
    if (d.compareTo(MIN_PROBE_INTERVAL) < 0) {
      throw new ConfigException("probe.interval", m.get("probe.interval"), "at least " + MIN_PROBE_INTERVAL.toMillis() + "ms");
    }
    return on ? d : null;
  }

  /** The key's value, else its default from {@link ConfigOptions}. */
  private static Object orDefault(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v != null ? v : ConfigOptions.defaultValue(key);
  }

  private static List<String> podIpAdvertise(String podIp, List<String> listen) {
    String proto = podIp.contains(":") ? "ip6" : "ip4";
    List<String> out = new ArrayList<>();
    for (String l : listen) {
      int port = Multiaddr.parse(l).tcpPort().orElse(4001);
      String a = "/" + proto + "/" + podIp + "/tcp/" + port;
      try {
        Multiaddr.parse(a);
      } catch (RuntimeException e) {
        throw new ConfigException("POD_IP", podIp, "an IPv4 or IPv6 address");
      }
      out.add(a);
    }
    return out;
  }

  /** Topic names, their validation modes, score parameters and signature policy, from names or operator objects. */
  record Topics(List<String> names, Map<String, String> validation, Map<String, TopicScoreParams> scores,
      SignaturePolicy policy, Map<String, Map<String, Object>> meshes) {}

  private static final Set<String> TOPIC_KEYS = Set.of("name", "validation", "score", "mesh");
  /** The validation modes a topic may ask for (the operator's {@code ValidationMode}). */
  public static final Set<String> MODES = Set.of("StrictSign", "StrictNoSign", "LaxSign", "LaxNoSign");

  /**
   * One topic's settings: an entry of the config file's {@code topics:} list, or the body of
   * {@code PUT /v1/topics/{t}}.
   *
   * @param name the topic
   * @param validation the validation mode asked for, or null when not given
   * @param score the topic's v1.1 score parameters (given members merged onto {@link
   *     TopicScoreParams#defaults()}), or null when the topic is not scored
   * @param mesh the topic's own mesh degrees (some of d, dlo, dhi, dscore, dout, dlazy; the rest
   *     from the node's parameters), or null when the topic uses the node's
   */
  public record TopicSettings(String name, String validation, TopicScoreParams score, Map<String, Object> mesh) {
    /** Settings without per-topic mesh degrees. */
    public TopicSettings(String name, String validation, TopicScoreParams score) {
      this(name, validation, score, null);
    }

    /** Whether the mode asks for unsigned messages. */
    public boolean noSign() {
      return validation != null && validation.endsWith("NoSign");
    }
  }

  private static Topics topics(Object v) {
    List<String> out = new ArrayList<>();
    Map<String, String> validation = new LinkedHashMap<>();
    Map<String, TopicScoreParams> scores = new LinkedHashMap<>();
    Map<String, Map<String, Object>> meshes = new LinkedHashMap<>();
    int noSign = 0;
    for (Object t : list("topics", v)) {
      TopicSettings ts;
      if (t instanceof Map<?, ?> obj) {
        ts = topic(obj, null);
      } else if (t instanceof String s) {
        ts = new TopicSettings(checkTopicName("topics", s.trim()), null, null);
      } else {
        throw new ConfigException("topics", t, "a topic name or an object with a string 'name'");
      }
      if (out.contains(ts.name())) {
        continue;
      }
      out.add(ts.name());
      if (ts.validation() != null) {
        validation.put(ts.name(), ts.validation());
        if (ts.noSign()) {
          noSign++;
        }
      }
      if (ts.score() != null) {
        scores.put(ts.name(), ts.score());
      }
      if (ts.mesh() != null) {
        meshes.put(ts.name(), ts.mesh());
      }
    }
    // The router has one policy for all topics; StrictNoSign only when every topic asks for it.
    SignaturePolicy policy = noSign > 0 && noSign == out.size() ? SignaturePolicy.STRICT_NO_SIGN : SignaturePolicy.STRICT_SIGN;
    return new Topics(out, validation, scores, policy, meshes);
  }

  /**
   * Binds one topic object {@code {name, validation, score}}.
   *
   * @param pathTopic null for a config file entry (fields are named {@code topics[<name>].…}); the
   *     topic of the request path for an admin API body (fields are named as in the body, and a
   *     {@code name}, when present, must equal it)
   * @throws ConfigException naming the field, the value and what is allowed
   */
  public static TopicSettings topic(Map<?, ?> obj, String pathTopic) {
    Object n = obj.get("name");
    String name;
    String prefix;
    if (pathTopic == null) {
      if (!(n instanceof String s)) {
        throw new ConfigException("topics", obj, "a topic name or an object with a string 'name'");
      }
      name = checkTopicName("topics", s);
      prefix = "topics[" + name + "].";
    } else {
      if (n != null && !pathTopic.equals(n)) {
        throw new ConfigException("name", n, "must equal the topic in the path (" + pathTopic + ") or be left out");
      }
      name = pathTopic;
      prefix = "";
    }
    for (Object k : obj.keySet()) {
      if (!TOPIC_KEYS.contains(String.valueOf(k))) {
        throw new ConfigException(prefix + k, obj.get(k), "unknown key; known: name, validation, score, mesh");
      }
    }
    String validation = null;
    Object mode = obj.get("validation");
    if (mode != null) {
      if (!MODES.contains(String.valueOf(mode))) {
        throw new ConfigException(prefix + "validation", mode, "one of " + String.join(", ", new java.util.TreeSet<>(MODES)));
      }
      validation = String.valueOf(mode);
    }
    TopicScoreParams score = null;
    Object sc = obj.get("score");
    if (sc != null) {
      if (!(sc instanceof Map<?, ?> sm)) {
        throw new ConfigException(prefix + "score", sc, "a mapping of topic score parameters");
      }
      Map<String, Object> changes = new LinkedHashMap<>();
      sm.forEach((k, x) -> changes.put(String.valueOf(k), x));
      score = ParamsCodec.merge(TopicScoreParams.class, TopicScoreParams.defaults(), changes, prefix + "score.");
    }
    Map<String, Object> mesh = null;
    Object me = obj.get("mesh");
    if (me != null) {
      if (!(me instanceof Map<?, ?> mm)) {
        throw new ConfigException(prefix + "mesh", me, "a mapping of mesh degrees (" + String.join(", ", io.topicmesh.api.GossipSchema.MESH_MEMBERS) + ")");
      }
      mesh = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : mm.entrySet()) {
        String k = String.valueOf(e.getKey());
        if (!MESH_KEYS.contains(k)) {
          throw new ConfigException(prefix + "mesh." + k, e.getValue(), "unknown key; known: " + String.join(", ", io.topicmesh.api.GossipSchema.MESH_MEMBERS));
        }
        mesh.put(k, e.getValue());
      }
      // the invariants are checked against the node's parameters when the settings are applied
    }
    return new TopicSettings(name, validation, score, mesh);
  }

  /** The members of a topic's {@code mesh:} mapping: its own mesh degrees over the global ones. */
  static final Set<String> MESH_KEYS = Set.copyOf(io.topicmesh.api.GossipSchema.MESH_MEMBERS);

  private static String checkTopicName(String field, String name) {
    if (!io.topicmesh.api.TopicNames.isValid(name)) {
      throw new ConfigException(field, name, io.topicmesh.api.TopicNames.RULE);
    }
    if (name.startsWith(RESERVED_TOPIC_PREFIX)) {
      throw new ConfigException(field, name, "topics starting with " + RESERVED_TOPIC_PREFIX + " are reserved for the node"
          + " (mesh probes)");
    }
    return name;
  }

  private static List<String> multiaddrs(String field, Object v, boolean needPeerId) {
    List<String> out = new ArrayList<>();
    for (String s : strings(field, v)) {
      Multiaddr a;
      try {
        a = Multiaddr.parse(s);
      } catch (RuntimeException e) {
        throw new ConfigException(field, s, "a multiaddr such as /ip4/127.0.0.1/tcp/4001 (" + e.getMessage() + ")");
      }
      // what the parser accepts: /p2p/<id> or its legacy name /ipfs/<id>
      if (needPeerId && a.peerId().isEmpty()) {
        throw new ConfigException(field, s, "a multiaddr ending in /p2p/<peer-id> (or /ipfs/<peer-id>)");
      }
      if (!needPeerId && a.tcpPort().isEmpty()) {
        throw new ConfigException(field, s, "a TCP multiaddr /ip4|ip6/<addr>/tcp/<port>");
      }
      out.add(s);
    }
    return out;
  }

  private static List<String> strings(String field, Object v) {
    List<String> out = new ArrayList<>();
    for (Object o : list(field, v)) {
      if (!(o instanceof String s) || s.isBlank()) {
        throw new ConfigException(field, o, "a list of non-empty strings");
      }
      out.add(s.trim());
    }
    return out;
  }

  private static List<?> list(String field, Object v) {
    List<?> l;
    if (v instanceof String s) {
      l = s.isBlank() ? List.of() : List.of(s.split(","));
    } else if (v instanceof List<?> ll) {
      l = ll;
    } else {
      throw new ConfigException(field, v, "a list (or a comma-separated string)");
    }
    if (l.size() > MAX_LIST) {
      throw new ConfigException(field, l.size() + " entries", "at most " + MAX_LIST);
    }
    return l;
  }

  private static String string(String field, Object v) {
    if (v instanceof String s && !s.isBlank() && s.length() <= 253) {
      return s;
    }
    throw new ConfigException(field, v, "a non-empty string of at most 253 characters");
  }

  private static Path path(String field, Object v) {
    if (v == null) {
      return null;
    }
    try {
      return Path.of(string(field, v));
    } catch (java.nio.file.InvalidPathException e) {
      throw new ConfigException(field, v, "a file path");
    }
  }

  private static boolean bool(String field, Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.trim().equals("true") || s.trim().equals("false"))) {
      return Boolean.parseBoolean(s.trim());
    }
    throw new ConfigException(field, v, "true or false");
  }

  private static long integer(String field, Object v, long min, long max) {
    long n;
    if (v instanceof Integer || v instanceof Long) {
      n = ((Number) v).longValue();
    } else if (v instanceof String s) {
      try {
        n = Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        throw new ConfigException(field, v, "an integer in [" + min + ", " + max + "]");
      }
    } else {
      throw new ConfigException(field, v, "an integer in [" + min + ", " + max + "]");
    }
    if (n < min || n > max) {
      throw new ConfigException(field, v, "an integer in [" + min + ", " + max + "]");
    }
    return n;
  }

  /**
   * A duration written for people: {@code 500ms}, {@code 5s}, {@code 1m} or ISO-8601 {@code PT5S};
   * greater than 0 and at most a day.
   */
  public static Duration duration(String field, Object v) {
    String allowed = "a duration such as 500ms, 5s, 1m or PT5S, greater than 0 and at most 24h";
    if (!(v instanceof String s)) {
      throw new ConfigException(field, v, allowed);
    }
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    Duration d = null;
    try {
      if (t.startsWith("pt")) {
        d = Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
      } else if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      }
    } catch (RuntimeException e) {
      d = null;
    }
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(1)) > 0) {
      throw new ConfigException(field, v, allowed);
    }
    return d;
  }

  private static Duration millis(String field, Object v, long min, long max) {
    return Duration.ofMillis(integer(field, v, min, max));
  }

  /** {@code host:port} or {@code [v6]:port}. */
  public static InetSocketAddress hostPort(String field, Object v, boolean allowZeroPort) {
    if (v == null) {
      return null;
    }
    String s = string(field, v);
    String allowed = "host:port, e.g. 0.0.0.0:9090 or [::1]:9090";
    int colon = s.lastIndexOf(':');
    if (colon <= 0) {
      throw new ConfigException(field, v, allowed);
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new ConfigException(field, v, allowed);
    }
    if (port < (allowZeroPort ? 0 : 1) || port > 65535 || host.isEmpty() || !host.matches("[A-Za-z0-9.:\\-]+")) {
      throw new ConfigException(field, v, allowed + " (port " + (allowZeroPort ? 0 : 1) + "-65535)");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }
}
