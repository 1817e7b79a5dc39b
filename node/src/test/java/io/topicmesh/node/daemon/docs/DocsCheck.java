package io.topicmesh.node.daemon.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares {@link DocClaims} with the node: each method returns one line per claim the node does not
 * bear out, naming the file, the line and what was claimed against what is.
 */
final class DocsCheck {
  private DocsCheck() {}

  /**
   * Every flag is an option in the {@code --help} of a subcommand the text ties it to (of any
   * subcommand when the text names none).
   *
   * @param help each subcommand's rendered {@code --help} ({@code params get} for nested ones)
   */
  static List<String> flags(DocClaims c, Map<String, String> help) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Flag f : c.flags) {
      List<String> candidates = help.keySet().stream()
          .filter(cmd -> f.commands().isEmpty() || f.commands().contains(cmd.split(" ")[0]))
          .toList();
      if (candidates.stream().noneMatch(cmd -> optionIn(help.get(cmd), f.flag()))) {
        problems.add(f.where() + ": " + f.flag() + " is no option of " + (f.commands().isEmpty() ? "any command"
            : String.join("/", f.commands())) + " (checked against their --help)");
      }
    }
    return problems;
  }

  /** Whether picocli's usage text lists {@code flag} as an option. */
  static boolean optionIn(String help, String flag) {
    return Pattern.compile("(^|[\\s,\\[])" + Pattern.quote(flag) + "([=\\s,\\]]|$)", Pattern.MULTILINE)
        .matcher(help).find();
  }

  /**
   * Every command line parses as the CLI parses it.
   *
   * @param parse the arguments to an error message, or null when they parse
   */
  static List<String> commands(DocClaims c, Function<List<String>, String> parse) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Command cmd : c.commands) {
      String error = parse.apply(cmd.args());
      if (error != null) {
        problems.add(cmd.where() + ": " + String.join(" ", cmd.args()) + ": " + error);
      }
    }
    return problems;
  }

  /**
   * Every {@code TOPICMESH_*} variable is one the node or a script reads.
   *
   * @param known exact names
   * @param prefixes names that {@code TOPICMESH_PARAMS_<NAME>}-style patterns may start with
   */
  static List<String> envVars(DocClaims c, Set<String> known, Set<String> prefixes) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Name n : c.envVars) {
      boolean ok = n.prefix() ? prefixes.contains(n.name()) : known.contains(n.name());
      if (!ok) {
        problems.add(n.where() + ": " + n.name() + (n.prefix() ? "*" : "") + " is read by nothing (not a config"
            + " option's variable, a client's, or a script's)");
      }
    }
    return problems;
  }

  /** Every config key named in the configuration prose is one the loader accepts. */
  static List<String> configKeys(DocClaims c, Predicate<String> accepted) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Name n : c.configKeys) {
      if (!accepted.test(n.name())) {
        problems.add(n.where() + ": " + n.name() + " is no config key or parameter the loader accepts");
      }
    }
    return problems;
  }

  /**
   * Every endpoint answers its method with a 2xx on the live node ({@code /readyz} may say 503).
   *
   * @param status the live node's status for a method and a concrete path
   */
  static List<String> endpoints(DocClaims c, Function<DocClaims.Endpoint, Integer> status) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Endpoint e : c.endpoints) {
      int s = status.apply(e);
      boolean ok = s / 100 == 2 || (e.path().equals("/readyz") && s == 503);
      if (!ok) {
        problems.add(e.where() + ": " + e.method() + " " + e.path() + " answered " + s + " on a live node");
      }
    }
    return problems;
  }

  /**
   * Every metric name is exposed on the live node's /metrics (a {@code name_*} prefix by at least
   * one series), or is allowed with a reason.
   *
   * @param exposed the sample and family names of the live node's exposition
   * @param allowed names (or prefixes ending in {@code _}) the node does not expose, with why
   */
  static List<String> metrics(DocClaims c, Set<String> exposed, Map<String, String> allowed) {
    List<String> problems = new ArrayList<>();
    for (DocClaims.Name n : c.metrics) {
      boolean ok = n.prefix() ? exposed.stream().anyMatch(e -> e.startsWith(n.name())) : exposed.contains(n.name());
      ok = ok || allowed.keySet().stream().anyMatch(a -> a.endsWith("_") ? n.name().startsWith(a) : a.equals(n.name()));
      if (!ok) {
        problems.add(n.where() + ": metric " + n.name() + (n.prefix() ? "*" : "") + " is not on a live node's /metrics");
      }
    }
    return problems;
  }

  private static final Pattern FLAG_WITH_NOTE = Pattern.compile(
      "`(--[a-z][a-z0-9-]*)((?:[\\s=][^`]*)?)`\\s*\\(((?:[^()]|\\([^()]*\\))*)\\)");
  private static final Pattern FLAG_SPAN = Pattern.compile("`(--[a-z][a-z0-9-]*)([\\s=][^`]*)?`");
  private static final Pattern STATED_DEFAULT = Pattern.compile(
      "\\bdefault:? `([^`]+)`|\\bdefault:? ([^\\s,;`]+)|\\b([a-z]+) by default\\b");

  /**
   * What the prose says about a flag's default agrees with the CLI: a value in angle brackets after a
   * flag is a placeholder ({@code --ping-interval <duration>}), never a value ({@code <5s>} reads as the
   * default); a note right after the flag ({@code --seed <n>} (… random by default), {@code --listen
   * <multiaddr>} (… default `/ip4/…`)) names the default the command applies.
   *
   * @param commandOf the subcommand a section's flags belong to (by its heading line), or null for
   *     sections that are not checked
   * @param actualDefault (command, flag) to the default as the CLI applies it, for people ({@code off},
   *     {@code random}, {@code 5s}); null when the command has no such flag
   */
  static List<String> flagDefaults(String file, String markdown, Function<String, String> commandOf,
      java.util.function.BiFunction<String, String, String> actualDefault) {
    List<String> problems = new ArrayList<>();
    String heading = "";
    boolean fenced = false;
    StringBuilder para = new StringBuilder();
    int paraLine = 0;
    String[] lines = markdown.split("\n", -1);
    for (int i = 0; i <= lines.length; i++) {
      String line = i < lines.length ? lines[i] : "";
      boolean fence = line.startsWith("```");
      boolean ends = i == lines.length || fence || line.isBlank() || line.startsWith("#");
      if (ends && para.length() > 0) {
        String command = commandOf.apply(heading);
        if (command != null) {
          defaultsOfParagraph(file, paraLine, para.toString(), command, actualDefault, problems);
        }
        para.setLength(0);
      }
      if (fence) {
        fenced = !fenced;
        continue;
      }
      if (fenced || i == lines.length) {
        continue;
      }
      if (line.startsWith("#")) {
        heading = line;
        continue;
      }
      if (!line.isBlank()) {
        if (para.length() == 0) {
          paraLine = i + 1;
        }
        para.append(line).append('\n');
      }
    }
    return problems;
  }

  private static void defaultsOfParagraph(String file, int firstLine, String text, String command,
      java.util.function.BiFunction<String, String, String> actualDefault, List<String> problems) {
    Matcher span = FLAG_SPAN.matcher(text);
    while (span.find()) {
      String placeholder = span.group(2) == null ? "" : span.group(2).trim();
      if (placeholder.matches("<\\d[^>]*>")) {
        problems.add(file + ":" + line(firstLine, text, span.start()) + ": " + span.group(1) + " " + placeholder
            + ": a value in angle brackets reads as the default; write what it takes (<duration>, <n>)");
      }
    }
    Matcher m = FLAG_WITH_NOTE.matcher(text);
    while (m.find()) {
      String flag = m.group(1);
      Matcher d = STATED_DEFAULT.matcher(m.group(3).replace('\n', ' '));
      if (!d.find()) {
        continue;
      }
      String stated = d.group(1) != null ? d.group(1) : d.group(2) != null ? d.group(2) : d.group(3);
      String actual = actualDefault.apply(command, flag);
      String where = file + ":" + line(firstLine, text, m.start());
      if (actual == null) {
        problems.add(where + ": " + flag + " is no option of " + command + " (its default is stated as " + stated + ")");
      } else if (!actual.equals(stated)) {
        problems.add(where + ": " + command + " " + flag + ": the docs say the default is " + stated
            + ", the CLI's is " + (actual.isEmpty() ? "none" : actual));
      }
    }
  }

  private static int line(int firstLine, String text, int offset) {
    return firstLine + (int) text.substring(0, offset).chars().filter(c -> c == '\n').count();
  }
}
