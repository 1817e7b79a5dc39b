package io.topicmesh.node.daemon.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: docs/pubsub-router.md's compatibility matrix names, in each cell, the test that backs
 * it. Every test class named there must exist in some module's test sources, and every method
 * named (as {@code Class#method} or {@code Class.method}, not abbreviated with an ellipsis) must be
 * in that class, so a renamed or deleted test cannot leave a claim behind.
 */
class CompatibilityMatrixTest {
  private static final Pattern NAME =
      Pattern.compile("`([A-Z][A-Za-z0-9]*(?:Test|IT))(?:([#.])([a-z][A-Za-z0-9]*)(…)?)?`");
  private static final Pattern FOLLOW_ON = Pattern.compile("`[#.]([a-z][A-Za-z0-9]*)(…)?`");

  @Test
  void everyTestTheMatrixNamesExists() throws IOException {
    Map<String, Path> classes = testClasses();
    List<String> rows = matrixRows();
    assertThat(rows).as("matrix rows in docs/pubsub-router.md").hasSizeGreaterThan(10);
    List<String> problems = new ArrayList<>();
    int named = 0;
    for (String row : rows) {
      Matcher m = NAME.matcher(row);
      String lastClass = null;
      int end = 0;
      while (m.find()) {
        named++;
        check(classes, m.group(1), m.group(3), m.group(4) != null, row, problems);
        lastClass = m.group(1);
        end = m.end();
        // `#other` right after a class names another method of it
        Matcher f = FOLLOW_ON.matcher(row);
        int from = end;
        while (f.find(from) && row.substring(from, f.start()).matches("[, ]*")) {
          check(classes, lastClass, f.group(1), f.group(2) != null, row, problems);
          from = f.end();
        }
      }
    }
    assertThat(named).as("test names in the matrix").isGreaterThan(40);
    assertThat(problems).as("tests named by the matrix that do not exist").isEmpty();
  }

  private static void check(Map<String, Path> classes, String cls, String method, boolean abbreviated, String row,
      List<String> problems) {
    Path file = classes.get(cls);
    if (file == null) {
      problems.add(cls + " (no such test class) in: " + row.substring(0, Math.min(60, row.length())));
      return;
    }
    if (method == null) {
      return;
    }
    String src = read(file);
    boolean found = abbreviated ? Pattern.compile("void " + method + "\\w*\\(").matcher(src).find()
        : Pattern.compile("void " + method + "\\(").matcher(src).find();
    if (!found) {
      problems.add(cls + "#" + method + (abbreviated ? "…" : "") + " (no such method)");
    }
  }

  private static List<String> matrixRows() throws IOException {
    List<String> lines = Files.readAllLines(ExecutableDocsTest.ROOT.resolve("docs/pubsub-router.md"));
    List<String> rows = new ArrayList<>();
    boolean in = false;
    for (String l : lines) {
      if (l.startsWith("| feature |")) {
        in = true;
        continue;
      }
      if (in && !l.startsWith("|")) {
        break;
      }
      if (in && !l.startsWith("|---")) {
        rows.add(l);
      }
    }
    return rows;
  }

  private static Map<String, Path> testClasses() throws IOException {
    Map<String, Path> out = new HashMap<>();
    for (String module : List.of("node", "operator", "e2e")) {
      Path dir = ExecutableDocsTest.ROOT.resolve(module).resolve("src/test/java");
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        files.filter(p -> p.toString().endsWith(".java"))
            .forEach(p -> out.put(p.getFileName().toString().replace(".java", ""), p));
      }
    }
    return out;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
