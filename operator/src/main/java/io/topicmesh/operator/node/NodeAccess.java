package io.topicmesh.operator.node;

/**
 * How the operator reaches one cluster's nodes: the bearer token (admin scope) and, for a cluster
 * whose admin API speaks TLS, the id of the CA it trusts for them ({@link NodeAdminClient#access}).
 * {@link #toString()} never shows the token.
 *
 * @param token the admin-scope bearer token
 * @param trustId the registered CA's id, or null for plain HTTP (and the JVM's trust store for https)
 */
public record NodeAccess(String token, String trustId) {
  /** Plain HTTP, or https with the JVM's trusted CAs. */
  public static NodeAccess plain(String token) {
    return new NodeAccess(token, null);
  }

  @Override
  public String toString() {
    return "NodeAccess[token=<redacted>, trustId=" + trustId + "]";
  }
}
