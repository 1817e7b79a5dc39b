package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "One node: `run`" section, executed with the shaded jar: its two {@code run} command
 * lines start as written (their ports moved to free ones, the key file into a temporary directory),
 * the first prints exactly the stdout block the README shows (issue 15: the {@code admin http://…}
 * line was missing from it), and the event lines it gives as examples ({@code connected …}, {@code
 * identified …}, {@code ping …}, {@code disconnected …}) are the ones the nodes print; every kind of
 * line they print is in docs/host.md's list of the stdout lines.
 */
class ReadmeRunIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String ID = "12D3KooW…";
  private static final Pattern PORT = Pattern.compile("(?<=/tcp/|127\\.0\\.0\\.1:)\\d{2,5}\\b");

  @TempDir Path tmp;
  private final List<DaemonIT.Node> nodes = new ArrayList<>();
  private final Map<String, String> ports = new LinkedHashMap<>();

  @AfterEach
  void stop() {
    nodes.forEach(n -> n.process.destroyForcibly());
  }

  /** The README's fenced blocks, in order, each with its backslash-continued lines joined. */
  static List<List<String>> fencedBlocks(String markdown) {
    List<List<String>> blocks = new ArrayList<>();
    List<String> block = null;
    StringBuilder pending = new StringBuilder();
    for (String line : markdown.split("\n", -1)) {
      if (line.startsWith("```")) {
        if (block == null) {
          block = new ArrayList<>();
        } else {
          blocks.add(block);
          block = null;
        }
        continue;
      }
      if (block != null) {
        pending.append(pending.length() == 0 ? line : " " + line.trim());
        if (line.endsWith("\\")) {
          pending.setLength(pending.length() - 1);
          continue;
        }
        block.add(pending.toString().trim());
        pending.setLength(0);
      }
    }
    return blocks;
  }

  /** The code spans of the text between {@code from} and {@code to} (lines joined). */
  static List<String> spansBetween(String markdown, String from, String to) {
    int start = markdown.indexOf(from);
    int end = markdown.indexOf(to, Math.max(start, 0));
    assertThat(start).as("README text '%s'", from).isNotNegative();
    assertThat(end).as("README text '%s' after '%s'", to, from).isNotNegative();
    return spans(markdown.substring(start, end).replace('\n', ' '));
  }

  /** The code spans of the text. */
  static List<String> spans(String text) {
    List<String> spans = new ArrayList<>();
    Matcher m = Pattern.compile("`([^`]+)`").matcher(text);
    while (m.find()) {
      spans.add(m.group(1));
    }
    return spans;
  }

  /** The text with every README port replaced by a free loopback port (the same one each time). */
  private String freePorts(String text) throws IOException {
    Matcher m = PORT.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String port = ports.get(m.group());
      if (port == null) {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
          port = Integer.toString(s.getLocalPort());
        }
        ports.put(m.group(), port);
      }
      m.appendReplacement(out, port);
    }
    m.appendTail(out);
    return out.toString();
  }

  private List<String> args(String commandLine, String peerId) throws IOException {
    String line = freePorts(commandLine).replace(ID, peerId == null ? ID : peerId);
    List<String> words = List.of(line.split("\\s+"));
    List<String> args = new ArrayList<>(words.subList(words.indexOf("-jar") + 2, words.size()));
    args.replaceAll(a -> a.endsWith(".key") ? tmp.resolve(a).toString() : a);
    return args;
  }

  /** An example line as a pattern: {@code <peer-id>} is the given id, other placeholders and figures any. */
  private Pattern example(String span, String peerId) throws IOException {
    StringBuilder p = new StringBuilder();
    String text = freePorts(span);
    Matcher m = Pattern.compile("<peer-id>|<[a-z-]+>|\\d+\\.\\d+(?= ms)").matcher(text);
    int last = 0;
    while (m.find()) {
      p.append(Pattern.quote(text.substring(last, m.start())));
      p.append(m.group().equals("<peer-id>") ? Pattern.quote(peerId) : m.group().startsWith("<") ? "\\S+" : "\\d+\\.\\d+");
      last = m.end();
    }
    p.append(Pattern.quote(text.substring(last)));
    return Pattern.compile(p.toString());
  }

  private static String awaitMatch(DaemonIT.Node n, Pattern p) {
    await().atMost(WAIT).until(() -> n.lines.stream().anyMatch(l -> p.matcher(l).matches()));
    return n.lines.stream().filter(l -> p.matcher(l).matches()).findFirst().orElseThrow();
  }

  @Test
  void theReadmesRunSectionIsWhatTheNodesDo() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    String section = readme.substring(readme.indexOf("### One node"), readme.indexOf("### Clients"));
    List<List<String>> blocks = fencedBlocks(section);
    assertThat(blocks).as("the run section's blocks: command, its stdout, a second command").hasSizeGreaterThanOrEqualTo(3);
    String first = blocks.get(0).get(0);
    List<String> shown = blocks.get(1);
    String second = blocks.get(2).get(0);
    assertThat(first).contains("topicmesh-node.jar run");
    assertThat(second).contains("topicmesh-node.jar run").contains("--peer");

    DaemonIT.Node a = start("first", args(first, null));
    await().atMost(WAIT).until(() -> a.lines.size() >= shown.size());
    String idA = a.lines.get(0).substring("peer-id ".length());
    List<String> expected = new ArrayList<>();
    for (String l : shown) {
      expected.add(freePorts(l).replace(ID, idA));
    }
    assertThat(a.lines.subList(0, shown.size())).as("the stdout the README shows (ports moved: %s)", ports)
        .containsExactlyElementsOf(expected);
    assertThat(tmp.resolve("node1.key")).as("--key-file is created").exists();

    DaemonIT.Node b = start("second", args(second, idA));
    String idB = b.awaitLine("peer-id ").substring("peer-id ".length());
    // all the first node printed before its first event is the block: no line more than the README shows
    a.awaitLine("connected " + idB);
    assertThat(a.lines.subList(0, a.lines.indexOf(a.find("connected " + idB).orElseThrow())))
        .as("the first node's stdout before its first event").containsExactlyElementsOf(expected);
    List<String> events = spansBetween(section, "stdout has one line per event", "SIGTERM");
    List<String> stdin = spansBetween(section, "stdin takes", "`run` options");
    assertThat(stdin).as("the README's stdin commands").contains("ping <peer-id>");
    assertThat(events).as("the README's example event lines").anyMatch(s -> s.startsWith("connected "))
        .anyMatch(s -> s.startsWith("identified ")).anyMatch(s -> s.startsWith("ping "))
        .anyMatch(s -> s.startsWith("disconnected "));
    for (String e : events) {
      if (e.startsWith("connected ")) {
        awaitMatch(b, example(e, idA));
      } else if (e.startsWith("identified ")) {
        awaitMatch(b, example(e, idA));
      } else if (e.startsWith("ping ")) {
        b.send("ping " + idA); // the README's stdin command
        awaitMatch(b, example(e, idA));
      }
    }
    b.process.destroy(); // SIGTERM
    assertThat(b.process.waitFor(30, TimeUnit.SECONDS)).as("SIGTERM ends the node").isTrue();
    assertThat(b.process.exitValue()).as("and it exits 0").isZero();
    String disconnected = events.stream().filter(s -> s.startsWith("disconnected ")).findFirst().orElseThrow();
    awaitMatch(a, example(disconnected, idB));

    // every kind of line the nodes printed is in docs/host.md's list of the stdout lines
    String hostMd = Files.readString(Path.of("..", "docs", "host.md")).replaceAll("\\s+", " ");
    Matcher list = Pattern.compile("stdout carries only machine-readable lines \\(([^)]*)\\)").matcher(hostMd);
    assertThat(list.find()).as("docs/host.md lists the stdout lines").isTrue();
    java.util.Set<String> documented = new java.util.TreeSet<>(spans(list.group(1)));
    java.util.Set<String> printed = new java.util.TreeSet<>();
    for (DaemonIT.Node n : List.of(a, b)) {
      n.lines.forEach(l -> printed.add(l.split(" ")[0]));
    }
    assertThat(documented).as("docs/host.md's stdout lines, against what the nodes printed").containsAll(printed);
  }

  private DaemonIT.Node start(String name, List<String> args) throws IOException {
    DaemonIT.Node n = new DaemonIT.Node(args, tmp.resolve(name + ".stderr"));
    nodes.add(n);
    return n;
  }
}
