package io.topicmesh.node.daemon.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.topicmesh.node.daemon.Daemon;
import io.topicmesh.node.daemon.config.ConfigException;
import io.topicmesh.node.daemon.config.ConfigLoader;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PrivKey;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A locked-down admin API on loopback: scoped tokens over real HTTP (401 against 403), and TLS
 * from PEM files signed by a test CA, including a certificate rotation picked up without a restart.
 */
class AdminSecurityIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<AdminScope, String> TOKENS = Map.of(AdminScope.ADMIN, "a-admin-0123456789",
      AdminScope.PUBLISH, "p-publish-0123456789", AdminScope.SUBSCRIBE, "s-subscribe-0123456789",
      AdminScope.STATUS, "r-status-0123456789");

  private static Daemon node;

  @BeforeAll
  static void startNode() {
    node = new Daemon(ConfigLoader.load(null, Map.of(), Map.of("listen", List.of("/ip4/127.0.0.1/tcp/0"),
        "topics", List.of("news"))), PrivKey.generate(KeyType.ED25519, new SecureRandom()),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 1);
    node.start();
  }

  @AfterAll
  static void stopNode() {
    node.shutdown();
  }

  private static HttpResponse<String> send(HttpClient http, String base, String method, String path, String token,
      String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachScopeReachesItsEndpointsOnlyAndTheAnswersSayWhichScopeIsNeeded() throws Exception {
    AdminAuth auth = AdminAuth.of(TOKENS, true, false);
    try (AdminServer admin = new AdminServer(node, new InetSocketAddress("127.0.0.2", 0), auth, null, 4096)) {
      admin.start();
      String base = "http://127.0.0.2:" + admin.address().getPort();
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String pub = TOKENS.get(AdminScope.PUBLISH);
      String sub = TOKENS.get(AdminScope.SUBSCRIBE);
      String status = TOKENS.get(AdminScope.STATUS);
      String adm = TOKENS.get(AdminScope.ADMIN);

      assertThat(send(http, base, "POST", "/v1/topics/news/publish", pub, "{\"data\":\"hi\"}").statusCode()).isEqualTo(200);
      HttpResponse<String> denied = send(http, base, "PUT", "/v1/params", pub, "{\"d\":7}");
      assertThat(denied.statusCode()).isEqualTo(403);
      assertThat(JSON.readTree(denied.body()).get("message").asText()).contains("admin scope");
      assertThat(send(http, base, "GET", "/v1/status", pub, null).statusCode()).isEqualTo(403);

      assertThat(send(http, base, "GET", "/v1/status", status, null).statusCode()).isEqualTo(200);
      assertThat(send(http, base, "GET", "/v1/params", status, null).statusCode()).isEqualTo(200);
      assertThat(send(http, base, "POST", "/v1/topics/news/publish", status, "{\"data\":\"x\"}").statusCode())
          .isEqualTo(403);
      assertThat(send(http, base, "DELETE", "/v1/topics/news", status, null).statusCode()).isEqualTo(403);
      assertThat(send(http, base, "DELETE", "/v1/topics/news", sub, null).statusCode()).isEqualTo(403);
      assertThat(node.subscribed("news")).as("refused calls changed nothing").isTrue();

      HttpResponse<String> stream = send(http, base, "GET", "/v1/topics/news/messages?limit=1", pub, null);
      assertThat(stream.statusCode()).isEqualTo(403);
      assertThat(JSON.readTree(stream.body()).get("message").asText()).contains("subscribe scope");

      HttpResponse<String> none = send(http, base, "GET", "/v1/status", null, null);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(JSON.readTree(none.body()).get("message").asText()).contains("status scope");

      // metrics protected (configured), health open
      assertThat(send(http, base, "GET", "/metrics", null, null).statusCode()).isEqualTo(401);
      assertThat(send(http, base, "GET", "/metrics", status, null).statusCode()).isEqualTo(200);
      assertThat(send(http, base, "GET", "/healthz", null, null).statusCode()).isEqualTo(200);

      assertThat(send(http, base, "PUT", "/v1/params", adm, "{\"gossipFactor\":0.3}").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void tlsServesThePemCertificateAndPicksUpARotation(@TempDir Path dir) throws Exception {
    TestCerts.Issued ca = TestCerts.ca("topicmesh test CA");
    TestCerts.Issued first = TestCerts.serving(ca, "EC", "127.0.0.3");
    TestCerts.write(dir, first, ca, true);
    AtomicLong clock = new AtomicLong();
    AdminTls tls = new AdminTls(dir.resolve("tls.crt"), dir.resolve("tls.key"), clock::get);
    try (AdminServer admin = new AdminServer(node, new InetSocketAddress("127.0.0.3", 0),
        AdminAuth.of(Map.of(AdminScope.STATUS, "r-status-0123456789"), false, false), tls, 4096)) {
      admin.start();
      assertThat(admin.scheme()).isEqualTo("https");
      int port = admin.address().getPort();
      SSLContext trusting = trusting(dir.resolve("ca.crt"));
      HttpClient https = HttpClient.newBuilder().sslContext(trusting).connectTimeout(Duration.ofSeconds(10)).build();
      String base = "https://127.0.0.3:" + port;
      assertThat(send(https, base, "GET", "/v1/status", "r-status-0123456789", null).statusCode()).isEqualTo(200);
      assertThat(send(https, base, "GET", "/v1/status", null, null).statusCode()).isEqualTo(401);
      assertThat(servedSerial(trusting, port)).isEqualTo(first.cert().getSerialNumber());

      // a client that does not trust the CA is refused the handshake; plain HTTP gets no answer
      HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      assertThatThrownBy(() -> send(untrusting, base, "GET", "/healthz", null, null))
          .isInstanceOf(SSLHandshakeException.class);
      HttpRequest plain = HttpRequest.newBuilder(URI.create("http://127.0.0.3:" + port + "/healthz"))
          .timeout(Duration.ofSeconds(2)).GET().build();
      assertThatThrownBy(() -> untrusting.send(plain, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.io.IOException.class);

      // rotation: an RSA certificate in the legacy PKCS#1 form, as cert-manager writes it by default
      TestCerts.Issued second = TestCerts.serving(ca, "RSA", "127.0.0.3");
      TestCerts.write(dir, second, ca, false);
      assertThat(servedSerial(trusting, port)).as("not re-read before the recheck interval")
          .isEqualTo(first.cert().getSerialNumber());
      clock.addAndGet(AdminTls.RECHECK.toNanos());
      assertThat(servedSerial(trusting, port)).isEqualTo(second.cert().getSerialNumber());

      // a broken pair (a key of another certificate) is refused and the served certificate stays
      TestCerts.Issued third = TestCerts.serving(ca, "EC", "127.0.0.3");
      Files.writeString(dir.resolve("tls.crt"), TestCerts.pem(third.cert()));
      clock.addAndGet(AdminTls.RECHECK.toNanos());
      assertThat(servedSerial(trusting, port)).isEqualTo(second.cert().getSerialNumber());
      assertThat(send(https, base, "GET", "/healthz", null, null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void unusablePemFilesAreAConfigErrorNamingTheFiles(@TempDir Path dir) throws Exception {
    TestCerts.Issued ca = TestCerts.ca("ca");
    TestCerts.Issued a = TestCerts.serving(ca, "EC", "127.0.0.1");
    TestCerts.Issued b = TestCerts.serving(ca, "EC", "127.0.0.1");
    Files.writeString(dir.resolve("tls.crt"), TestCerts.pem(a.cert()));
    Files.writeString(dir.resolve("tls.key"), TestCerts.pem(
        new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", b.keys().getPrivate().getEncoded())));
    assertThatThrownBy(() -> AdminTls.load(dir.resolve("tls.crt"), dir.resolve("tls.key")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("admin.tlsCertFile")
        .hasMessageContaining("does not belong to the certificate");
    Files.writeString(dir.resolve("tls.key"), "not a key\n");
    assertThatThrownBy(() -> AdminTls.load(dir.resolve("tls.crt"), dir.resolve("tls.key")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no unencrypted PEM private key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not a key"));
    assertThatThrownBy(() -> AdminTls.load(dir.resolve("missing.crt"), dir.resolve("tls.key")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("missing.crt");
  }

  private static SSLContext trusting(Path caFile) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(caFile))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  /** The serial of the certificate the server presents on a fresh handshake. */
  private static java.math.BigInteger servedSerial(SSLContext ctx, int port) throws Exception {
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.3", port)) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
