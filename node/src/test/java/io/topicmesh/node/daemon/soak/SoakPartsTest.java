package io.topicmesh.node.daemon.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The soak's parsing and arithmetic, without processes (SoakCommandIT runs the whole). */
class SoakPartsTest {
  @Test
  void durationsTakeAUnitOrSeconds() {
    assertThat(SoakCommand.duration("--duration", "30m")).isEqualTo(Duration.ofMinutes(30));
    assertThat(SoakCommand.duration("--duration", "90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(SoakCommand.duration("--duration", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(SoakCommand.duration("--duration", "45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(SoakCommand.duration("--interval", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThatThrownBy(() -> SoakCommand.duration("--duration", "ten minutes"))
        .hasMessage("--duration: ten minutes is not a duration, expected e.g. 30m, 90s, 1h");
  }

  @Test
  void slopeIsTheLeastSquaresFitPerHour() {
    double[] x = {0, 600, 1200, 1800};
    // about 1 MiB more every 10 minutes, with noise: 5.52 MiB/h
    assertThat(SoakCommand.slopePerHour(x, new double[] {100.2, 100.8, 102.2, 102.8})).isCloseTo(5.52, within(0.01));
    assertThat(SoakCommand.slopePerHour(x, new double[] {50, 50, 50, 50})).isZero();
    assertThat(SoakCommand.slopePerHour(x, new double[] {50, Double.NaN, 49, 48})).isCloseTo(-3.86, within(0.01));
    assertThat(SoakCommand.slopePerHour(new double[] {0, 30}, new double[] {1, 2})).as("too few points").isNaN();
  }

  @Test
  void payloadsCarryTheirSequenceNumber() {
    byte[] p = Ledger.payload(12345, 64);
    assertThat(p).hasSize(64);
    String text = new String(p, StandardCharsets.US_ASCII);
    assertThat(text).startsWith("soak 12345 xxx");
    assertThat(Ledger.seqOf(text)).isEqualTo(12345);
    assertThat(Ledger.seqOf("probe 1")).isEqualTo(-1);
    assertThat(Ledger.seqOf("soak x")).isEqualTo(-1);
  }

  @Test
  void streamEventsGiveTheSequenceNumberExceptTheLocalCopy() {
    String remote = "{\"id\":\"ab\",\"topic\":\"soak\",\"from\":\"12D3\",\"receivedFrom\":\"12D3\",\"local\":false,"
        + "\"base64\":\"c29haw==\",\"data\":\"soak 977 xxxx\"}";
    assertThat(NodeProcess.seqOfEvent(remote)).isEqualTo(977);
    assertThat(NodeProcess.seqOfEvent(remote.replace("\"local\":false", "\"local\":true"))).isEqualTo(-1);
    assertThat(NodeProcess.seqOfEvent(remote.replace("soak 977", "hello 977"))).isEqualTo(-1);
    assertThat(NodeProcess.seqOfEvent(remote.replace("soak 977", "soak  977"))).isEqualTo(-1);
  }

  @Test
  void metricsSumTheSamplesOfAFamilyWithALabel() {
    String text = """
        # HELP jvm_memory_used_bytes The amount of used memory
        # TYPE jvm_memory_used_bytes gauge
        jvm_memory_used_bytes{area="heap",id="Tenured Gen"} 1.2E7
        jvm_memory_used_bytes{area="heap",id="Eden Space"} 4000000.0
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 3.0E7
        jvm_buffer_memory_used_bytes{id="direct"} 65536.0
        """;
    assertThat(NodeProcess.metric(text, "jvm_memory_used_bytes", "area=\"heap\"")).isEqualTo(1.6e7);
    assertThat(NodeProcess.metric(text, "jvm_buffer_memory_used_bytes", "id=\"direct\"")).isEqualTo(65536.0);
    assertThat(NodeProcess.metric(text, "jvm_threads_live_threads", "")).isNaN();
  }

  @Test
  void classHistogramsParseByClass() {
    String text = """
        12345:
         num     #instances         #bytes  class name (module)
        -------------------------------------------------------
           1:         20000        1600000  [B (java.base@17.0.15)
           2:           500          12000  io.topicmesh.node.pubsub.wire.MessageId
        Total         20500        1612000
        """;
    Map<String, long[]> h = SoakCommand.Histograms.parse(text);
    assertThat(h).containsOnlyKeys("[B", "io.topicmesh.node.pubsub.wire.MessageId");
    assertThat(h.get("[B")).containsExactly(20000, 1600000);
  }
}
