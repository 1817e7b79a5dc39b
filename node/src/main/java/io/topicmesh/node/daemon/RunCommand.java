package io.topicmesh.node.daemon;

import io.netty.util.concurrent.Future;
import io.topicmesh.node.host.ConnectionListener;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.PeerInfo;
import io.topicmesh.node.identity.KeyFile;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.multiaddr.Multiaddr;
import io.topicmesh.node.mux.mplex.MplexHandler;
import io.topicmesh.node.mux.yamux.YamuxHandler;
import io.topicmesh.node.transport.Connection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.admin.AdminAuth;
import io.topicmesh.node.daemon.admin.AdminScope;
import io.topicmesh.node.daemon.admin.AdminServer;
import io.topicmesh.node.daemon.admin.AdminTls;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.daemon.config.NodeConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.LoggerFactory;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import io.topicmesh.node.daemon.config.ConfigOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Spec;

/**
 * {@code run}: starts a host, prints {@code peer-id <id>} and one {@code listening <addr>/p2p/<id>}
 * line per listen address on stdout, dials every {@code --peer}, and prints one line per
 * connection event until Ctrl-C / SIGTERM. stdout carries only these machine-readable lines; logs
 * go to stderr.
 *
 * <p>stdout lines: {@code peer-id}, {@code listening}, {@code connected <peer> <direction>
 * <remote-addr> <security> <muxer>}, {@code disconnected <peer> <direction>}, {@code identified
 * <peer> <agent> <protocols,…>}, {@code dial-failed <addr> <reason>}, {@code ping <peer> <ms>}, {@code
 * ping-failed <peer> <reason>}.
 *
 * <p>stdin commands (one per line): {@code ping <peer-id>}, {@code dial <multiaddr>}, {@code peers}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a node until interrupted.",
    modelTransformer = RunCommand.Flags.class,
    footer = {"", "Every option is also a config file key and a TOPICMESH_* variable (lists comma-separated);"
        + " flags override the environment, which overrides the file. All keys: docs/daemon.md."})
public final class RunCommand implements Callable<Integer> {
  /** Adds one flag per {@link ConfigOptions#ALL} entry that has one, with its help text from there. */
  public static final class Flags implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      for (ConfigOptions.Option o : ConfigOptions.ALL) {
        if (o.flag() == null) {
          continue;
        }
        OptionSpec.Builder b = OptionSpec.builder(o.flag())
            // picocli reads descriptions as format strings
            .description(o.helpText().replace("%", "%%"));
        switch (o.kind()) {
          case VALUE -> b.type(String.class).paramLabel(o.paramLabel());
          case LIST -> b.type(List.class).auxiliaryTypes(String.class).paramLabel(o.paramLabel());
          case COMMA_LIST -> b.type(List.class).auxiliaryTypes(String.class).splitRegex(",").paramLabel(o.paramLabel());
          case NEGATE -> b.type(boolean.class).arity("0");
        }
        spec.addOption(b.build());
      }
      return spec;
    }
  }

  @Spec CommandSpec spec;

  /** The daemon once started (tests). */
  volatile Daemon daemon;

  private final PrintStream out;

  public RunCommand() {
    this(System.out);
  }

  RunCommand(PrintStream out) {
    this.out = out;
  }

  /** The flags that were given, by config key. */
  Map<String, Object> flags() {
    Map<String, Object> f = new LinkedHashMap<>();
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    for (ConfigOptions.Option o : ConfigOptions.ALL) {
      if (o.key() == null || o.flag() == null || !given.hasMatchedOption(o.flag())) {
        continue;
      }
      f.put(o.key(), o.kind() == ConfigOptions.Kind.NEGATE ? Boolean.FALSE : given.matchedOptionValue(o.flag(), null));
    }
    return f;
  }

  /** {@code --config}, or null. */
  private Path configFile() {
    String file = spec.commandLine().getParseResult().matchedOptionValue("--config", null);
    return file == null ? null : Path.of(file);
  }

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = ConfigLoader.load(configFile(), System.getenv(), flags());
    Duration interval = cfg.pingInterval();
    AdminAuth auth = adminAuth(cfg);
    AdminTls tls = cfg.adminTlsCertFile() == null ? null : AdminTls.load(cfg.adminTlsCertFile(), cfg.adminTlsKeyFile());
    if (cfg.keyFile() != null && !cfg.createKey() && !Files.exists(cfg.keyFile())) {
      throw new ConfigException("keyFile", cfg.keyFile(), "an existing key file (createKey is false)");
    }
    PrivKey key = cfg.keyFile() == null
        ? PrivKey.generate(KeyType.ED25519, new SecureRandom())
        : KeyFile.loadOrCreate(cfg.keyFile(), KeyType.ED25519, new SecureRandom());
    checkListen(cfg.listen(), PeerId.fromPublicKey(key.publicKey()));
    PrometheusMeterRegistry registry = Metrics.prometheus();
    Daemon node = new Daemon(cfg, key, registry, 0);
    daemon = node;
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTerminate(stop::countDown);
    node.host().addListener(new Printer());
    node.onDialFailed((addr, reason) -> print("dial-failed " + addr + " " + reason));
    AdminServer admin = null;
    try {
      // The admin port is bound before anything is printed, so a port in use is the only output.
      if (cfg.adminListen() != null) {
        InetSocketAddress bind = adminBind(cfg, auth.enabled());
        try {
          admin = new AdminServer(node, bind, auth, tls, cfg.adminMaxBodyBytes());
        } catch (java.net.BindException e) {
          throw new ConfigException("admin.listen", hostText(bind) + ":" + bind.getPort(), "cannot bind ("
              + e.getMessage() + ")");
        }
      }
      List<Multiaddr> bound = node.start();
      print("peer-id " + node.peerId());
      for (Multiaddr a : bound) {
        print("listening " + a);
      }
      if (admin != null) {
        admin.start();
        print("admin " + admin.scheme() + "://" + hostText(admin.address()) + ":" + admin.address().getPort());
      }
    } catch (RuntimeException | java.io.IOException e) {
      node.shutdown();
      if (admin != null) {
        admin.close();
      }
      throw e;
    }
    ScheduledExecutorService pinger = null;
    if (interval != null) {
      pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "topicmesh-ping");
        t.setDaemon(true);
        return t;
      });
      Host host = node.host();
      pinger.scheduleWithFixedDelay(() -> host.connections().forEach(c -> ping(host, c.remotePeer())),
          interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    Thread stdin = new Thread(() -> readCommands(node.host()), "topicmesh-stdin");
    stdin.setDaemon(true);
    stdin.start();
    stop.await();
    // A watchdog: the shutdown below must finish within the grace period.
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(cfg.shutdownGrace().toMillis());
        System.err.println("error: graceful shutdown exceeded " + cfg.shutdownGrace().toMillis() + " ms; halting");
        Runtime.getRuntime().halt(1);
      } catch (InterruptedException e) {
        // finished in time
      }
    }, "topicmesh-shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    if (pinger != null) {
      pinger.shutdownNow();
    }
    node.shutdown();
    if (admin != null) {
      admin.close();
    }
    watchdog.interrupt();
    return 0;
  }

  /**
   * A listen address is bound, so it must be an IP address; a {@code /p2p/} part on it must be this
   * node's own id (the key decides the id, not the address).
   */
  static void checkListen(List<String> listen, PeerId self) {
    for (String l : listen) {
      Multiaddr a = Multiaddr.parse(l);
      if (!l.startsWith("/ip4/") && !l.startsWith("/ip6/")) {
        throw new ConfigException("listen", l, "cannot listen on a name: an /ip4/<address>/tcp/<port> or"
            + " /ip6/<address>/tcp/<port> address to bind (e.g. /ip4/127.0.0.1/tcp/4001; /dns4 and /dns6 are for"
            + " --peer and --advertise)");
      }
      if (a.peerId().isPresent() && !a.peerId().get().equals(self)) {
        throw new ConfigException("listen", l, "its /p2p/" + a.peerId().get() + " is not this node's id " + self
            + " (the key file decides the id: drop the /p2p/ part, or use the key of " + a.peerId().get() + ")");
      }
    }
  }

  /** The tokens of every configured scope, read from their files (a token never appears in a message). */
  static AdminAuth adminAuth(NodeConfig cfg) {
    Map<AdminScope, String> tokens = new java.util.EnumMap<>(AdminScope.class);
    Map<AdminScope, Path> files = new java.util.EnumMap<>(AdminScope.class);
    files.put(AdminScope.ADMIN, cfg.adminTokenFile());
    files.put(AdminScope.PUBLISH, cfg.adminPublishTokenFile());
    files.put(AdminScope.SUBSCRIBE, cfg.adminSubscribeTokenFile());
    files.put(AdminScope.STATUS, cfg.adminStatusTokenFile());
    for (var e : files.entrySet()) {
      if (e.getValue() != null) {
        tokens.put(e.getKey(), readToken(e.getKey().configKey(), e.getValue()));
      }
    }
    return AdminAuth.of(tokens, cfg.adminProtectMetrics(), cfg.adminProtectHealth());
  }

  private static String readToken(String field, Path file) {
    String t;
    try {
      if (Files.size(file) > 8192) {
        throw new ConfigException(field, file, "a token file of at most 8192 bytes");
      }
      t = Files.readString(file).trim();
    } catch (java.io.IOException e) {
      throw new ConfigException(field, file, "a readable file holding the token (" + e.getClass().getSimpleName() + ")");
    }
    if (t.isEmpty() || t.length() > 4096 || t.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw new ConfigException(field, file, "1 to 4096 printable ASCII characters");
    }
    return t;
  }

  /** Without a token the admin API is reachable from this machine only. */
  static InetSocketAddress adminBind(NodeConfig cfg, boolean authenticated) {
    InetSocketAddress a = cfg.adminListen();
    InetSocketAddress resolved = new InetSocketAddress(a.getHostString(), a.getPort());
    if (resolved.isUnresolved()) {
      throw new ConfigException("admin.listen", a.getHostString() + ":" + a.getPort(), "a resolvable host");
    }
    if (!authenticated && !resolved.getAddress().isLoopbackAddress()) {
      LoggerFactory.getLogger(RunCommand.class).warn(
          "admin API without --admin-token-file: binding to 127.0.0.1:{} instead of {}", a.getPort(), a.getHostString());
      return new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), a.getPort());
    }
    return resolved;
  }

  private static String hostText(InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    return h.contains(":") ? "[" + h + "]" : h;
  }

  static List<String> muxerIds(List<String> names) {
    List<String> ids = new ArrayList<>();
    for (String n : names) {
      switch (n.trim()) {
        case "yamux" -> ids.add(YamuxHandler.PROTOCOL_ID);
        case "mplex" -> ids.add(MplexHandler.PROTOCOL_ID);
        default -> throw new IllegalArgumentException("--muxer: unknown muxer '" + n + "', expected yamux or mplex");
      }
    }
    return ids;
  }

  static Duration parseDuration(String s) {
    return ConfigLoader.duration("--ping-interval", s);
  }

  private void dial(Host host, Multiaddr addr) {
    host.dial(addr).addListener(f -> {
      if (!f.isSuccess()) {
        print("dial-failed " + addr + " " + f.cause().getMessage());
      }
    });
  }

  private void ping(Host host, PeerId peer) {
    Future<Duration> f = host.ping(peer);
    f.addListener(x -> {
      if (f.isSuccess()) {
        print(String.format(java.util.Locale.ROOT, "ping %s %.3f ms", peer, f.getNow().toNanos() / 1e6));
      } else {
        print("ping-failed " + peer + " " + f.cause().getMessage());
      }
    });
  }

  private void readCommands(Host host) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        command(host, line);
      }
    } catch (java.io.IOException e) {
      // stdin closed: the node keeps running until it is signalled.
    }
  }

  /** One stdin command line; a bad one prints an {@code error <command>: …} line with its usage. */
  void command(Host host, String line) {
    String[] w = line.trim().split("\\s+");
    String usage = switch (w[0]) {
      case "ping" -> "ping <peer-id>";
      case "dial" -> "dial <multiaddr>";
      case "peers" -> "peers";
      default -> null;
    };
    if (usage != null && w.length != usage.split(" ").length) {
      print("error " + w[0] + ": usage: " + usage);
      return;
    }
    try {
      switch (w[0]) {
        case "" -> { }
        case "ping" -> ping(host, PeerId.parse(w[1]));
        case "dial" -> dial(host, Multiaddr.parse(w[1]));
        case "peers" -> host.connections().forEach(c -> print("peer " + c.remotePeer() + " "
            + c.direction().label() + " " + c.remoteAddress() + " " + c.muxerProtocol()));
        default -> print("error unknown command '" + w[0] + "' (ping <peer-id>, dial <multiaddr>, peers)");
      }
    } catch (RuntimeException e) {
      print("error " + w[0] + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
          + " (usage: " + usage + ")");
    }
  }

  private void print(String line) {
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  private final class Printer implements ConnectionListener {
    @Override
    public void connectionOpened(Connection c) {
      print("connected " + c.remotePeer() + " " + c.direction().label() + " " + c.remoteAddress() + " "
          + c.securityProtocol() + " " + c.muxerProtocol());
    }

    @Override
    public void connectionClosed(Connection c) {
      print("disconnected " + c.remotePeer() + " " + c.direction().label());
    }

    @Override
    public void peerIdentified(Connection c, PeerInfo info) {
      print("identified " + info.peer() + " " + (info.agentVersion().isEmpty() ? "-" : info.agentVersion().replace(' ', '_'))
          + " " + String.join(",", info.protocols()));
    }
  }
}
