package io.topicmesh.node.daemon.config;

/**
 * A configuration value that cannot be used. The message names the field, the value given and what
 * is allowed, e.g. {@code params.d=-1: must be >= 0}.
 */
public final class ConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public ConfigException(String field, Object value, String allowed) {
    super(field + "=" + render(value) + ": " + allowed);
    this.field = field;
  }

  /** The dotted name of the offending field ({@code admin.listen}, {@code params.dlo}). */
  public String field() {
    return field;
  }

  private static String render(Object v) {
    if (v == null) {
      return "null";
    }
    String s = String.valueOf(v);
    // a hostile or mistaken huge value must not flood the log line
    return s.length() > 120 ? s.substring(0, 117) + "..." : s;
  }
}
