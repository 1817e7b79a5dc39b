package io.topicmesh.node.fuzz;

/** Time budgets of the fuzz targets when fuzzing ({@code JAZZER_FUZZ=1}); ignored over seeds. */
final class FuzzBudget {
  /**
   * Per target in the short run of {@code mvn verify}: eleven targets, each in its own JVM (about 20 s of start-up each), keep the
   * run near five minutes. Longer runs repeat it (docs/reliability.md, "Fuzzing"); the
   * corpus each run grows in {@code .cifuzz-corpus/} is where the next one starts.
   */
  static final String SHORT = "5s";

  private FuzzBudget() {}
}
