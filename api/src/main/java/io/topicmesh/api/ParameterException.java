package io.topicmesh.api;

/**
 * A parameter that breaks a bound or an invariant of the shared schema. The message is {@code
 * member=value: rule}, the same text at the node (config file, {@code PUT /v1/params}) and at the
 * operator (the TopicCluster's status), because both raise it from {@link GossipSchema}.
 */
public class ParameterException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final transient Object value;
  private final String rule;

  public ParameterException(String field, Object value, String rule) {
    super(field + "=" + value + ": " + rule);
    this.field = field;
    this.value = value;
    this.rule = rule;
  }

  /** The member (or record component) that is wrong. */
  public String field() {
    return field;
  }

  /** The value it had, as the message shows it. */
  public Object value() {
    return value;
  }

  /** What the member must satisfy. */
  public String rule() {
    return rule;
  }
}
