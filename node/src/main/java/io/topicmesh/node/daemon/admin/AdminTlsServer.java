package io.topicmesh.node.daemon.admin;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** The JDK HTTPS server for the admin API: TLS 1.3 and 1.2 only, no client certificates. */
final class AdminTlsServer {
  private AdminTlsServer() {}

  static HttpsServer create(InetSocketAddress bind, int backlog, AdminTls tls) throws IOException {
    SSLContext ctx = tls.sslContext();
    HttpsServer server = HttpsServer.create(bind, backlog);
    server.setHttpsConfigurator(new HttpsConfigurator(ctx) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = ctx.getDefaultSSLParameters();
        p.setProtocols(Arrays.stream(p.getProtocols()).filter(v -> v.equals("TLSv1.3") || v.equals("TLSv1.2"))
            .toArray(String[]::new));
        p.setNeedClientAuth(false);
        params.setSSLParameters(p);
      }
    });
    return server;
  }
}
