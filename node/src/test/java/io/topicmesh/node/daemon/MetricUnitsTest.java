package io.topicmesh.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Gaps 5 to 7 of docs/observability.md on a real daemon's registry: base units (durations of
 * topicmesh_node_param in seconds, process CPU in seconds), a counter for dropped deliveries, and the
 * muxers' meters bound to the daemon's registry.
 */
class MetricUnitsTest {
  static final Pattern NON_BASE_UNIT = Pattern.compile(
      "(^|_)(nanoseconds|microseconds|milliseconds|ns|us|ms|millis|minutes|hours|days|kilobytes|megabytes"
          + "|gigabytes|kb|mb|gb|kib|mib|gib|bits|percent)(_|$)");

  @Test
  void daemonMetricsAreInBaseUnitsWithCountersForEvents() {
    PrometheusMeterRegistry registry = Metrics.prometheus();
    Daemon node = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("t"), "params.heartbeatIntervalMs", 700)),
        PrivKey.generate(KeyType.ED25519, new SecureRandom()), registry, 1);
    try {
      node.start();
      String text = registry.scrape();

      // gap 7: durations in seconds, named for it; no parameter name ends in Ms
      assertThat(text).contains("topicmesh_node_param{name=\"heartbeatIntervalSeconds\"} 0.7")
          .contains("topicmesh_node_param{name=\"seenTtlSeconds\"}")
          .contains("topicmesh_node_param{name=\"d\"} 6.0");
      assertThat(labelValues(text, "topicmesh_node_param", "name")).isNotEmpty()
          .noneMatch(n -> n.endsWith("Ms"));
      assertThat(Daemon.paramLabel("fanoutTtlMs")).isEqualTo("fanoutTtlSeconds");
      assertThat(Daemon.paramLabel("dlo")).isEqualTo("dlo");
      // gap 7: process CPU in seconds, Micrometer's nanosecond counter left out
      assertThat(text).contains("# TYPE process_cpu_seconds_total counter").doesNotContain("process_cpu_time");
      assertThat(value(text, "process_cpu_seconds_total")).isPositive().isLessThan(3600 * 24);

      // gap 6: a counter, not a gauge with a cumulative count
      assertThat(text).contains("# TYPE topicmesh_node_deliveries_dropped_total counter")
          .contains("topicmesh_node_deliveries_dropped_total 0.0")
          .doesNotContain("topicmesh_node_delivery_dropped");

      // gap 5: the muxers' meters are on the daemon's registry, per muxer, at 0 before any stream
      assertThat(text).contains("topicmesh_mux_streams_opened_total{direction=\"in\",muxer=\"yamux\"} 0.0")
          .contains("topicmesh_mux_streams_opened_total{direction=\"out\",muxer=\"mplex\"} 0.0")
          .contains("topicmesh_mux_streams_closed_total{muxer=\"yamux\",reason=\"none\"} 0.0");

      Set<String> names = new TreeSet<>();
      text.lines().filter(l -> l.startsWith("# TYPE ")).forEach(l -> names.add(l.split(" ")[2]));
      assertThat(names).hasSizeGreaterThan(30).noneMatch(n -> NON_BASE_UNIT.matcher(n).find());
    } finally {
      node.shutdown();
    }
  }

  private static Set<String> labelValues(String text, String metric, String label) {
    Set<String> values = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{[^}]*" + label + "=\"([^\"]*)\"").matcher(text);
    while (m.find()) {
      values.add(m.group(1));
    }
    return values;
  }

  private static double value(String text, String metric) {
    Matcher m = Pattern.compile("(?m)^" + metric + " (\\S+)$").matcher(text);
    assertThat(m.find()).as("%s in the scrape", metric).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
