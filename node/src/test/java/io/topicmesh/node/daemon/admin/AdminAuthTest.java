package io.topicmesh.node.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The admin API's access policy: which scope each endpoint needs, 401 against 403, constant-time lookup. */
class AdminAuthTest {
  private static final Map<AdminScope, String> TOKENS = new EnumMap<>(Map.of(
      AdminScope.ADMIN, "admin-secret-1", AdminScope.PUBLISH, "pub-secret-2",
      AdminScope.SUBSCRIBE, "sub-secret-3", AdminScope.STATUS, "status-secret-4"));

  private final AdminAuth auth = AdminAuth.of(TOKENS, false, false);

  @ParameterizedTest(name = "{0} {1} needs {2}")
  @CsvSource({
      "GET, /v1/status, STATUS",
      "GET, /v1/topics, STATUS",
      "GET, /v1/params, STATUS",
      "PUT, /v1/params, ADMIN",
      "PUT, /v1/topics/news, ADMIN",
      "DELETE, /v1/topics/news, ADMIN",
      "POST, /v1/topics/news/publish, PUBLISH",
      "GET, /v1/topics/a%2Fb/messages, SUBSCRIBE"})
  void eachEndpointNeedsItsScope(String method, String path, AdminScope scope) {
    assertThat(auth.need(method, path)).isEqualTo(AdminAuth.Need.of(scope));
    for (AdminScope s : AdminScope.values()) {
      String header = "Bearer " + TOKENS.get(s);
      if (s == scope || s == AdminScope.ADMIN) {
        auth.check(method, path, header);
      } else {
        ApiException e = catchThrowableOfType(ApiException.class, () -> auth.check(method, path, header));
        assertThat(e).as("%s token on %s %s", s, method, path).isNotNull();
        assertThat(e.status()).isEqualTo(403);
        assertThat(e.code()).isEqualTo("forbidden");
        assertThat(e.getMessage()).contains("needs a token with the " + scope.label() + " scope")
            .contains("this token has scope " + s.label()).doesNotContain(TOKENS.get(s));
      }
    }
  }

  @Test
  void missingOrUnknownTokensAre401NamingTheScopeAndNeverEchoTheToken() {
    ApiException missing = catchThrowableOfType(ApiException.class,
        () -> auth.check("POST", "/v1/topics/t/publish", null));
    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.getMessage()).contains("missing bearer token").contains("publish scope");
    ApiException wrong = catchThrowableOfType(ApiException.class,
        () -> auth.check("GET", "/v1/status", "Bearer guessed-token-xyz"));
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.getMessage()).contains("unknown bearer token").contains("status scope")
        .doesNotContain("guessed-token-xyz");
    ApiException basic = catchThrowableOfType(ApiException.class,
        () -> auth.check("GET", "/v1/status", "Basic YWRtaW4="));
    assertThat(basic.status()).isEqualTo(401);
    // an unknown endpoint tells a stranger nothing but 401
    ApiException unknown = catchThrowableOfType(ApiException.class, () -> auth.check("GET", "/v1/secrets", null));
    assertThat(unknown.status()).isEqualTo(401);
    auth.check("GET", "/v1/secrets", "Bearer " + TOKENS.get(AdminScope.PUBLISH));
    // a token differing only in its last byte, or a prefix of a real one, is no token
    assertThat(catchThrowableOfType(ApiException.class,
        () -> auth.check("GET", "/v1/status", "Bearer status-secret-5")).status()).isEqualTo(401);
    assertThat(catchThrowableOfType(ApiException.class,
        () -> auth.check("GET", "/v1/status", "Bearer status-secret-")).status()).isEqualTo(401);
  }

  @Test
  void metricsAndHealthAreOpenUnlessConfigured() {
    for (String p : new String[] {"/metrics", "/healthz", "/readyz"}) {
      auth.check("GET", p, null);
    }
    AdminAuth locked = AdminAuth.of(TOKENS, true, true);
    for (String p : new String[] {"/metrics", "/healthz", "/readyz"}) {
      assertThat(catchThrowableOfType(ApiException.class, () -> locked.check("GET", p, null)).status())
          .as(p).isEqualTo(401);
      locked.check("GET", p, "Bearer " + TOKENS.get(AdminScope.STATUS));
      locked.check("GET", p, "Bearer " + TOKENS.get(AdminScope.ADMIN));
      assertThat(catchThrowableOfType(ApiException.class,
          () -> locked.check("GET", p, "Bearer " + TOKENS.get(AdminScope.PUBLISH))).status()).as(p).isEqualTo(403);
    }
    AdminAuth metricsOnly = AdminAuth.of(TOKENS, true, false);
    metricsOnly.check("GET", "/healthz", null);
    assertThat(catchThrowableOfType(ApiException.class, () -> metricsOnly.check("GET", "/metrics", null)).status())
        .isEqualTo(401);
  }

  @Test
  void theSingleTokenOfEarlierVersionsIsAnAdminToken() {
    AdminAuth single = AdminAuth.single("only-one");
    assertThat(single.scopes()).containsExactly(AdminScope.ADMIN);
    for (String[] call : new String[][] {{"PUT", "/v1/params"}, {"POST", "/v1/topics/t/publish"},
        {"GET", "/v1/topics/t/messages"}, {"GET", "/v1/status"}}) {
      single.check(call[0], call[1], "Bearer only-one");
    }
    assertThat(AdminAuth.single(null).enabled()).isFalse();
    AdminAuth.none().check("PUT", "/v1/params", null);
  }

  @Test
  void oneTokenForTwoScopesGrantsBoth() {
    AdminAuth shared = AdminAuth.of(Map.of(AdminScope.PUBLISH, "app", AdminScope.SUBSCRIBE, "app"), false, false);
    shared.check("POST", "/v1/topics/t/publish", "Bearer app");
    shared.check("GET", "/v1/topics/t/messages", "Bearer app");
    assertThat(catchThrowableOfType(ApiException.class, () -> shared.check("GET", "/v1/status", "Bearer app"))
        .getMessage()).contains("this token has scope publish, subscribe");
  }

  @Test
  void protectingEndpointsWithoutAnyTokenIsRefused() {
    assertThatThrownBy(() -> AdminAuth.of(Map.of(), true, false)).hasMessageContaining("no token configured");
    assertThatThrownBy(() -> AdminAuth.of(Map.of(AdminScope.STATUS, ""), false, false))
        .hasMessageContaining("status token is empty");
  }
}
