package io.topicmesh.node.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium} package) for the mesh view's tests: the DOM after the
 * page's script ran, and a screenshot. Each call uses a fresh profile directory and no network besides
 * the page's own loopback origin (background services off, host names unresolvable).
 */
final class Chromium {
  /** Virtual time the page runs before the DOM is dumped or the screenshot taken: a few polls. */
  static final int VIRTUAL_TIME_MS = 7000;
  static final long TIMEOUT_SECONDS = 90;

  private final Path binary;
  private final Path work;
  private int runs;

  private Chromium(Path binary, Path work) {
    this.binary = binary;
    this.work = work;
  }

  /** Finds chromium on the PATH; fails (never skips) saying how to install it. */
  static Chromium find(Path work) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isExecutable(p)) {
          return new Chromium(p, work);
        }
      }
    }
    throw new AssertionError("chromium is not installed (no chromium or chromium-browser on PATH=" + path + "):"
        + " the mesh view's screenshot test needs it. Install Debian's package with"
        + " e2e/observability/install-chromium.sh (scripts/prepare.sh runs it), or apt-get install chromium");
  }

  /** The serialized DOM once the page has run {@link #VIRTUAL_TIME_MS} of virtual time. */
  String dumpDom(String url) throws IOException, InterruptedException {
    Path out = work.resolve("dom-" + (++runs) + ".html");
    run(List.of("--dump-dom"), url, out);
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  /** A PNG screenshot of a {@code width}×{@code height} window. */
  Path screenshot(String url, Path png, int width, int height) throws IOException, InterruptedException {
    Files.deleteIfExists(png);
    run(List.of("--window-size=" + width + "," + height, "--hide-scrollbars", "--screenshot=" + png.toAbsolutePath()),
        url, work.resolve("screenshot-" + (++runs) + ".out"));
    if (!Files.isRegularFile(png) || Files.size(png) == 0) {
      throw new AssertionError("chromium wrote no screenshot to " + png + "; its output: "
          + Files.readString(work.resolve("chromium-" + runs + ".stderr")));
    }
    return png;
  }

  private void run(List<String> args, String url, Path stdout) throws IOException, InterruptedException {
    String host = java.net.URI.create(url).getHost();
    Path profile = Files.createTempDirectory(work, "profile-");
    Path stderr = work.resolve("chromium-" + runs + ".stderr");
    List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--disable-gpu",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
        "--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
        "--metrics-recording-only", "--no-pings", "--no-proxy-server", "--dns-prefetch-disable",
        
        // only the page's own host resolves (chromium maps 127.0.0.1 through the rules too)
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE " + host, "--force-device-scale-factor=1",
        "--virtual-time-budget=" + VIRTUAL_TIME_MS));
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.add("--no-sandbox"); // chromium refuses to run as root with its sandbox
    }
    cmd.addAll(args);
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    p.getOutputStream().close();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
    }
    if (p.exitValue() != 0) {
      throw new AssertionError("chromium exited with " + p.exitValue() + ": " + String.join(" ", cmd) + "\n"
          + Files.readString(stderr));
    }
  }
}
