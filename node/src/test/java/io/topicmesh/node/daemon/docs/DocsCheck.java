package io.topicmesh.node.daemon.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
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
}
