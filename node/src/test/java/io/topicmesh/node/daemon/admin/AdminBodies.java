package io.topicmesh.node.daemon.admin;

import java.util.Map;

/** The admin API's body decoders, for tests outside this package (the fuzz targets). */
public final class AdminBodies {
  private AdminBodies() {}

  /** {@code PUT /v1/params}: what {@link AdminServer} hands to {@code Daemon.updateParams}. */
  public static Map<String, Object> params(byte[] body) {
    return AdminServer.paramsBody(body);
  }

  /** {@code PUT /v1/topics/{t}}: what {@link AdminServer} hands to {@code ConfigLoader.topic}. */
  public static Map<?, ?> topic(byte[] body) {
    return AdminServer.topicBody(body);
  }
}
