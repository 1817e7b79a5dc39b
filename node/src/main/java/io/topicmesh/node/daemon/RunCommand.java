package io.topicmesh.node.daemon;

import io.netty.util.concurrent.Future;
import io.topicmesh.node.host.ConnectionListener;
import io.topicmesh.node.host.Host;
import io.topicmesh.node.host.HostConfig;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run}: starts a host, prints {@code peer-id <id>} and one {@code listening <addr>/p2p/<id>}
 * line per listen address on stdout, dials every {@code --peer} (again with backoff after a
 * failure or a disconnect), and prints one line per connection event until Ctrl-C / SIGTERM. stdout carries only these machine-readable lines; logs
 * go to stderr.
 *
 * <p>stdout lines: {@code peer-id}, {@code listening}, {@code connected <peer> <direction>
 * <remote-addr> <security> <muxer>}, {@code disconnected <peer> <direction>}, {@code identified
 * <peer> <agent> <protocols,…>}, {@code dial-failed <addr> <reason>}, {@code ping <peer> <ms>}, {@code
 * ping-failed <peer> <reason>}.
 *
 * <p>stdin commands (one per line): {@code ping <peer-id>}, {@code dial <multiaddr>}, {@code peers}.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a node until interrupted.")
public final class RunCommand implements Callable<Integer> {
  @Option(names = "--listen", description = "Listen multiaddr, repeatable (default ${DEFAULT-VALUE}).",
      defaultValue = "/ip4/127.0.0.1/tcp/4001")
  List<String> listen = new ArrayList<>();

  @Option(names = "--peer", description = "Multiaddr to dial at start (/ip4/…/tcp/…/p2p/<id>), repeatable.")
  List<String> peers = new ArrayList<>();

  @Option(names = "--key-file", description = "Identity key file; an Ed25519 key is created there when absent."
      + " Without it the node uses a fresh key each run.")
  Path keyFile;

  @Option(names = "--muxer", split = ",", description = "Muxers in preference order: yamux, mplex"
      + " (default yamux,mplex; one value offers only that muxer).", defaultValue = "yamux,mplex")
  List<String> muxers = new ArrayList<>();

  @Option(names = "--max-connections", description = "Most TCP connections at once (default ${DEFAULT-VALUE}).",
      defaultValue = "256")
  int maxConnections;

  @Option(names = "--ping-interval", description = "Ping every connected peer this often, e.g. 5s or PT5S"
      + " (default: off).")
  String pingInterval;

  private final PrintStream out;

  public RunCommand() {
    this(System.out);
  }

  RunCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    PrivKey key = keyFile == null
        ? PrivKey.generate(KeyType.ED25519, new SecureRandom())
        : KeyFile.loadOrCreate(keyFile, KeyType.ED25519, new SecureRandom());
    List<Multiaddr> listenAddrs = new ArrayList<>();
    for (String l : listen) {
      listenAddrs.add(Multiaddr.parse(l));
    }
    List<Multiaddr> dialAddrs = new ArrayList<>();
    for (String p : peers) {
      dialAddrs.add(Multiaddr.parse(p));
    }
    Duration interval = pingInterval == null ? null : parseDuration(pingInterval);
    HostConfig config = HostConfig.defaults(key).withListen(listenAddrs).withMuxers(muxerIds(muxers))
        .withMaxConnections(maxConnections);
    Host host = Host.create(config);
    CountDownLatch stopped = new CountDownLatch(1);
    PeerRedialer redialer = new PeerRedialer(host, this::print);
    Thread hook = new Thread(() -> {
      redialer.stop();
      host.close();
      stopped.countDown();
    }, "topicmesh-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    host.addListener(new Printer());
    host.addListener(redialer);
    List<Multiaddr> bound = host.start();
    print("peer-id " + host.peerId());
    for (Multiaddr a : bound) {
      print("listening " + a);
    }
    redialer.start(dialAddrs);
    ScheduledExecutorService pinger = null;
    if (interval != null) {
      pinger = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "topicmesh-ping");
        t.setDaemon(true);
        return t;
      });
      pinger.scheduleWithFixedDelay(() -> host.connections().forEach(c -> ping(host, c.remotePeer())),
          interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    Thread stdin = new Thread(() -> readCommands(host), "topicmesh-stdin");
    stdin.setDaemon(true);
    stdin.start();
    stopped.await();
    if (pinger != null) {
      pinger.shutdownNow();
    }
    return 0;
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
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      if (t.startsWith("pt")) {
        return Duration.parse(t.toUpperCase(java.util.Locale.ROOT));
      }
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      if (t.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      }
      if (t.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      }
    } catch (RuntimeException e) {
      // fall through to the error below
    }
    throw new IllegalArgumentException("--ping-interval: cannot read '" + s + "', expected e.g. 500ms, 5s, 1m or PT5S");
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
        String[] w = line.trim().split("\\s+");
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
          print("error " + w[0] + ": " + e.getMessage());
        }
      }
    } catch (java.io.IOException e) {
      // stdin closed: the node keeps running until it is signalled.
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
