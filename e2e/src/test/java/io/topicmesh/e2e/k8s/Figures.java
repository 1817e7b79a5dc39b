package io.topicmesh.e2e.k8s;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Measured figures: each is printed as one line {@code E2E-FIGURE name=value unit} and the whole set
 * is rewritten to {@code target/e2e-figures.json} after every record, so a failing run keeps what it
 * measured.
 */
final class Figures {
  private static final Map<String, Map<String, Object>> FIGURES = new LinkedHashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Figures() {}

  static synchronized void record(String name, double value, String unit) {
    String shown = value == Math.rint(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value) : String.format(java.util.Locale.ROOT, "%.3f", value);
    System.out.println("E2E-FIGURE " + name + "=" + shown + " " + unit);
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("value", value);
    f.put("unit", unit);
    f.put("at", Instant.now().toString());
    FIGURES.put(name, f);
    write();
  }

  private static void write() {
    Path dir = Path.of(System.getProperty("e2e.moduleDir", ".")).resolve("target");
    try {
      Files.createDirectories(dir);
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("target", System.getProperty("e2e.target", "local"));
      doc.put("figures", FIGURES);
      Path tmp = dir.resolve("e2e-figures.json.tmp");
      JSON.writeValue(tmp.toFile(), doc);
      Files.move(tmp, dir.resolve("e2e-figures.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      System.out.println("e2e: cannot write e2e-figures.json: " + e);
    }
  }
}
