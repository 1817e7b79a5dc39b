package io.topicmesh.node.daemon.admin;

import java.util.Locale;

/**
 * What a credential of the admin API may do. Each token grants exactly its scope, except {@link
 * #ADMIN}, which grants all of them (the single token of earlier versions is an admin token).
 */
public enum AdminScope {
  /** Everything: parameters ({@code PUT /v1/params}), topics ({@code PUT/DELETE /v1/topics/{t}}), and all below. */
  ADMIN("admin.tokenFile"),
  /** {@code POST /v1/topics/{t}/publish}. */
  PUBLISH("admin.publishTokenFile"),
  /** {@code GET /v1/topics/{t}/messages} (the topic must already be subscribed). */
  SUBSCRIBE("admin.subscribeTokenFile"),
  /** Read-only: {@code GET /v1/status}, {@code GET /v1/params}, {@code GET /v1/topics}, and the open
   * endpoints when they are configured to need a token. */
  STATUS("admin.statusTokenFile");

  private final String configKey;

  AdminScope(String configKey) {
    this.configKey = configKey;
  }

  /** The config key of the file holding this scope's token ({@code admin.publishTokenFile}). */
  public String configKey() {
    return configKey;
  }

  /** The name in error messages and docs: {@code publish}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
