package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunCommandTest {
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
  void unknownMuxerIsAnErrorExitNotAStackTrace() {
    assertThat(Main.execute("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--muxer", "spdy")).isEqualTo(2);
    assertThat(Main.execute("--version")).isZero();
  }

  @Test
  void withoutATokenTheAdminApiBindsToLoopbackOnly() {
    var cfg = io.topicmesh.node.daemon.config.ConfigLoader.load(null, java.util.Map.of(),
        java.util.Map.of("admin.listen", "0.0.0.0:9090"));
    assertThat(RunCommand.adminBind(cfg, null).getAddress().isLoopbackAddress()).isTrue();
    assertThat(RunCommand.adminBind(cfg, "token").getAddress().isAnyLocalAddress()).isTrue();
    assertThat(RunCommand.adminBind(cfg, null).getPort()).isEqualTo(9090);
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
}
