package io.topicmesh.node.sim;

/** A scenario file that cannot be run: names the file, the field and what is wrong with it. */
public final class ScenarioException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ScenarioException(String source, String field, String problem) {
    super(source + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
  }
}
