package io.topicmesh.node.pubsub.router;

import io.topicmesh.api.ParameterException;

/**
 * A router parameter that breaks an invariant; the message names the field and its value. The
 * members the operator shares are checked by {@link io.topicmesh.api.GossipSchema}; {@link #shared}
 * turns its errors into this type, with the same text.
 */
public final class InvalidParamsException extends ParameterException {
  private static final long serialVersionUID = 1L;

  InvalidParamsException(String field, Object value, String rule) {
    super(field, value, rule);
  }

  static void check(boolean ok, String field, Object value, String rule) {
    if (!ok) {
      throw new InvalidParamsException(field, value, rule);
    }
  }

  /** Runs a check of the shared schema, rethrowing its error as this type (same member, value and rule). */
  static void shared(Runnable check) {
    try {
      check.run();
    } catch (InvalidParamsException e) {
      throw e;
    } catch (ParameterException e) {
      throw new InvalidParamsException(e.field(), e.value(), e.rule());
    }
  }

  static void finite(double v, String field) {
    check(Double.isFinite(v), field, v, "must be a finite number");
  }

  static void decay(double v, String field) {
    check(v > 0 && v < 1, field, v, "must be in (0, 1)");
  }
}
