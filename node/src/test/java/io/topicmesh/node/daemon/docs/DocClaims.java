package io.topicmesh.node.daemon.docs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The concrete claims a Markdown document makes about the node: command lines of {@code
 * topicmesh-node.jar}, flags, config keys, {@code TOPICMESH_*} variables, admin endpoints and
 * metric names, each with the file and line it came from. {@link DocsCheck} compares them with what
 * the node does.
 */
final class DocClaims {
  /** Where a claim was made. */
  record Where(String file, int line) {
    @Override
    public String toString() {
      return file + ":" + line;
    }
  }

  /** {@code java -jar …topicmesh-node.jar <args>}: the args. */
  record Command(Where where, List<String> args) {}

  /**
   * A flag named in prose; {@code commands} are the subcommands the text ties it to (empty: any).
   */
  record Flag(Where where, String flag, Set<String> commands) {}

  /** {@code GET /v1/status}; {@code path} as written, with {@code {t}} and {@code [?limit=N]}. */
  record Endpoint(Where where, String method, String path) {}

  /** A metric, variable or key name; {@code prefix} when written as {@code name_*}. */
  record Name(Where where, String name, boolean prefix) {}

  final List<Command> commands = new ArrayList<>();
  final List<Flag> flags = new ArrayList<>();
  final List<Endpoint> endpoints = new ArrayList<>();
  final List<Name> metrics = new ArrayList<>();
  final List<Name> envVars = new ArrayList<>();
  final List<Name> configKeys = new ArrayList<>();

  private static final Pattern CODE_SPAN = Pattern.compile("`([^`]+)`");
  private static final Pattern METRIC = Pattern.compile("\\btopicmesh_[a-z0-9_]*[a-z0-9](_\\*)?");
  private static final Pattern ENV = Pattern.compile("\\bTOPICMESH_[A-Z0-9_]*(\\*|<[A-Z]+>)?");
  private static final Pattern ENDPOINT = Pattern.compile(
      "\\b((?:GET|PUT|POST|DELETE|PATCH)(?:\\|(?:GET|PUT|POST|DELETE|PATCH))*) (/(?:v1|healthz|readyz|metrics)[^\\s`),;]*)");
  private static final Pattern FLAG = Pattern.compile("^(--[a-z][a-z0-9-]*|-[a-zA-Z])(=.*)?$");
  private static final Pattern KEY = Pattern.compile("[a-z][a-zA-Z0-9]*(\\.[a-z*][a-zA-Z0-9*]*)*");

