package io.topicmesh.node.interop;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Finds the peers that {@code e2e/interop/build.sh} built: {@code <dir>/go-peer},
 * {@code <dir>/js-peer/peer.js} and {@code <dir>/rust-peer}, where {@code <dir>} is {@code $TOPICMESH_INTEROP_DIR}, else
 * {@code ${TOPICMESH_CACHE:-~/.cache/topicmesh}/interop}. The js peer runs on {@code $TOPICMESH_NODE}
 * or the {@code node} found on {@code PATH}.
 */
final class InteropPeerLocator {
  private static final String HOW_TO_BUILD = "Build the interop peers with scripts/prepare.sh (it runs "
      + "e2e/interop/build.sh and needs Go >= 1.26, Node.js >= 20 and npm, and Rust >= 1.88 with cargo), or set "
      + "TOPICMESH_INTEROP_DIR to a directory holding go-peer, js-peer/peer.js and rust-peer.";

  private final UnaryOperator<String> env;

  InteropPeerLocator(UnaryOperator<String> env) {
    this.env = env;
  }

  static InteropPeerLocator fromEnvironment() {
    return new InteropPeerLocator(System::getenv);
  }

  Path interopDir() {
    String explicit = env.apply("TOPICMESH_INTEROP_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String cache = env.apply("TOPICMESH_CACHE");
    if (cache == null || cache.isBlank()) {
      String home = env.apply("HOME");
      if (home == null || home.isBlank()) {
        home = System.getProperty("user.home");
      }
      cache = Path.of(home, ".cache", "topicmesh").toString();
    }
    return Path.of(cache, "interop");
  }

  /** The command line that starts a peer of this kind, without its flags. */
  List<String> command(InteropPeer.Kind kind) {
    Path dir = interopDir();
    switch (kind) {
      case GO: {
        Path binary = dir.resolve("go-peer");
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
          throw new MissingInteropPeerException("The go interop peer is missing: no executable " + binary + ". " + HOW_TO_BUILD);
        }
        return List.of(binary.toString());
      }
      case JS: {
        Path script = dir.resolve("js-peer").resolve("peer.js");
        if (!Files.isRegularFile(script)) {
          throw new MissingInteropPeerException("The js interop peer is missing: no " + script + ". " + HOW_TO_BUILD);
        }
        if (!Files.isDirectory(dir.resolve("js-peer").resolve("node_modules"))) {
          throw new MissingInteropPeerException("The js interop peer has no node_modules next to " + script + ". " + HOW_TO_BUILD);
        }
        return List.of(node(), script.toString());
      }
      case RUST: {
        Path binary = dir.resolve("rust-peer");
        if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
          throw new MissingInteropPeerException("The rust interop peer is missing: no executable " + binary + ". " + HOW_TO_BUILD);
        }
        return List.of(binary.toString());
      }
      default:
        throw new IllegalArgumentException("unknown peer kind " + kind);
    }
  }

  private String node() {
    String explicit = env.apply("TOPICMESH_NODE");
    if (explicit != null && !explicit.isBlank()) {
      if (!Files.isExecutable(Path.of(explicit))) {
        throw new MissingInteropPeerException("TOPICMESH_NODE=" + explicit + " is not an executable Node.js.");
      }
      return explicit;
    }
    String path = env.apply("PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        if (entry.isEmpty()) {
          continue;
        }
        Path candidate = Path.of(entry, "node");
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    throw new MissingInteropPeerException("The js interop peer needs Node.js >= 20: no 'node' on PATH "
        + "(or set TOPICMESH_NODE to its path).");
  }

  /** A peer binary, script or runtime is not installed; the message says how to get it. */
  static final class MissingInteropPeerException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    MissingInteropPeerException(String message) {
      super(message);
    }
  }
}
