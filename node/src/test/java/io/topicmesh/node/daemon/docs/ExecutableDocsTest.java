package io.topicmesh.node.daemon.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.Main;
import io.topicmesh.node.daemon.Metrics;
import io.topicmesh.node.daemon.admin.AdminServer;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.ConfigOptions;
import io.topicmesh.node.daemon.config.ParamsCodec;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.router.PeerScoreThresholds;
import io.topicmesh.node.pubsub.router.TopicScoreParams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * README.md and docs/*.md, executed: their command lines parse as the CLI parses them (and the
 * README's client commands run against a live node), their flags are in the real {@code --help},
 * their config keys and {@code TOPICMESH_*} variables are the option table's ({@link ConfigOptions}),
 * their admin endpoints answer on a live node on 127.0.0.1 and their metric names are on its
 * /metrics. The node has a peer and has carried a message, so the metrics that appear with traffic
 * exist, and the event counters are registered at 0 from the start; the few that need more (a duplicate, a
 * forward, a backpressure pause) are in {@link #METRICS_WITHOUT_TRAFFIC}
 * with the reason.
 */
class ExecutableDocsTest {
  static final Path ROOT = Path.of("..");
  static final Set<String> SUBCOMMANDS = new CommandLine(new Main()).getSubcommands().keySet();
  static final Set<String> ENV_PREFIXES = Set.of("TOPICMESH_", "TOPICMESH_PARAMS_", "TOPICMESH_THRESHOLDS_");

  /**
   * Metric names the docs may use that a node with one peer and one message does not expose, each
   * with why. A prefix ends in {@code _}.
   */
  static final Map<String, String> METRICS_WITHOUT_TRAFFIC = Map.ofEntries(
      Map.entry("topicmesh_operator_", "the operator's metrics, not a node's: checked against the operator's"
          + " sources below and on a live operator by e2e PrometheusDashboardsIT"),
      Map.entry("topicmesh_pubsub_backpressure_pauses_total", "counted at the first backpressure pause"),
      Map.entry("topicmesh_pubsub_messages_duplicate_total", "counted at the first duplicate, which takes three nodes"),
      Map.entry("topicmesh_pubsub_messages_forwarded_total", "counted at the first forward, which takes three nodes"),
      Map.entry("topicmesh_pubsub_control_ids_total", "counted at the first IHAVE/IWANT/IDONTWANT id"),
      Map.entry("topicmesh_pubsub_lock_hold_cpu_seconds", "only with -Dtopicmesh.mutexCpuTime=true (the thread CPU"
          + " clock costs a system call per hold); MetricsObserverTest covers it"),
      Map.entry("topicmesh_node_delivery_dropped", "a former name, in docs/observability.md's closed gap 6"),
      Map.entry("topicmesh_pubsub_first_delivery_latency_seconds",
          "a former name, in docs/observability.md's closed gap 8"));

  private static Daemon node;
  private static Daemon peer;
  private static AdminServer admin;
  private static String adminUrl;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private static final String TOPIC = "docs-topic";

