package io.topicmesh.node.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sim}: runs a scenario file on virtual time with the production router and prints one JSON
 * summary line; with {@code --out}, also result.json (per-message and per-router figures) and the
 * PNG plots. Exit 0 on a completed run, 2 for a bad scenario or option.
 */
@Command(name = "sim", mixinStandardHelpOptions = true,
    description = "Simulate N gossipsub routers on virtual time from a scenario file; print one JSON summary line.")
public final class SimCommand implements Callable<Integer> {
  @Option(names = "--scenario", required = true, description = "Scenario file (YAML or JSON, see docs/simulation.md).")
  Path scenario;

  @Option(names = "--seed", description = "Seed (default: the scenario's seed).")
  Long seed;

  @Option(names = "--set", paramLabel = "FIELD=VALUE",
      description = "Override a scenario field before it is checked, e.g. --set routers=1000 --set params.d=8 (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--out", description = "Directory for result.json and the PNG plots (created if missing).")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    Scenario sc;
    try {
      sc = Scenario.load(scenario, overrides);
    } catch (ScenarioException e) {
      spec.commandLine().getErr().println("error: " + e.getMessage());
      return 2;
    }
    long s = seed != null ? seed : sc.seed();
    SimResult r = new Simulation(sc, s).progress(spec.commandLine().getErr()::println).run();
    ObjectMapper json = new ObjectMapper();
    if (out != null) {
      Files.createDirectories(out);
      Map<String, Object> full = new LinkedHashMap<>();
      full.put("summary", r.summary());
      full.put("messages", r.perMessage());
      full.put("routers", r.perNode());
      Map<String, Object> hist = new LinkedHashMap<>();
      hist.put("duplicates", trim(r.duplicatesHistogram()));
      hist.put("hops", trim(r.hopsHistogram()));
      hist.put("latency100Ms", trim(latencyPer100Ms(r.latencyHistogram())));
      full.put("histograms", hist);
      json.writer(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("result.json").toFile(), full);
      Plots.writeAll(r, out);
    }
    spec.commandLine().getOut().println(json.writeValueAsString(r.summary()));
    spec.commandLine().getOut().flush();
    return 0;
  }

  /** Deliveries per 100 ms of latency from the publish (bucket i: [100 i, 100 (i + 1)) ms). */
  static long[] latencyPer100Ms(long[] fine) {
    int per = 100_000 / Metrics.BUCKET_MICROS;
    long[] out = new long[(fine.length + per - 1) / per];
    for (int i = 0; i < fine.length; i++) {
      out[i / per] += fine[i];
    }
    return out;
  }

  private static long[] trim(long[] h) {
    int last = h.length - 1;
    while (last > 0 && h[last] == 0) {
      last--;
    }
    return java.util.Arrays.copyOf(h, last + 1);
  }
}
