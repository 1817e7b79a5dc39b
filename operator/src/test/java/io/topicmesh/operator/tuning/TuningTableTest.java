package io.topicmesh.operator.tuning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TuningTableTest {

  /** A row as the generator writes it, with the Tuner's Dlo/Dhi family at {@code d}. */
  static String row(int routers, int d, int targetP99, String duplicatesByD) {
    return "{\"routers\": " + routers + ", \"recommended\": {\"d\": " + d + ", \"dlo\": " + Math.max(1, d * 5 / 6)
        + ", \"dhi\": " + 2 * d + "}, \"objectives\": {\"targetP99LatencyMs\": " + targetP99
        + ", \"duplicatesByD\": " + duplicatesByD + "}, \"runs\": []}";
  }

  static TuningTable table(String... rows) {
    return TuningTable.parse(json(rows), "test");
  }

  private static byte[] json(String... rows) {
    return ("{\"commit\": \"abc\", \"rows\": [" + String.join(",", rows) + "]}").getBytes(StandardCharsets.UTF_8);
  }

  private static final TuningTable SIZES = table(List.of(10, 25, 50, 100, 250, 500, 1000).stream()
      .map(n -> row(n, 3, 500, "{\"3\": 1}")).toArray(String[]::new));

  @ParameterizedTest(name = "{0} replicas -> the {1}-router row")
  @CsvSource({"0,10", "1,10", "3,10", "12,10", "15,10", "16,25", "20,25", "35,25", "36,50", "70,50", "71,100",
      "158,100", "159,250", "353,250", "354,500", "707,500", "708,1000", "5000,1000"})
  void theRowIsTheNearestSimulatedSizeOnALogScale(int replicas, int routers) {
    assertThat(SIZES.rowFor(replicas).routers()).isEqualTo(routers);
  }

  @Test
  void duplicatesBetweenMeasuredDegreesAreInterpolatedAndBeyondThemGrowOnePerDegree() {
    TuningTable.Row r = table(row(100, 4, 510, "{\"3\": 2.0, \"4\": 3.0, \"8\": 7.0}")).rows().get(0);
    assertThat(r.duplicates(4)).isEqualTo(3.0);
    assertThat(r.duplicates(6)).isCloseTo(5.0, within(1e-9));
    assertThat(r.duplicates(10)).as("beyond the largest D").isEqualTo(9.0);
    assertThat(r.duplicates(2)).as("below the smallest D").isEqualTo(1.0);
    assertThat(r.duplicates(1)).as("never below 0").isEqualTo(0.0);
    assertThat(r.describe()).isEqualTo("tuning table row 100 routers (D 4/3/8, p99 target 510 ms)");
  }

  /** The shipped table: present, well-formed, and covering the pod clusters the operator runs. */
  @Test
  void theBuiltInTableLoadsAndCoversPodClusters() {
    TuningTable t = TuningTable.builtIn();
    assertThat(t.source()).isEqualTo(TuningTable.RESOURCE);
    assertThat(t.commit()).as("generated at a named commit").matches("[0-9a-f]{40}(-dirty)?");
    assertThat(t.rows()).extracting(TuningTable.Row::routers).contains(10, 25, 50, 100).isSorted();
    for (TuningTable.Row r : t.rows()) {
      assertThat(r.d()).as("row %d", r.routers()).isBetween(1, r.routers() - 1);
      assertThat(r.targetP99LatencyMs()).as("row %d: the 500 ms allowance plus the simulated p99", r.routers())
          .isGreaterThanOrEqualTo(500);
      assertThat(r.duplicatesByD()).as("row %d", r.routers()).containsKey(r.d());
    }
    assertThat(t.rowFor(3).routers()).isEqualTo(10);
    assertThat(t.rowFor(30).routers()).isEqualTo(25);
    assertThat(t.rowFor(5000)).as("above the largest row: the largest").isSameAs(t.rows().get(t.rows().size() - 1));
    assertThat(TuningTable.builtIn()).as("read once").isSameAs(t);
  }

  @Test
  void aMissingTableIsAStartUpErrorNamingTheResource() {
    assertThatThrownBy(() -> TuningTable.load("/tuning/no-such-table.json"))
        .isInstanceOf(TuningTable.TuningTableException.class)
        .hasMessageContaining("/tuning/no-such-table.json is not on the class path")
        .hasMessageContaining("scripts/sim-tuning-table.py");
  }

  @Test
  void malformedTablesAreRefusedNamingTheFieldAndTheProblem() {
    assertThatThrownBy(() -> TuningTable.parse("{\"rows\": [".getBytes(StandardCharsets.UTF_8), "t.json"))
        .hasMessageStartingWith("tuning table t.json: not valid JSON");
    assertThatThrownBy(() -> TuningTable.parse("[]".getBytes(StandardCharsets.UTF_8), "t.json"))
        .hasMessage("tuning table t.json: expected a JSON object");
    assertThatThrownBy(() -> table())
        .hasMessage("tuning table test: rows: expected a non-empty array");
    assertThatThrownBy(() -> table(row(25, 4, 510, "{\"4\": 3}"), row(10, 4, 510, "{\"4\": 3}")))
        .hasMessageContaining("rows[1].routers: rows must be sorted by routers, ascending and distinct: 25 then 10");
    assertThatThrownBy(() -> table(row(5, 5, 510, "{\"5\": 3}")))
        .hasMessageContaining("rows[0].recommended.d: D 5 needs more peers than 5 routers have");
    assertThatThrownBy(() -> table(row(10, 4, 510, "{\"3\": 3}")))
        .hasMessageContaining("rows[0].objectives.duplicatesByD: has no figure for the recommended D 4");
    assertThatThrownBy(() -> table(row(10, 4, 510, "{\"4\": -1}")))
        .hasMessageContaining("rows[0].objectives.duplicatesByD.4: expected a number >= 0, got -1");
    assertThatThrownBy(() -> table(row(10, 4, 510, "{\"x\": 1}")))
        .hasMessageContaining("duplicatesByD.x: expected a D (a whole number) as the key");
    assertThatThrownBy(() -> table(row(10, 4, 0, "{\"4\": 1}")))
        .hasMessageContaining("rows[0].objectives.targetP99LatencyMs: must be >= 1, got 0");
    assertThatThrownBy(() -> table("{\"routers\": 10, \"recommended\": {\"d\": 4, \"dlo\": 2, \"dhi\": 8},"
        + " \"objectives\": {\"targetP99LatencyMs\": 510, \"duplicatesByD\": {\"4\": 3}}}"))
        .hasMessageContaining("rows[0].recommended: D/Dlo/Dhi 4/2/8 is not the Tuner's family at D 4 (4/3/8)");
    assertThatThrownBy(() -> table("{\"routers\": \"ten\"}"))
        .hasMessageContaining("rows[0].routers: expected a whole number, got \"ten\"");
  }
}
