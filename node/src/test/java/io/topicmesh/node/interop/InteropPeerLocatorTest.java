package io.topicmesh.node.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteropPeerLocatorTest {

  @TempDir
  Path tmp;

  private static InteropPeerLocator locator(Map<String, String> env) {
    return new InteropPeerLocator(env::get);
  }

  @Test
  void explicitDirectoryWinsOverTheCache() {
    var l = locator(Map.of("TOPICMESH_INTEROP_DIR", "/x/interop", "TOPICMESH_CACHE", "/c", "HOME", "/h"));
    assertThat(l.interopDir()).isEqualTo(Path.of("/x/interop"));
  }

  @Test
  void cacheDirectoryDefaultsUnderHome() {
    assertThat(locator(Map.of("TOPICMESH_CACHE", "/c", "HOME", "/h")).interopDir()).isEqualTo(Path.of("/c/interop"));
    assertThat(locator(Map.of("HOME", "/h")).interopDir()).isEqualTo(Path.of("/h/.cache/topicmesh/interop"));
  }

  @Test
  void missingPeersFailNamingPrepareScript() {
    var l = locator(Map.of("TOPICMESH_INTEROP_DIR", tmp.toString(), "PATH", tmp.toString()));
    assertThatThrownBy(() -> l.command(InteropPeer.Kind.GO))
        .isInstanceOf(InteropPeerLocator.MissingInteropPeerException.class)
        .hasMessageContaining(tmp.resolve("go-peer").toString())
        .hasMessageContaining("scripts/prepare.sh");
    assertThatThrownBy(() -> l.command(InteropPeer.Kind.JS))
        .hasMessageContaining(tmp.resolve("js-peer").resolve("peer.js").toString())
        .hasMessageContaining("scripts/prepare.sh");
    assertThatThrownBy(() -> l.command(InteropPeer.Kind.RUST))
        .isInstanceOf(InteropPeerLocator.MissingInteropPeerException.class)
        .hasMessageContaining("The rust interop peer is missing")
        .hasMessageContaining(tmp.resolve("rust-peer").toString())
        .hasMessageContaining("scripts/prepare.sh");
    // the harness refuses to start anything rather than skipping
    assertThatThrownBy(() -> InteropPeer.start(l, InteropPeer.Kind.GO, List.of()))
        .hasMessageContaining("scripts/prepare.sh");
  }

  @Test
  void jsPeerNeedsNodeOnPath() throws IOException {
    Path js = Files.createDirectories(tmp.resolve("js-peer"));
    Files.writeString(js.resolve("peer.js"), "");
    Files.createDirectories(js.resolve("node_modules"));
    var noNode = locator(Map.of("TOPICMESH_INTEROP_DIR", tmp.toString(), "PATH", tmp.resolve("bin").toString()));
    assertThatThrownBy(() -> noNode.command(InteropPeer.Kind.JS)).hasMessageContaining("no 'node' on PATH");

    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path node = Files.createFile(bin.resolve("node"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    var withNode = locator(Map.of("TOPICMESH_INTEROP_DIR", tmp.toString(), "PATH", "/nonexistent:" + bin));
    assertThat(withNode.command(InteropPeer.Kind.JS)).containsExactly(node.toString(), js.resolve("peer.js").toString());
  }

  @Test
  void goPeerMustBeExecutable() throws IOException {
    Path go = Files.createFile(tmp.resolve("go-peer"));
    var l = locator(Map.of("TOPICMESH_INTEROP_DIR", tmp.toString()));
    assertThatThrownBy(() -> l.command(InteropPeer.Kind.GO)).hasMessageContaining("no executable");
    Files.setPosixFilePermissions(go, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(l.command(InteropPeer.Kind.GO)).containsExactly(go.toString());
  }

  @Test
  void rustPeerMustBeExecutable() throws IOException {
    Path rust = Files.createFile(tmp.resolve("rust-peer"));
    var l = locator(Map.of("TOPICMESH_INTEROP_DIR", tmp.toString()));
    assertThatThrownBy(() -> l.command(InteropPeer.Kind.RUST)).hasMessageContaining("no executable");
    Files.setPosixFilePermissions(rust, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(l.command(InteropPeer.Kind.RUST)).containsExactly(rust.toString());
  }
}
