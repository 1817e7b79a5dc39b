package io.topicmesh.api;

import java.util.regex.Pattern;

/**
 * What a topic name may be, everywhere one is given: the node's config file and admin API paths,
 * the TopicCluster's {@code spec.topics[].name} (its CRD pattern is {@link #REGEX}).
 */
public final class TopicNames {
  /** Letters, digits and {@code . _ / : -}; a compile-time constant so that annotations can use it. */
  public static final String REGEX = "^[A-Za-z0-9._/:-]+$";

  /** Longest name, in characters (a Kubernetes object name's limit). */
  public static final int MAX_LENGTH = 253;

  /** What a name breaks the rule with, for error messages. */
  public static final String RULE = "1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ / : -";

  private static final Pattern PATTERN = Pattern.compile(REGEX);

  private TopicNames() {}

  /** True when {@code name} is a valid topic name. */
  public static boolean isValid(String name) {
    return name != null && !name.isEmpty() && name.length() <= MAX_LENGTH && PATTERN.matcher(name).matches();
  }
}
