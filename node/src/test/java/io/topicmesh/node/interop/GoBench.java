package io.topicmesh.node.interop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code go-peer bench} (see {@code e2e/interop/README.md}) and returns its one {@code bench}
 * line, so a Java benchmark can print go-libp2p's figures beside ours: {@code noiseMBps},
 * {@code yamux1MBps}, {@code yamuxNMBps}, {@code handshakesPerSec},
 * {@code handshakesPerSecMultistreamMuxer}, plus the parameters used.
 */
public final class GoBench {
  /** Longest accepted output; the real output is one short line. */
  private static final int MAX_OUTPUT_BYTES = 64 * 1024;

  private GoBench() {}

  /**
   * Runs the benchmark with flags such as {@code --mb 256 --streams 64 --handshakes 300 --rounds 3}.
   *
   * @throws IllegalStateException when the peer is not built, fails, or exceeds {@code timeout}
   */
  public static PeerEvent run(List<String> flags, Duration timeout) {
    return run(InteropPeerLocator.fromEnvironment(), flags, timeout);
  }

  static PeerEvent run(InteropPeerLocator locator, List<String> flags, Duration timeout) {
    List<String> command = new ArrayList<>(locator.command(InteropPeer.Kind.GO));
    command.add("bench");
    command.addAll(flags);
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readBounded(process.getInputStream()));
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("go-peer bench did not finish within " + timeout + ": " + String.join(" ", command));
      }
      String text = output.get(10, TimeUnit.SECONDS);
      for (String line : text.split("\n")) {
        if (line.startsWith("{\"event\":\"bench\"")) {
          Map<String, Object> fields = Json.parseObject(line);
          return new PeerEvent(0, fields, line);
        }
      }
      throw new IllegalStateException("go-peer bench exited " + process.exitValue() + " without a bench line: " + text.strip());
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw new IllegalStateException("go-peer bench: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running go-peer bench", e);
    } finally {
      process.destroyForcibly();
    }
  }

  private static String readBounded(InputStream in) {
    try (in) {
      byte[] bytes = in.readNBytes(MAX_OUTPUT_BYTES);
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "reading output failed: " + e.getMessage();
    }
  }
}
