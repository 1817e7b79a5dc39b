package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {
  /** Each run flag comes from ConfigOptions and lands on its config key; lists collect, --muxer splits. */
  @org.junit.jupiter.api.Test
  void everyFlagSetsItsConfigKey() {
    for (io.topicmesh.node.daemon.config.ConfigOptions.Option o : io.topicmesh.node.daemon.config.ConfigOptions.ALL) {
      if (o.flag() == null || o.key() == null) {
        continue;
      }
      picocli.CommandLine cl = new picocli.CommandLine(new RunCommand());
      List<String> args = switch (o.kind()) {
        case VALUE -> List.of(o.flag(), "v1");
        case LIST -> List.of(o.flag(), "v1", o.flag(), "v2");
        case COMMA_LIST -> List.of(o.flag(), "v1,v2");
        case NEGATE -> List.of(o.flag());
      };
      cl.parseArgs(args.toArray(String[]::new));
      java.util.Map<String, Object> flags = ((RunCommand) cl.getCommand()).flags();
      Object expected = switch (o.kind()) {
        case VALUE -> "v1";
        case LIST, COMMA_LIST -> List.of("v1", "v2");
        case NEGATE -> Boolean.FALSE;
      };
      assertThat(flags).as("%s", args).containsExactlyEntriesOf(java.util.Map.of(o.key(), expected));
    }
  }

  @Test
  void muxerNamesMapToProtocolIdsInOrder() {
    assertThat(RunCommand.muxerIds(List.of("mplex", "yamux"))).containsExactly("/mplex/6.7.0", "/yamux/1.0.0");
    assertThat(RunCommand.muxerIds(List.of("yamux"))).containsExactly("/yamux/1.0.0");
    assertThatThrownBy(() -> RunCommand.muxerIds(List.of("spdy")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("spdy");
  }

  @Test
  void pingIntervalAcceptsUnitsAndIsoDurations() {
    assertThat(RunCommand.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(RunCommand.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(RunCommand.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(RunCommand.parseDuration("PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThatThrownBy(() -> RunCommand.parseDuration("soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--ping-interval");
  }

  @Test
  void probeFlagsMapToTheirConfigKeys() {
    RunCommand c = new RunCommand();
    new picocli.CommandLine(c).parseArgs("--probe-interval", "2s", "--no-probes");
    assertThat(c.flags()).containsEntry("probe.interval", "2s").containsEntry("probe.enabled", false);
    RunCommand plain = new RunCommand();
    new picocli.CommandLine(plain).parseArgs();
    assertThat(plain.flags()).doesNotContainKeys("probe.interval", "probe.enabled");
  }

  @Test
  void unknownMuxerIsAnErrorExitNotAStackTrace() {
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--muxer", "spdy")).isEqualTo(2);
    assertThat(Main.execute("--version")).isZero();
  }

  @Test
  void withoutATokenTheAdminApiBindsToLoopbackOnly() {
    var cfg = io.topicmesh.node.daemon.config.ConfigLoader.load(null, java.util.Map.of(),
        java.util.Map.of("admin.listen", "0.0.0.0:9090"));
    assertThat(RunCommand.adminBind(cfg, false).getAddress().isLoopbackAddress()).isTrue();
    assertThat(RunCommand.adminBind(cfg, true).getAddress().isAnyLocalAddress()).isTrue();
    assertThat(RunCommand.adminBind(cfg, false).getPort()).isEqualTo(9090);
  }

  @Test
  void aMissingKeyFileIsAnErrorWhenCreationIsOff(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    java.nio.file.Path key = tmp.resolve("absent.key");
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--key-file", key.toString(), "--no-create-key"))
        .isEqualTo(2);
    assertThat(key).doesNotExist();
  }

  @Test
  void invalidConfigurationIsExitStatus2() {
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--topic", "bad topic")).isEqualTo(2);
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-listen", "nowhere")).isEqualTo(2);
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--discovery", "ftp:x")).isEqualTo(2);
  }

  @Test
  void logFormatJsonSelectsTheJsonLogbackConfig() {
    String before = System.getProperty("logback.configurationFile");
    try {
      System.clearProperty("logback.configurationFile");
      Main.selectLogFormat("text");
      assertThat(System.getProperty("logback.configurationFile")).isNull();
      Main.selectLogFormat("JSON");
      assertThat(System.getProperty("logback.configurationFile")).isEqualTo("logback-json.xml");
      assertThat(RunCommandTest.class.getClassLoader().getResource("logback-json.xml")).isNotNull();
    } finally {
      if (before == null) {
        System.clearProperty("logback.configurationFile");
      } else {
        System.setProperty("logback.configurationFile", before);
      }
    }
  }

  /** Issue 15: an admin port in use is named, and nothing is printed on stdout before it. */
  @Test
  void anAdminPortInUseIsNamedBeforeAnyIdentityLine() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      java.io.PrintStream stdout = System.out;
      java.io.PrintStream stderr = System.err;
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int code;
      try {
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        code = Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-listen", "127.0.0.1:" + taken.getLocalPort());
      } finally {
        System.setOut(stdout);
        System.setErr(stderr);
      }
      assertThat(code).isEqualTo(2);
      assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("peer-id");
      assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8))
          .contains("error: admin.listen=127.0.0.1:" + taken.getLocalPort() + ": cannot bind");
    }
  }

  private static String[] runCapturingStderr(String... args) {
    java.io.PrintStream stdout = System.out;
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
      System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
      code = Main.execute(args);
    } finally {
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new String[] {String.valueOf(code), out.toString(java.nio.charset.StandardCharsets.UTF_8),
        err.toString(java.nio.charset.StandardCharsets.UTF_8)};
  }

  /** Issue 15: a name on --listen is named with the cause, not "cannot listen on …: null". */
  @Test
  void aDnsListenAddressIsNamedWithTheCause() {
    String[] r = runCapturingStderr("run", "--listen", "/dns4/localhost/tcp/5045");
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).doesNotContain("peer-id");
    assertThat(r[2]).contains("listen=/dns4/localhost/tcp/5045").contains("cannot listen on a name")
        .contains("/ip4/").doesNotContain("null");
  }

  /** Issue 15: a /p2p/ part naming another node on --listen is an error naming both ids. */
  @Test
  void aListenAddressWithAnotherPeersIdIsAnError() {
    var self = io.topicmesh.node.identity.PeerId.fromPublicKey(io.topicmesh.node.identity.PrivKey.generate(
        io.topicmesh.node.identity.KeyType.ED25519, new java.security.SecureRandom()).publicKey());
    var other = io.topicmesh.node.identity.PeerId.fromPublicKey(io.topicmesh.node.identity.PrivKey.generate(
        io.topicmesh.node.identity.KeyType.ED25519, new java.security.SecureRandom()).publicKey());
    assertThatThrownBy(() -> RunCommand.checkListen(List.of("/ip4/127.0.0.1/tcp/0/p2p/" + other), self))
        .hasMessageContaining(other.toString()).hasMessageContaining(self.toString()).hasMessageContaining("not this node's id");
    RunCommand.checkListen(List.of("/ip4/127.0.0.1/tcp/0/p2p/" + self, "/ip4/127.0.0.1/tcp/0"), self);

    String[] r = runCapturingStderr("run", "--listen", "/ip4/127.0.0.1/tcp/0/p2p/" + other);
    assertThat(r[0]).isEqualTo("2");
    assertThat(r[1]).doesNotContain("peer-id");
    assertThat(r[2]).contains("/p2p/" + other + " is not this node's id 12D3");
  }

  /** Issue 15: a stdin command without its argument prints its usage, not "Index 1 out of bounds". */
  @Test
  void aStdinCommandWithoutItsArgumentPrintsItsUsage() {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    RunCommand cmd = new RunCommand(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
    cmd.command(null, "ping");
    cmd.command(null, "  dial  ");
    cmd.command(null, "ping a b");
    cmd.command(null, "ping notapeerid");
    assertThat(buf.toString(java.nio.charset.StandardCharsets.UTF_8).lines().toList()).satisfiesExactly(
        l -> assertThat(l).isEqualTo("error ping: usage: ping <peer-id>"),
        l -> assertThat(l).isEqualTo("error dial: usage: dial <multiaddr>"),
        l -> assertThat(l).isEqualTo("error ping: usage: ping <peer-id>"),
        l -> assertThat(l).startsWith("error ping: ").endsWith("(usage: ping <peer-id>)").doesNotContain("Index"));
  }
}
