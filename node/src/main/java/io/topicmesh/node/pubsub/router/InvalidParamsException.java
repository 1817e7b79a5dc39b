package io.topicmesh.node.pubsub.router;

/** A router parameter that breaks an invariant; the message names the field and its value. */
public final class InvalidParamsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  InvalidParamsException(String field, Object value, String rule) {
    super(field + "=" + value + ": " + rule);
    this.field = field;
  }

  public String field() {
    return field;
  }

  static void check(boolean ok, String field, Object value, String rule) {
    if (!ok) {
      throw new InvalidParamsException(field, value, rule);
    }
  }

  static void finite(double v, String field) {
    check(Double.isFinite(v), field, v, "must be a finite number");
  }

  static void decay(double v, String field) {
    check(v > 0 && v < 1, field, v, "must be in (0, 1)");
  }
}