  @BeforeAll
  static void startNodeWithAPeerAndTraffic() throws Exception {
    node = daemon(Map.of("topics", List.of("news", TOPIC)));
    node.start();
    admin = new AdminServer(node, new InetSocketAddress("127.0.0.1", 0), null, 1 << 20);
    admin.start();
    adminUrl = "http://127.0.0.1:" + admin.address().getPort();
    peer = daemon(Map.of("topics", List.of("news", TOPIC),
        "peers", List.of(node.host().listenAddresses().get(0).toString())));
    peer.start();
    await("each has the other's message").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          node.publish("news", "docs".getBytes(StandardCharsets.UTF_8));
          peer.publish("news", "docs".getBytes(StandardCharsets.UTF_8));
          return peer.traffic().delivered() > 0 && node.traffic().delivered() > 0;
        });
  }

  private static Daemon daemon(Map<String, Object> flags) {
    Map<String, Object> f = new LinkedHashMap<>(flags);
    f.put("listen", List.of("/ip4/127.0.0.1/tcp/0"));
    f.put("pingInterval", "1s");
    return new Daemon(ConfigLoader.load(null, Map.of(), f), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        Metrics.prometheus(), 1);
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    for (Daemon d : new Daemon[] {peer, node}) {
      if (d != null) {
        d.shutdown();
      }
    }
  }

  // ---- the real thing

  /** Each subcommand's {@code --help} as it prints ({@code params get} for nested ones). */
  static Map<String, String> help() {
    Map<String, String> out = new LinkedHashMap<>();
    new CommandLine(new Main()).getSubcommands().forEach((name, cl) -> {
      out.put(name, cl.getUsageMessage(CommandLine.Help.Ansi.OFF));
      cl.getSubcommands().forEach((sub, scl) -> out.put(name + " " + sub, scl.getUsageMessage(CommandLine.Help.Ansi.OFF)));
    });
    return out;
  }

  /** The CLI's parse of {@code args}: null when it parses, else picocli's message. */
  static String parse(List<String> args) {
    try {
      new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
      return null;
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
  }

  /** Variables the node reads (the option table), its clients read (their --help), or a script reads. */
  static Set<String> knownEnvVars() throws IOException {
    Set<String> known = new TreeSet<>();
    for (ConfigOptions.Option o : ConfigOptions.ALL) {
      if (o.key() != null && !o.key().endsWith("*")) {
        known.add(o.env());
      }
    }
    for (String p : ParamsCodec.names()) {
      known.add(ConfigLoader.envName("params." + p));
    }
    for (String t : ParamsCodec.toJson(PeerScoreThresholds.defaults()).keySet()) {
      known.add(ConfigLoader.envName("thresholds." + t));
    }
    Pattern env = Pattern.compile("\\bTOPICMESH_[A-Z0-9_]*[A-Z0-9]");
    for (String h : help().values()) {
      env.matcher(h).results().forEach(m -> known.add(m.group()));
    }
    for (String dir : List.of("scripts", "e2e", ".ci")) {
      Path d = ROOT.resolve(dir);
      if (!Files.isDirectory(d)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(d)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".sh") || p.getFileName().toString().equals("run"))
            .filter(p -> !p.toString().contains("/target/")).toList()) {
          env.matcher(Files.readString(f)).results().forEach(m -> known.add(m.group()));
        }
      }
    }
    return known;
  }

  /** A config key, a section member ({@code params.d}), or a parameter's own name as the docs cite it. */
  static boolean acceptedKey(String k) {
    Set<String> params = Set.copyOf(ParamsCodec.names());
    Set<String> thresholds = ParamsCodec.toJson(PeerScoreThresholds.defaults()).keySet();
    Set<String> topicScore = ParamsCodec.toJson(TopicScoreParams.defaults()).keySet();
    if (ConfigOptions.keys().contains(k)) {
      return true;
    }
    if (k.startsWith("params.")) {
      return params.contains(k.substring("params.".length()));
    }
    if (k.startsWith("thresholds.")) {
      return thresholds.contains(k.substring("thresholds.".length()));
    }
    return params.contains(k) || thresholds.contains(k) || topicScore.contains(k);
  }

  // ---- the docs

  /** README.md and docs/*.md, by name. */
  static Map<String, String> docs() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    out.put("README.md", Files.readString(ROOT.resolve("README.md")));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
        out.put("docs/" + f.getFileName(), Files.readString(f));
      }
    }
    assertThat(out).as("README.md and docs/*.md").hasSizeGreaterThan(5);
    return out;
  }

  /** Where prose is about the node's command line (its flags are checked there only). */
  static boolean cliSection(String file, String heading) {
    return switch (file) {
      case "README.md" -> heading.startsWith("## Run it") || heading.startsWith("### One node")
          || heading.startsWith("### Clients");
      case "docs/daemon.md", "docs/host.md" -> true;
      default -> false;
    };
  }

  /** Where prose describes the configuration (its key-like code spans are checked there). */
  static boolean configSection(String file, String heading) {
    return (file.equals("README.md") && heading.startsWith("### One node"))
        || (file.equals("docs/daemon.md") && heading.startsWith("## Configuration"));
  }

  static List<DocClaims> claims() throws IOException {
    List<DocClaims> out = new ArrayList<>();
    docs().forEach((file, text) -> out.add(DocClaims.extract(file, text, SUBCOMMANDS,
        h -> cliSection(file, h), h -> configSection(file, h))));
    return out;
  }

  private static List<String> problems(java.util.function.Function<DocClaims, List<String>> check) throws IOException {
    List<String> out = new ArrayList<>();
    for (DocClaims c : claims()) {
      out.addAll(check.apply(c));
    }
    return out;
  }

  // ---- the checks

  @Test
  void commandLinesParse() throws IOException {
    List<DocClaims> all = claims();
    assertThat(all.stream().mapToInt(c -> c.commands.size()).sum()).as("command lines found").isGreaterThanOrEqualTo(8);
    assertThat(problems(c -> DocsCheck.commands(c, ExecutableDocsTest::parse))).as("docs vs the CLI").isEmpty();
  }

  @Test
  void flagsAreInTheRealHelp() throws IOException {
    Map<String, String> help = help();
    assertThat(claims().stream().mapToInt(c -> c.flags.size()).sum()).as("flags found").isGreaterThan(30);
    assertThat(problems(c -> DocsCheck.flags(c, help))).as("docs vs --help").isEmpty();
  }

  @Test
  void everyRunFlagIsInTheReadme() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    List<String> missing = ConfigOptions.ALL.stream().map(ConfigOptions.Option::flag)
        .filter(f -> f != null && !readme.contains("`" + f)).toList();
    assertThat(missing).as("run flags the README does not name").isEmpty();
  }

  @Test
  void variablesAreTheOptionTablesTheClientsOrAScripts() throws IOException {
    Set<String> known = knownEnvVars();
    assertThat(claims().stream().mapToInt(c -> c.envVars.size()).sum()).as("variables found").isGreaterThan(15);
    assertThat(problems(c -> DocsCheck.envVars(c, known, ENV_PREFIXES))).as("docs vs the option table").isEmpty();
  }

  @Test
  void configKeysAreTheLoaders() throws IOException {
    assertThat(claims().stream().mapToInt(c -> c.configKeys.size()).sum()).as("config keys found").isGreaterThan(20);
    assertThat(problems(c -> DocsCheck.configKeys(c, ExecutableDocsTest::acceptedKey))).as("docs vs the loader").isEmpty();
  }

  @Test
  void endpointsAnswerOnALiveNode() throws IOException {
    assertThat(claims().stream().mapToInt(c -> c.endpoints.size()).sum()).as("endpoints found").isGreaterThan(10);
    assertThat(problems(c -> DocsCheck.endpoints(c, ExecutableDocsTest::call))).as("docs vs a live node").isEmpty();
  }

  @Test
  void metricNamesAreOnALiveNodesMetrics() throws Exception {
    Set<String> exposed = exposition(get("/metrics"));
    assertThat(exposed).as("a live node's /metrics").contains("topicmesh_node_ready", "jvm_memory_used_bytes");
    List<DocClaims> all = claims();
    assertThat(all.stream().mapToInt(c -> c.metrics.size()).sum()).as("metric names found").isGreaterThan(40);
    assertThat(problems(c -> DocsCheck.metrics(c, exposed, METRICS_WITHOUT_TRAFFIC))).as("docs vs /metrics").isEmpty();
    // the operator's names are in its sources
    String operator = operatorSources();
    List<String> unknown = all.stream().flatMap(c -> c.metrics.stream())
        .filter(n -> n.name().startsWith("topicmesh_operator_")
            && !operator.contains("\"" + n.name().replaceFirst("_(sum|count|max|bucket)$", "")))
        .map(n -> n.where() + ": " + n.name() + (n.prefix() ? "*" : "")).toList();
    assertThat(unknown).as("operator metrics no operator source registers").isEmpty();
  }

  /**
   * Every option of every command (the {@code --help} of {@code run}, {@code local}, the clients) is
   * named somewhere in the docs, next to its command or in a paragraph naming no command (issue 15:
   * {@code local --peers-per-node} and {@code --seed} were in no document).
   */
  @Test
  void everyOptionOfEveryCommandIsDocumented() throws IOException {
    List<DocClaims> all = claims();
    List<String> missing = new ArrayList<>();
    new CommandLine(new Main()).getSubcommands().forEach((name, cl) -> {
      List<CommandLine> commands = new ArrayList<>(List.of(cl));
      commands.addAll(cl.getSubcommands().values());
      for (CommandLine c : commands) {
        for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
          if (o.usageHelp() || o.versionHelp()) {
            continue;
          }
          Set<String> names = Set.of(o.names());
          boolean named = all.stream().anyMatch(d -> d.flags.stream().anyMatch(f -> names.contains(f.flag())
              && (f.commands().isEmpty() || f.commands().contains(name)))
              || d.commands.stream().anyMatch(cmd -> cmd.args().get(0).equals(name)
              && cmd.args().stream().anyMatch(a -> names.contains(a.replaceFirst("=.*", "")))));
          if (!named) {
            missing.add(c.getCommandSpec().qualifiedName(" ").replaceFirst("^topicmesh-node ", "") + " "
                + o.longestName());
          }
        }
      }
    });
    assertThat(missing).as("options in --help that no document names (README.md, docs/*.md)").isEmpty();
  }

  /** What README.md and docs/daemon.md say a flag's default is, is what the command applies. */
  @Test
  void statedDefaultsAreTheCommandsDefaults() throws IOException {
    Map<String, String> docs = docs();
    List<String> problems = new ArrayList<>();
    problems.addAll(DocsCheck.flagDefaults("README.md", docs.get("README.md"),
        h -> h.startsWith("## Run it") ? "local" : h.startsWith("### One node") ? "run" : null,
        ExecutableDocsTest::defaultOf));
    problems.addAll(DocsCheck.flagDefaults("docs/daemon.md", docs.get("docs/daemon.md"),
        h -> h.startsWith("### Clients") ? null : "run",
        ExecutableDocsTest::defaultOf));
    assertThat(problems).as("stated defaults vs the CLI").isEmpty();
  }

  /**
   * A flag's default for people: {@code run}'s from the option table ({@code off}, {@code 5s}),
   * another command's from picocli's default value or its description's {@code default: x}; empty
   * when it has none, null when the command has no such flag.
   */
  static String defaultOf(String command, String flag) {
    if (command.equals("run")) {
      return ConfigOptions.byFlag(flag).map(ConfigOptions.Option::defaultForPeople).orElse(null);
    }
    CommandLine.Model.OptionSpec o = new CommandLine(new Main()).getSubcommands().get(command).getCommandSpec()
        .findOption(flag);
    if (o == null) {
      return null;
    }
    if (o.defaultValue() != null) {
      return o.defaultValue();
    }
    Matcher m = Pattern.compile("default: ([^).]+)").matcher(String.join(" ", o.description()));
    return m.find() ? m.group(1).trim() : "";
  }

  /** The README's client commands, run against the live node (its --admin replaced by the node's). */
  @Test
  void theReadmesClientCommandsRunAgainstALiveNode() throws Exception {
    DocClaims readme = claims().get(0);
    List<List<String>> ran = new ArrayList<>();
    for (DocClaims.Command c : readme.commands) {
      String sub = c.args().get(0);
      if (!Set.of("status", "pub", "params").contains(sub)) {
        continue;
      }
      List<String> args = new ArrayList<>(c.args());
      args.set(args.indexOf("--admin") + 1, adminUrl);
      String[] outErr = new String[2];
      int code = run(args, outErr);
      assertThat(code).as("%s: %s\nstdout: %s\nstderr: %s", c.where(), args, outErr[0], outErr[1]).isZero();
      assertThat(outErr[0]).as("%s prints something", c.where()).isNotBlank();
      ran.add(args);
    }
    assertThat(ran).extracting(a -> a.get(0)).as("client commands run").contains("status", "pub", "params");
  }

  /** The README: "`pub` with neither `--data` nor `--file` ... publishes stdin". */
  @Test
  void pubWithoutDataOrFilePublishesStdin() throws Exception {
    assertReadmeSays("`pub` with neither `--data` nor `--file` (or with `--file -`) publishes stdin");
    List<String> got = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.function.Consumer<io.topicmesh.node.pubsub.router.ReceivedMessage> listener =
        m -> got.add(new String(m.message().data().toByteArray(), StandardCharsets.UTF_8));
    assertThat(peer.addListener("news", listener)).isTrue();
    InputStream stdin = System.in;
    String[] outErr = new String[2];
    int code;
    try {
      System.setIn(new java.io.ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8)));
      code = run(List.of("pub", "--admin", adminUrl, "--topic", "news"), outErr);
    } finally {
      System.setIn(stdin);
    }
    try {
      assertThat(code).as("stderr: %s", outErr[1]).isZero();
      assertThat(outErr[0]).startsWith("published ");
      await("the peer has the stdin message").atMost(Duration.ofSeconds(20)).until(() -> got.contains("from stdin"));
    } finally {
      peer.removeListener("news", listener);
    }
  }

  /** The README: "the node stays subscribed to the topic after `sub` exits". */
  @Test
  void subLeavesTheNodeSubscribed() throws Exception {
    assertReadmeSays("the node stays subscribed to the topic after `sub` exits");
    String topic = "docs-sub";
    assertThat(node.subscribed(topic)).isFalse();
    String[] outErr = new String[2];
    java.util.concurrent.CompletableFuture<Integer> sub = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> run(List.of("sub", "--admin", adminUrl, "--topic", topic, "--count", "1"), outErr));
    try {
      await("sub prints one message and exits").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            if (node.subscribed(topic)) {
              node.publish(topic, "for sub".getBytes(StandardCharsets.UTF_8));
            }
            return sub.isDone();
          });
      assertThat(sub.get()).as("stderr: %s", outErr[1]).isZero();
      assertThat(outErr[0]).isEqualTo("for sub" + System.lineSeparator());
      assertThat(node.subscribed(topic)).as("still subscribed after sub exited").isTrue();
    } finally {
      node.unsubscribe(topic);
    }
  }

  /** The claim a test runs is still in the README (line breaks aside), so a reworded claim gets its test reviewed. */
  private static void assertReadmeSays(String claim) throws IOException {
    assertThat(Files.readString(ROOT.resolve("README.md")).replaceAll("\\s+", " ")).as("README.md").contains(claim);
  }

  private static synchronized int run(List<String> args, String[] outErr) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      return Main.execute(args.toArray(String[]::new));
    } finally {
      System.setOut(out);
      System.setErr(err);
      outErr[0] = o.toString(StandardCharsets.UTF_8);
      outErr[1] = e.toString(StandardCharsets.UTF_8);
    }
  }

  // ---- the live node

  /** The status of a documented endpoint, called with a body it accepts; a topic in the path is ours. */
  static int call(DocClaims.Endpoint e) {
    String path = e.path().replace("{t}", TOPIC).replace("[?limit=N]", "?limit=1");
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(adminUrl + path)).timeout(Duration.ofSeconds(20));
      switch (e.method()) {
        case "PUT" -> b.PUT(HttpRequest.BodyPublishers.ofString(path.equals("/v1/params") ? "{}" : ""))
            .header("Content-Type", "application/json");
        case "POST" -> {
          if (path.endsWith("/publish-batch")) {
            b.POST(HttpRequest.BodyPublishers.ofString("{\"messages\": [{\"data\": \"docs\"}]}"))
                .header("Content-Type", "application/json");
          } else {
            b.POST(HttpRequest.BodyPublishers.ofString("docs")).header("Content-Type", "text/plain");
          }
        }
        case "DELETE" -> b.DELETE();
        default -> b.GET();
      }
      HttpResponse<InputStream> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      r.body().close(); // a message stream answers its status at once, then waits for messages
      if (e.method().equals("DELETE") && path.startsWith("/v1/topics/")) {
        // the other endpoints need the topic: subscribe again
        HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl + path)).PUT(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.discarding());
      }
      return r.statusCode();
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException(ex);
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ex);
    }
  }

  private static String get(String path) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(adminUrl + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  /** Sample names and family names of a Prometheus text exposition. */
  static Set<String> exposition(String text) {
    Set<String> names = new TreeSet<>();
    Matcher family = Pattern.compile("^# (?:TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*)", Pattern.MULTILINE).matcher(text);
    while (family.find()) {
      names.add(family.group(1));
    }
    Matcher sample = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE).matcher(text);
    while (sample.find()) {
      names.add(sample.group(1));
    }
    return names;
  }

  private static String operatorSources() throws IOException {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(ROOT.resolve("operator/src/main/java"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        b.append(Files.readString(f));
      }
    }
    return b.toString();
  }
}
