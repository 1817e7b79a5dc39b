package io.topicmesh.node.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.interop.InteropPeer.InteropPeerException;
import io.topicmesh.node.interop.InteropPeer.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness's own behaviour, against a shell script that plays a peer. */
class InteropPeerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Speaks the contract's framing: peer-id and ready at start, then answers a few commands. */
  private static final String FAKE_PEER = String.join("\n",
      "#!/bin/sh",
      "[ \"$1\" = --die ] && { echo '{\"event\":\"error\",\"message\":\"bad flag\"}'; exit 2; }",
      "echo '{\"event\":\"peer-id\",\"id\":\"12D3KooWfake\",\"publicKey\":\"CAESIA==\",\"impl\":\"fake\"}'",
      "echo '{\"event\":\"ready\",\"id\":\"12D3KooWfake\",\"addrs\":[\"/ip4/127.0.0.1/tcp/1/p2p/12D3KooWfake\"]}'",
      "while read -r cmd arg; do",
      "  case \"$cmd\" in",
      "    echo) echo \"{\\\"event\\\":\\\"echo\\\",\\\"v\\\":\\\"$arg\\\"}\" ;;",
      "    fail) echo \"{\\\"event\\\":\\\"error\\\",\\\"command\\\":\\\"fail $arg\\\",\\\"message\\\":\\\"no such thing\\\"}\" ;;",
      "    garbage) echo 'this is not json' ;;",
      "    spawn) sleep 300 & echo \"{\\\"event\\\":\\\"spawned\\\",\\\"pid\\\":$!}\" ;;",
      "    exit) exit 3 ;;",
      "    env) echo \"{\\\"event\\\":\\\"env\\\",\\\"v\\\":\\\"$FAKE_PEER_VAR\\\"}\" ;;",
      "    quit) [ \"$1\" = --stubborn ] || { echo '{\"event\":\"bye\"}'; exit 0; } ;;",
      "  esac",
      "done",
      "");

  @TempDir
  Path dir;

  private InteropPeer startFake(String... args) throws IOException {
    return startFake(Map.of(), args);
  }

  private InteropPeer startFake(Map<String, String> env, String... args) throws IOException {
    Path script = dir.resolve("go-peer");
    Files.writeString(script, FAKE_PEER);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    InteropPeerLocator locator = new InteropPeerLocator(Map.of("TOPICMESH_INTEROP_DIR", dir.toString())::get);
    return InteropPeer.start(locator, Kind.GO, List.of(args), env);
  }

  @Test
  void startupCapturesIdentityAndAddresses() throws IOException {
    try (InteropPeer peer = startFake()) {
      assertThat(peer.peerId()).isEqualTo("12D3KooWfake");
      assertThat(peer.publicKey()).isEqualTo("CAESIA==");
      assertThat(peer.listenAddr()).isEqualTo("/ip4/127.0.0.1/tcp/1/p2p/12D3KooWfake");
    }
  }

  @Test
  void eachEventSatisfiesOneAwaitAndEarlierEventsAreFound() throws IOException {
    try (InteropPeer peer = startFake()) {
      peer.send("echo a");
      peer.send("echo b");
      peer.send("echo a");
      assertThat(peer.awaitEvent(e -> e.is("echo", "v", "b"), WAIT).seq()).isEqualTo(3);
      // both "a" events arrived before these awaits; each await takes the earliest one left
      assertThat(peer.awaitEvent(e -> e.is("echo", "v", "a"), WAIT).seq()).isEqualTo(2);
      assertThat(peer.awaitEvent(e -> e.is("echo", "v", "a"), WAIT).seq()).isEqualTo(4);
      long mark = peer.mark();
      peer.send("echo b");
      assertThat(peer.awaitEventAfter(mark, "a later b", e -> e.is("echo", "v", "b"), WAIT).seq()).isEqualTo(mark);
    }
  }

  @Test
  void extraEnvironmentReachesThePeer() throws IOException {
    try (InteropPeer peer = startFake(Map.of("FAKE_PEER_VAR", "debug-on"))) {
      assertThat(peer.request("env", "env").string("v")).isEqualTo("debug-on");
    }
  }

  @Test
  void timeoutNamesTheExpectationAndShowsRecentEvents() throws IOException {
    try (InteropPeer peer = startFake()) {
      peer.send("echo x");
      peer.awaitEvent(e -> e.is("echo"), WAIT);
      assertThatThrownBy(() -> peer.awaitEvent("a pong", e -> e.is("pong"), Duration.ofMillis(200)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("no event a pong within PT0.2S")
          .hasMessageContaining("{\"event\":\"echo\",\"v\":\"x\"}");
    }
  }

  @Test
  void requestFailsWithThePeersErrorForThatCommand() throws IOException {
    try (InteropPeer peer = startFake()) {
      assertThatThrownBy(() -> peer.request("fail 1", "ok"))
          .isInstanceOf(InteropPeerException.class)
          .hasMessageContaining("answered 'fail 1' with an error: no such thing");
      assertThat(peer.request("echo 2", "echo").string("v")).isEqualTo("2");
      assertThatThrownBy(() -> peer.send("two\nlines")).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void nonJsonOutputIsRecordedAsAHarnessError() throws IOException {
    try (InteropPeer peer = startFake()) {
      peer.send("garbage");
      PeerEvent e = peer.awaitEvent(ev -> ev.is("harness-error"), WAIT);
      assertThat(e.string("message")).startsWith("not a JSON event");
      assertThat(e.line()).isEqualTo("this is not json");
    }
  }

  @Test
  void aPeerThatExitsFailsTheAwaitAtOnceWithItsExitCode() throws IOException {
    try (InteropPeer peer = startFake()) {
      peer.send("exit");
      assertThatThrownBy(() -> peer.awaitEvent("a reply", e -> e.is("never"), Duration.ofMinutes(5)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("exited while waiting for an event a reply");
    }
  }

  @Test
  void aPeerFailingAtStartReportsItsError() {
    assertThatThrownBy(() -> startFake("--die"))
        .isInstanceOf(InteropPeerException.class)
        .hasMessageContaining("failed to start: bad flag");
  }

  @Test
  void closeKillsAStubbornPeerAndItsChildren() throws IOException {
    InteropPeer peer = startFake("--stubborn");
    peer.send("spawn");
    long child = (long) peer.awaitEvent(e -> e.is("spawned"), WAIT).number("pid");
    assertThat(ProcessHandle.of(child)).hasValueSatisfying(h -> assertThat(h.isAlive()).isTrue());
    peer.close();
    assertThat(peer.isAlive()).isFalse();
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    peer.close(); // idempotent
  }
}
