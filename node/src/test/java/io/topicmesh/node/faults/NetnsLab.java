package io.topicmesh.node.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces made by the test: one per node ({@code tmf-<pid>-n<i>}, its {@code eth0} with
 * 10.250.0.(i+1)/16) and one for the switch ({@code tmf-<pid>-sw}) holding two bridges, {@code
 * bra} and {@code brb}, joined by the veth pair {@code xa}–{@code xb}. Half A's nodes hang off
 * {@code bra}, half B's off {@code brb}; {@link #cut} takes {@code xa} down (frames between the
 * halves vanish silently: no RST, no ICMP), {@link #heal} brings it back. The 10.250 addresses exist
 * only inside these namespaces, so no packet leaves them. {@link #close} deletes them all.
 */
final class NetnsLab implements AutoCloseable {
  static final String PREFIX = "tmf-";

  final String run = PREFIX + ProcessHandle.current().pid();
  final String sw = run + "-sw";
  private final List<String> created = new ArrayList<>();

  /** Fails, naming what is missing, when the tools or the privilege for namespaces are not there. */
  static void requireTools() throws IOException, InterruptedException {
    List<String> missing = new ArrayList<>();
    for (String[] tool : new String[][] {{"ip", "iproute2"}, {"socat", "socat"}}) {
      if (!onPath(tool[0])) {
        missing.add(tool[0] + " (Debian package " + tool[1] + ")");
      }
    }
    if (!missing.isEmpty()) {
      throw new AssertionError("partitionAndHeal needs " + String.join(" and ", missing)
          + " on the PATH: install it (scripts/prepare.sh does)");
    }
    String uid = run(List.of("id", "-u")).trim();
    if (!uid.equals("0")) {
      throw new AssertionError("partitionAndHeal makes network namespaces and needs root; running as uid " + uid);
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Deletes namespaces named {@code tmf-<pid>-…} whose test process is gone (a run that was killed
   * before its clean-up), with the processes left in them.
   */
  static List<String> clearLeftovers() throws IOException, InterruptedException {
    List<String> cleared = new ArrayList<>();
    for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
      String ns = line.split(" ")[0].trim();
      if (!ns.startsWith(PREFIX)) {
        continue;
      }
      String[] parts = ns.substring(PREFIX.length()).split("-", 2);
      long pid;
      try {
        pid = Long.parseLong(parts[0]);
      } catch (NumberFormatException e) {
        continue;
      }
      if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue; // another run, still going
      }
      killInside(ns);
      run(List.of("ip", "netns", "del", ns));
      cleared.add(ns);
    }
    return cleared;
  }

  private static void killInside(String ns) throws IOException, InterruptedException {
    for (String p : run(List.of("ip", "netns", "pids", ns)).split("\\s+")) {
      if (!p.isBlank()) {
        ProcessHandle.of(Long.parseLong(p.trim())).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /** The switch: two bridges joined by xa–xb, everything up. */
  void createSwitch() throws IOException, InterruptedException {
    addNetns(sw);
    ip("-n", sw, "link", "add", "bra", "type", "bridge");
    ip("-n", sw, "link", "add", "brb", "type", "bridge");
    ip("-n", sw, "link", "add", "xa", "type", "veth", "peer", "name", "xb");
    ip("-n", sw, "link", "set", "xa", "master", "bra");
    ip("-n", sw, "link", "set", "xb", "master", "brb");
    for (String dev : List.of("bra", "brb", "xa", "xb")) {
      ip("-n", sw, "link", "set", dev, "up");
    }
  }

  /** Node {@code i}'s namespace on bridge {@code bra} (half A) or {@code brb}; returns its name. */
  String addNode(int i, boolean halfA) throws IOException, InterruptedException {
    String ns = run + "-n" + i;
    addNetns(ns);
    String port = "v" + i;
    ip("-n", sw, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns);
    ip("-n", sw, "link", "set", port, "master", halfA ? "bra" : "brb");
    ip("-n", sw, "link", "set", port, "up");
    ip("-n", ns, "addr", "add", address(i) + "/16", "dev", "eth0");
    ip("-n", ns, "link", "set", "eth0", "up");
    return ns;
  }

  static String address(int i) {
    return "10.250.0." + (i + 1);
  }

  void cut() throws IOException, InterruptedException {
    ip("-n", sw, "link", "set", "xa", "down");
  }

  void heal() throws IOException, InterruptedException {
    ip("-n", sw, "link", "set", "xa", "up");
  }

  /** {@code ip netns exec <ns>}: the prefix of a command run inside the namespace. */
  static List<String> exec(String ns) {
    return List.of("ip", "netns", "exec", ns);
  }

  private void addNetns(String ns) throws IOException, InterruptedException {
    ip("netns", "add", ns);
    created.add(ns);
    ip("-n", ns, "link", "set", "lo", "up");
  }

  private static void ip(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    run(cmd);
  }

  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", cmd) + ": no exit within 30 s");
    }
    String text = new String(out, StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + text.trim());
    }
    return text;
  }

  /** Kills what is left inside the namespaces and deletes them; the first failure is rethrown after trying all. */
  @Override
  public void close() throws IOException, InterruptedException {
    IOException first = null;
    for (int k = created.size() - 1; k >= 0; k--) {
      String ns = created.get(k);
      try {
        killInside(ns);
        run(List.of("ip", "netns", "del", ns));
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    created.clear();
    if (first != null) {
      throw first;
    }
  }
}