  /**
   * @param file the name to report
   * @param markdown the document
   * @param subcommands the node's subcommand names ({@code run}, {@code status}, …)
   * @param cliSection whether prose under this heading (the heading line's text) talks about the
   *     node's command line, so its code spans that look like flags are claims
   * @param configSection whether prose under this heading describes the configuration, so its code
   *     spans that look like config keys ({@code redial.minMs}, {@code pingInterval: 5s}) are claims
   */
  static DocClaims extract(String file, String markdown, Set<String> subcommands, Predicate<String> cliSection,
      Predicate<String> configSection) {
    DocClaims c = new DocClaims();
    String[] lines = markdown.split("\n", -1);
    boolean fenced = false;
    String heading = "";
    StringBuilder pending = null; // a shell line continued with a backslash
    int pendingLine = 0;
    List<String> para = new ArrayList<>();
    int paraLine = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Where where = new Where(file, i + 1);
      names(line, where, c);
      if (line.startsWith("```")) {
        c.prose(para, file, paraLine, subcommands, cliSection.test(heading), configSection.test(heading));
        para.clear();
        fenced = !fenced;
        pending = null;
        continue;
      }
      if (fenced) {
        String text = line.replaceFirst("\\s+#.*$", "");
        if (pending != null) {
          pending.append(' ').append(text.trim());
        } else {
          pending = new StringBuilder(text.trim());
          pendingLine = i + 1;
        }
        if (pending.toString().endsWith("\\")) {
          pending.setLength(pending.length() - 1);
          continue;
        }
        c.command(pending.toString(), new Where(file, pendingLine));
        pending = null;
        continue;
      }
      boolean starts = line.startsWith("#") || line.isBlank() || line.startsWith("- ") || line.startsWith("|")
          || line.matches("^\\d+\\. .*");
      if (starts) {
        c.prose(para, file, paraLine, subcommands, cliSection.test(heading), configSection.test(heading));
        para.clear();
      }
      if (line.startsWith("#")) {
        heading = line;
        continue;
      }
      if (!line.isBlank()) {
        if (para.isEmpty()) {
          paraLine = i + 1;
        }
        para.add(line);
      }
    }
    c.prose(para, file, paraLine, subcommands, cliSection.test(heading), configSection.test(heading));
    return c;
  }

  /** Metric names, variables and endpoints: wherever they are written. */
  private static void names(String line, Where where, DocClaims c) {
    Matcher m = METRIC.matcher(line);
    while (m.find()) {
      String name = m.group();
      boolean prefix = name.endsWith("_*");
      if (!prefix && m.end() < line.length() && line.charAt(m.end()) == '_' ) {
        // topicmesh_mux_{a,b}_total: a brace list, checked as the prefix
        prefix = true;
        name = name + "_*";
      }
      c.metrics.add(new Name(where, prefix ? name.substring(0, name.length() - 1) : name, prefix));
    }
    m = ENV.matcher(line);
    while (m.find()) {
      String name = m.group();
      boolean prefix = m.group(1) != null;
      c.envVars.add(new Name(where, prefix ? name.substring(0, name.length() - m.group(1).length()) : name, prefix));
    }
    m = ENDPOINT.matcher(line);
    while (m.find()) {
      for (String method : m.group(1).split("\\|")) {
        c.endpoints.add(new Endpoint(where, method, m.group(2)));
      }
    }
  }

  private void command(String text, Where where) {
    List<String> words = List.of(text.trim().split("\\s+"));
    int jar = -1;
    for (int i = 0; i < words.size(); i++) {
      if (words.get(i).endsWith("topicmesh-node.jar") && i > 0 && words.get(i - 1).equals("-jar")) {
        jar = i;
        break;
      }
    }
    if (jar < 0) {
      return;
    }
    List<String> args = new ArrayList<>();
    for (String w : words.subList(jar + 1, words.size())) {
      if (w.equals("&&") || w.equals("|") || w.equals(";") || w.startsWith(">") || w.equals("&")) {
        break;
      }
      args.add(w);
    }
    commands.add(new Command(where, args));
  }

  /** Flags and config keys in a paragraph's code spans; command lines written inline. */
  private void prose(List<String> para, String file, int firstLine, Set<String> subcommands, boolean cli,
      boolean config) {
    if (para.isEmpty()) {
      return;
    }
    List<String> spans = new ArrayList<>();
    List<Integer> spanLines = new ArrayList<>();
    for (int k = 0; k < para.size(); k++) {
      // a span may run onto the next line: join first, then find the line of its start
      Matcher m = CODE_SPAN.matcher(para.get(k));
      while (m.find()) {
        spans.add(m.group(1));
        spanLines.add(firstLine + k);
      }
    }
    String joined = String.join(" ", para);
    Matcher m = CODE_SPAN.matcher(joined);
    List<String> wrapped = new ArrayList<>();
    while (m.find()) {
      wrapped.add(m.group(1));
    }
    for (String s : wrapped) {
      if (!spans.contains(s)) {
        spans.add(s);
        spanLines.add(firstLine);
      }
    }
    Set<String> context = new LinkedHashSet<>();
    for (String s : spans) {
      String first = s.trim().split("\\s+")[0];
      if (subcommands.contains(first)) {
        context.add(first);
      }
    }
    for (int k = 0; k < spans.size(); k++) {
      String s = spans.get(k).trim();
      Where where = new Where(file, spanLines.get(k));
      if (s.contains("topicmesh-node.jar")) {
        command(s, where);
        continue;
      }
      String[] words = s.split("\\s+");
      Set<String> commandsHere = subcommands.contains(words[0]) ? Set.of(words[0]) : context;
      for (int w = 0; w < words.length; w++) {
        Matcher f = FLAG.matcher(words[w]);
        boolean flagWord = w == 0 || subcommands.contains(words[0]) ? f.matches() : words[w].startsWith("--") && f.matches();
        if (flagWord && cli) {
          flags.add(new Flag(where, f.group(1), commandsHere));
        }
      }
      boolean keyValue = s.contains(": ") && !s.contains("=");
      String key = keyValue ? s.substring(0, s.indexOf(": ")) : s;
      if (config && KEY.matcher(key).matches() && (keyValue || key.contains(".") || !key.equals(key.toLowerCase()))
          && !key.matches(".*\\.(yaml|yml|json|md|java|sh|key)$")) {
        configKeys.add(new Name(where, key, false));
      }
    }
  }
}
