package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shaded jar's {@code run} command as separate processes: the stdout contract scripts rely on. */
class DaemonIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private final List<Node> nodes = new ArrayList<>();

  @TempDir Path tmp;

  @AfterEach
  void stop() throws IOException {
    for (Node n : nodes) {
      n.process.destroyForcibly();
    }
    // The children run with paranoid leak detection; any report fails the test.
    try (var files = Files.list(tmp)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".stderr")).toList()) {
        assertThat(Files.readString(f)).as("leak reports in " + f.getFileName()).doesNotContain("LEAK:");
      }
    }
  }

  /** A {@code java -jar topicmesh-node.jar run …} child process with its stdout lines collected. */
  static final class Node {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Writer stdin;

    Node(List<String> args, Path stderr) throws IOException {
      Path jar = Path.of("target", "topicmesh-node.jar");
      if (!Files.exists(jar)) {
        throw new AssertionError("missing " + jar.toAbsolutePath() + ": run the package phase first (mvn verify does)");
      }
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-Dio.netty.leakDetection.level=paranoid", "-jar", jar.toString()));
      cmd.addAll(args);
      process = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          // process ended
        }
      }, "daemon-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    String awaitLine(String prefix) {
      await().atMost(WAIT).until(() -> find(prefix).isPresent());
      return find(prefix).orElseThrow();
    }

    Optional<String> find(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }

    void send(String command) throws IOException {
      stdin.write(command + "\n");
      stdin.flush();
    }
  }

  private Node start(String name, String... args) throws IOException {
    Node n = new Node(List.of(args), tmp.resolve(name + ".stderr"));
    nodes.add(n);
    return n;
  }

  @Test
  void runPrintsPeerIdAndListenAddressAndASecondNodeDialsIt() throws Exception {
    Path keyFile = tmp.resolve("node1.key");
    Node first = start("node1", "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--key-file", keyFile.toString());
    String id1 = first.awaitLine("peer-id ").substring("peer-id ".length());
    String listening = first.awaitLine("listening ").substring("listening ".length());
    assertThat(id1).startsWith("12D3KooW");
    assertThat(listening).matches("/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/" + id1);
    assertThat(keyFile).exists();

    Node second = start("node2", "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--peer", listening,
        "--muxer", "mplex", "--ping-interval", "500ms");
    String id2 = second.awaitLine("peer-id ").substring("peer-id ".length());
    assertThat(second.awaitLine("connected " + id1)).endsWith("outbound " + listening.replace("/p2p/" + id1, "")
        + " /noise /mplex/6.7.0");
    assertThat(first.awaitLine("connected " + id2)).contains(" inbound ").endsWith("/noise /mplex/6.7.0");
    assertThat(second.awaitLine("identified " + id1)).contains("/ipfs/ping/1.0.0");
    assertThat(second.awaitLine("ping " + id1)).matches("ping " + id1 + " \\d+\\.\\d+ ms");
    // The stdin ping command, the other way.
    first.send("ping " + id2);
    assertThat(first.awaitLine("ping " + id2)).matches("ping " + id2 + " \\d+\\.\\d+ ms");

    // SIGTERM closes cleanly; the peer sees the disconnect.
    first.process.destroy();
    assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.readString(tmp.resolve("node1.stderr"))).contains("host closed");
    second.awaitLine("disconnected " + id1);

    // The key file keeps the identity across restarts.
    Node again = start("node1b", "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--key-file", keyFile.toString());
    assertThat(again.awaitLine("peer-id ")).isEqualTo("peer-id " + id1);
  }

  @Test
  void aPeerThatStartsLaterOrRestartsIsRedialed() throws Exception {
    Path keyFile = tmp.resolve("late.key");
    String id1 = io.topicmesh.node.identity.PeerId.fromPublicKey(io.topicmesh.node.identity.KeyFile.loadOrCreate(
        keyFile, io.topicmesh.node.identity.KeyType.ED25519, new java.security.SecureRandom()).publicKey()).toString();
    int port;
    try (var probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    String addr = "/ip4/127.0.0.1/tcp/" + port;
    Node dialer = start("dialer", "run", "--listen", "/ip4/127.0.0.1/tcp/0", "--peer", addr + "/p2p/" + id1);
    assertThat(dialer.awaitLine("dial-failed " + addr)).contains("retry in");

    Node late = start("late", "run", "--listen", addr, "--key-file", keyFile.toString());
    assertThat(late.awaitLine("peer-id ")).isEqualTo("peer-id " + id1);
    dialer.awaitLine("connected " + id1);

    late.process.destroy();
    assertThat(late.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    dialer.awaitLine("disconnected " + id1);
    Node again = start("again", "run", "--listen", addr, "--key-file", keyFile.toString());
    again.awaitLine("listening ");
    await().atMost(WAIT).until(() -> dialer.lines.stream().filter(l -> l.startsWith("connected " + id1)).count() == 2);
  }

  @Test
  void badFlagsAreOneLineErrors() throws Exception {
    Node bad = start("bad", "run", "--listen", "/ip4/127.0.0.1/udp/1");
    assertThat(bad.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.process.exitValue()).isNotZero();
    String err = Files.readString(tmp.resolve("bad.stderr"));
    assertThat(err).contains("error:").doesNotContain("\tat ");
  }
}
