package io.topicmesh.node.daemon.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may call what on the admin API: bearer tokens by {@link AdminScope}, and which scope each
 * endpoint needs. Kept apart from {@link AdminServer}'s routing so that the policy is one table.
 *
 * <p>Tokens are held as SHA-256 digests and a presented token is compared, as a digest of the same
 * fixed length, with {@link MessageDigest#isEqual} against every configured token (no early exit), so
 * neither the length nor the content of a token shows in the response time. A token is never logged,
 * nor put in an error message.
 */
public final class AdminAuth {
  private record Credential(byte[] digest, AdminScope scope) {}

  private final List<Credential> credentials;
  private final boolean protectMetrics;
  private final boolean protectHealth;

  private AdminAuth(List<Credential> credentials, boolean protectMetrics, boolean protectHealth) {
    this.credentials = List.copyOf(credentials);
    this.protectMetrics = protectMetrics;
    this.protectHealth = protectHealth;
  }

  /** No tokens: every endpoint open (the caller binds the server to loopback then). */
  public static AdminAuth none() {
    return new AdminAuth(List.of(), false, false);
  }

  /** One token with the admin scope (the configuration of earlier versions), or none when null. */
  public static AdminAuth single(String adminToken) {
    return adminToken == null ? none() : of(Map.of(AdminScope.ADMIN, adminToken), false, false);
  }

  /**
   * @param tokens the token of each configured scope (absent scopes have no token)
   * @param protectMetrics whether {@code /metrics} needs a token (status scope)
   * @param protectHealth whether {@code /healthz} and {@code /readyz} need a token (status scope)
   */
  public static AdminAuth of(Map<AdminScope, String> tokens, boolean protectMetrics, boolean protectHealth) {
    List<Credential> c = new ArrayList<>();
    Map<AdminScope, String> ordered = new EnumMap<>(AdminScope.class);
    ordered.putAll(tokens);
    for (var e : ordered.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      if (e.getValue().isEmpty()) {
        throw new IllegalArgumentException("the " + e.getKey().label() + " token is empty");
      }
      c.add(new Credential(digest(e.getValue().getBytes(StandardCharsets.UTF_8)), e.getKey()));
    }
    if (c.isEmpty() && (protectMetrics || protectHealth)) {
      throw new IllegalArgumentException("metrics or health endpoints protected, but no token configured");
    }
    return new AdminAuth(c, protectMetrics, protectHealth);
  }

  /** Whether any token is configured (else the API is open and must stay on loopback). */
  public boolean enabled() {
    return !credentials.isEmpty();
  }

  /** The configured scopes, for the start-up log line (never the tokens). */
  public Set<AdminScope> scopes() {
    return credentials.stream().map(Credential::scope)
        .collect(Collectors.toCollection(() -> EnumSet.noneOf(AdminScope.class)));
  }

  public boolean protectMetrics() {
    return protectMetrics;
  }

  public boolean protectHealth() {
    return protectHealth;
  }

  /**
   * The scope a request needs, or null for none (open endpoints). A path the API does not know
   * needs any valid token ({@link #authenticate}), so that its 404 tells nothing to a stranger.
   */
  Need need(String method, String path) {
    if (UiHandler.handles(path)) {
      return Need.OPEN; // a static page holding no data; its script calls /v1/status with the user's token
    }
    switch (path) {
      case "/healthz", "/readyz" -> {
        return protectHealth ? Need.of(AdminScope.STATUS) : Need.OPEN;
      }
      case "/metrics" -> {
        return protectMetrics ? Need.of(AdminScope.STATUS) : Need.OPEN;
      }
      case "/v1/status", "/v1/topics" -> {
        return Need.of(AdminScope.STATUS);
      }
      case "/v1/params" -> {
        return Need.of("GET".equals(method) ? AdminScope.STATUS : AdminScope.ADMIN);
      }
      default -> { }
    }
    if (path.startsWith("/v1/topics/")) {
      String rest = path.substring("/v1/topics/".length());
      if (rest.endsWith("/publish")) {
        return Need.of(AdminScope.PUBLISH);
      }
      if (rest.endsWith("/messages")) {
        return Need.of(AdminScope.SUBSCRIBE);
      }
      return Need.of(AdminScope.ADMIN);
    }
    return Need.ANY_TOKEN;
  }

  /** What a request needs: nothing, any valid token, or a scope. */
  record Need(boolean open, AdminScope scope) {
    static final Need OPEN = new Need(true, null);
    static final Need ANY_TOKEN = new Need(false, null);

    static Need of(AdminScope scope) {
      return new Need(false, scope);
    }
  }

  /**
   * Lets the request through, or throws a 401 (no or unknown token) or 403 (a valid token without
   * the scope the endpoint needs), naming the scope.
   *
   * @param authorization the {@code Authorization} header, or null
   */
  public void check(String method, String path, String authorization) {
    if (!enabled()) {
      return;
    }
    Need need = need(method, path);
    if (need.open()) {
      return;
    }
    Set<AdminScope> granted = authenticate(authorization, need.scope());
    if (need.scope() == null || granted.contains(AdminScope.ADMIN) || granted.contains(need.scope())) {
      return;
    }
    throw new ApiException(403, "forbidden", method + " " + path + " needs a token with the " + need.scope().label()
        + " scope (or admin); this token has " + labels(granted));
  }

  /** The scopes of the presented token; a 401 naming what is needed when there is none or it is unknown. */
  Set<AdminScope> authenticate(String authorization, AdminScope needed) {
    String what = needed == null ? "an admin API token" : "a token with the " + needed.label() + " scope (or admin)";
    if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiException(401, "unauthorized", "missing bearer token (Authorization: Bearer <token>); this endpoint"
          + " needs " + what);
    }
    byte[] given = digest(authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8));
    Set<AdminScope> granted = EnumSet.noneOf(AdminScope.class);
    for (Credential c : credentials) {
      // every credential is compared, so the time does not depend on which (if any) matched
      if (MessageDigest.isEqual(given, c.digest())) {
        granted.add(c.scope());
      }
    }
    if (granted.isEmpty()) {
      throw new ApiException(401, "unauthorized", "unknown bearer token; this endpoint needs " + what);
    }
    return Collections.unmodifiableSet(granted);
  }

  private static String labels(Set<AdminScope> scopes) {
    return scopes.stream().map(AdminScope::label).collect(Collectors.joining(", ", "scope ", ""));
  }

  private static byte[] digest(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
