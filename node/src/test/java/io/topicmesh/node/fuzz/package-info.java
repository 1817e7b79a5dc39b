/**
 * Coverage-guided fuzz targets (Jazzer) for every decoder that reads bytes or text from outside the
 * process. Each target states the decoder's contract: it returns a value or throws the decoder's
 * documented exception; anything else (a NullPointerException, an index out of bounds, an
 * allocation sized by the input, a hang) is a finding. Where an encoder exists, what was decoded
 * is encoded again and must decode to the same value.
 *
 * <p>One {@code @FuzzTest} per class: Jazzer fuzzes a single target per JVM. Under {@code mvn test}
 * the targets run over their seeds ({@code src/test/resources/.../<Class>Inputs/<method>/}); the
 * {@code fuzz} surefire execution of {@code mvn verify} fuzzes each for a short budget. See
 * docs/reliability.md, "Fuzzing".
 */
package io.topicmesh.node.fuzz;
