package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.topicmesh.operator.api.v1alpha1.AdminTlsMode;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import io.topicmesh.operator.api.v1alpha1.TopicClusterSpec;
import io.topicmesh.operator.node.FakeNode;
import io.topicmesh.operator.node.NodeAdminClient;
import io.topicmesh.operator.reconciler.OperatorMetrics;
import io.topicmesh.operator.reconciler.TopicClusterReconciler;
import io.topicmesh.operator.tls.AdminCertificates;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The locked-down deployment against a real kube-apiserver: scoped token Secrets, the operator's
 * admin CA and serving certificate (issued, trusted, renewed), a user-managed TLS Secret, and the
 * optional NetworkPolicy. Nodes are fakes on loopback that serve HTTPS with the issued certificate.
 */
class AdminSecurityIT {
  static KubernetesClient client;
  String ns;
  MutableClock clock;
  TopicClusterReconciler reconciler;
  StatefulSetSimulator sts;
  final Map<String, FakeNode> nodes = new LinkedHashMap<>();

  @BeforeAll
  static void start() {
    client = RealApiServer.client();
  }

  @BeforeEach
  void setUp() {
    ns = RealApiServer.newNamespace("sec");
    // the TLS handshakes check certificate validity against the wall clock: start from it
    clock = new MutableClock(Instant.now());
    reconciler = new TopicClusterReconciler(client, new NodeAdminClient(Duration.ofSeconds(2)),
        pod -> Optional.ofNullable(nodes.get(pod.getMetadata().getName())).map(FakeNode::uri), clock,
        new SecureRandom(), new OperatorMetrics(new SimpleMeterRegistry()))
        .withOperatorPods("topicmesh-system", Map.of("app.kubernetes.io/name", "topicmesh-operator"));
    sts = new StatefulSetSimulator(client);
  }

  @AfterEach
  void closeNodes() {
    nodes.values().forEach(FakeNode::close);
  }

  TopicCluster create(String name, int replicas, Consumer<TopicClusterSpec> edit) {
    TopicCluster cr = cluster(name, replicas, "news");
    cr.getMetadata().setUid(null);
    cr.getMetadata().setGeneration(null);
    cr.getMetadata().setNamespace(ns);
    edit.accept(cr.getSpec());
    return client.resource(cr).create();
  }

  TopicCluster get(String name) {
    return client.resources(TopicCluster.class).inNamespace(ns).withName(name).get();
  }

  TopicClusterReconciler.Result reconcile(String name) {
    TopicCluster cr = get(name);
    var result = reconciler.reconcile(cr);
    cr.setStatus(result.status());
    client.resource(cr).updateStatus();
    return result;
  }

  Secret secret(String name) {
    return client.secrets().inNamespace(ns).withName(name).get();
  }

  static String text(Secret s, String key) {
    return new String(Base64.getDecoder().decode(s.getData().get(key)), StandardCharsets.UTF_8);
  }

  /** A server context serving the certificate and key of a kubernetes.io/tls Secret. */
  static SSLContext serving(Secret tls) throws Exception {
    X509Certificate cert = AdminCertificates.certificate(text(tls, "tls.crt"));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("node", AdminCertificates.privateKey(text(tls, "tls.key")), new char[0],
        new java.security.cert.Certificate[] {cert});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }

  void fakeNodes(String name, int replicas, SSLContext tls) throws Exception {
    String token = text(secret(name + "-admin-token"), "token");
    TopicCluster cr = get(name);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      ids.add(cr.getStatus().peers.get(i).peerId);
    }
    for (int i = 0; i < replicas; i++) {
      FakeNode n = new FakeNode(token, ids.get(i), tls);
      List<String> others = new ArrayList<>(ids);
      others.remove(i);
      n.mesh("news", others.toArray(String[]::new));
      nodes.put(name + "-" + i, n);
    }
  }

  @Test
  void everyScopeGetsItsOwnGeneratedTokenSecretAndTheNodesMountThemAll() {
    create("scopes", 1, s -> { });
    reconcile("scopes");
    var values = new HashSet<String>();
    for (String scope : List.of("admin", "publish", "subscribe", "status")) {
      Secret s = secret("scopes-" + scope + "-token");
      assertThat(s).as("%s token Secret", scope).isNotNull();
      assertThat(s.getMetadata().getOwnerReferences()).singleElement();
      String token = text(s, "token");
      assertThat(token).hasSizeGreaterThanOrEqualTo(43);
      values.add(token);
    }
    assertThat(values).as("four distinct tokens").hasSize(4);
    var pod = client.apps().statefulSets().inNamespace(ns).withName("scopes").get().getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("admin-token")).singleElement()
        .satisfies(v -> assertThat(v.getProjected().getSources()).hasSize(4));
    // nothing for TLS when it is off
    assertThat(secret("scopes-admin-ca")).isNull();
    assertThat(secret("scopes-admin-tls")).isNull();
  }

  /** Everything the operator logs while a test runs (at every level), formatted. */
  static final class CapturedLogs implements AutoCloseable {
    private final ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
        new ch.qos.logback.core.read.ListAppender<>();
    private final ch.qos.logback.classic.Level level = root.getLevel();

    CapturedLogs() {
      appender.start();
      root.addAppender(appender);
      root.setLevel(ch.qos.logback.classic.Level.ALL);
    }

    String text() {
      StringBuilder b = new StringBuilder();
      synchronized (appender.list) {
        for (var e : appender.list) {
          b.append(e.getFormattedMessage()).append('\n');
          for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            b.append(t.getMessage()).append('\n');
          }
        }
      }
      return b.toString();
    }

    @Override
    public void close() {
      root.detachAppender(appender);
      root.setLevel(level);
    }
  }

  /** The base64 body of a PEM (its secret part), without the armour lines. */
  static String pemBody(String pem) {
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    // the middle: the start of a PKCS#8 EC key is the same ASN.1 header for every key
    return body.substring(body.length() / 3, body.length() / 3 + 40);
  }

  @Test
  void operatorManagedTlsIsIssuedTrustedAndRenewedWithoutTouchingTheCa() throws Exception {
    try (CapturedLogs logs = new CapturedLogs()) {
      operatorManagedTls();
      // no token, and no private key, appears in anything the operator logged (at any level)
      String logged = logs.text();
      assertThat(logged).contains("admin TLS certificate issued");
      for (String scope : List.of("admin", "publish", "subscribe", "status")) {
        assertThat(logged).as("the %s token in the logs", scope).doesNotContain(text(secret("tls-" + scope + "-token"),
            "token"));
      }
      assertThat(logged).doesNotContain(pemBody(text(secret("tls-admin-ca"), "ca.key")))
          .doesNotContain(pemBody(text(secret("tls-admin-tls"), "tls.key")));
    }
  }

  private void operatorManagedTls() throws Exception {
    create("tls", 2, s -> s.security.adminTls.mode = AdminTlsMode.Operator);
    reconcile("tls");
    Secret ca = secret("tls-admin-ca");
    Secret tls = secret("tls-admin-tls");
    assertThat(ca.getData()).containsOnlyKeys("ca.crt", "ca.key");
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(tls.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
    X509Certificate first = AdminCertificates.certificate(text(tls, "tls.crt"));
    first.verify(AdminCertificates.certificate(text(ca, "ca.crt")).getPublicKey());
    var template = client.apps().statefulSets().inNamespace(ns).withName("tls").get().getSpec().getTemplate().getSpec();
    assertThat(template.getVolumes()).anyMatch(v -> v.getName().equals("admin-tls")
        && "tls-admin-tls".equals(v.getSecret().getSecretName()));
    assertThat(template.getContainers().get(0).getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");

    // the nodes serve the issued certificate; the operator reaches them over TLS
    sts.sync(ns, "tls");
    fakeNodes("tls", 2, serving(tls));
    reconcile("tls");
    TopicCluster after = get("tls");
    assertThat(after.getStatus().nodes).as(String.valueOf(after.getStatus().conditions)).isEqualTo("2/2");
    assertThat(nodes.values()).allSatisfy(n -> assertThat(n.statusCalls.get()).isPositive());

    // a reconcile with nothing due re-issues nothing
    String version = secret("tls-admin-tls").getMetadata().getResourceVersion();
    clock.advance(Duration.ofDays(10));
    reconcile("tls");
    assertThat(secret("tls-admin-tls").getMetadata().getResourceVersion()).isEqualTo(version);

    // 60 days in (30 before the end of a 90-day certificate) the serving certificate is renewed
    // under the same CA; nodes reload it from their volume, so no pod is replaced
    clock.advance(Duration.ofDays(51));
    reconcile("tls");
    Secret renewed = secret("tls-admin-tls");
    X509Certificate second = AdminCertificates.certificate(text(renewed, "tls.crt"));
    assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(second.getNotAfter().toInstant()).isAfter(first.getNotAfter().toInstant());
    assertThat(text(secret("tls-admin-ca"), "ca.crt")).isEqualTo(text(ca, "ca.crt"));
    assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .anyMatch(e -> "AdminCertificateIssued".equals(e.getReason()) && e.getMessage().contains("expires at"));
  }

  @Test
  void aNodeWithACertificateOfAnotherCaIsNotTrusted() throws Exception {
    create("spoof", 1, s -> s.security.adminTls.mode = AdminTlsMode.Operator);
    reconcile("spoof");
    // an impostor with a certificate for the same names from another CA
    AdminCertificates.Pair otherCa = AdminCertificates.newCa("spoof", ns, clock.instant(), new SecureRandom());
    AdminCertificates.Pair forged = AdminCertificates.issueServing(otherCa,
        AdminCertificates.dnsNames("spoof", ns, "spoof-nodes"), clock.instant(), new SecureRandom());
    Secret forgedSecret = new SecretBuilder().withNewMetadata().withName("forged").endMetadata()
        .addToData("tls.crt", Base64.getEncoder().encodeToString(forged.certPem().getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", Base64.getEncoder().encodeToString(forged.keyPem().getBytes(StandardCharsets.US_ASCII)))
        .build();
    sts.sync(ns, "spoof");
    fakeNodes("spoof", 1, serving(forgedSecret));
    reconcile("spoof");
    assertThat(nodes.get("spoof-0").statusCalls.get()).as("no request reaches a node that fails the handshake").isZero();
  }

  @Test
  void aUserManagedSecretAsCertManagerWritesItIsMountedAndItsCaTrusted() throws Exception {
    create("cm", 1, s -> {
      s.security.adminTls.mode = AdminTlsMode.Secret;
      s.security.adminTls.secretName = "cm-cert";
    });
    assertThatThrownBy(() -> reconcile("cm")).hasMessageContaining("cm-cert")
        .hasMessageContaining("tls.crt, tls.key and ca.crt").hasMessageContaining("does not exist");
    AdminCertificates.Pair ca = AdminCertificates.newCa("cm", ns, clock.instant(), new SecureRandom());
    AdminCertificates.Pair cert = AdminCertificates.issueServing(ca, AdminCertificates.dnsNames("cm", ns, "cm-nodes"),
        clock.instant(), new SecureRandom());
    Secret user = new SecretBuilder().withNewMetadata().withName("cm-cert").withNamespace(ns).endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", Base64.getEncoder().encodeToString(cert.certPem().getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", Base64.getEncoder().encodeToString(cert.keyPem().getBytes(StandardCharsets.US_ASCII)))
        .addToData("ca.crt", Base64.getEncoder().encodeToString(ca.certPem().getBytes(StandardCharsets.US_ASCII)))
        .build();
    client.resource(user).create();
    reconcile("cm");
    assertThat(secret("cm-admin-ca")).as("no operator CA in Secret mode").isNull();
    sts.sync(ns, "cm");
    fakeNodes("cm", 1, serving(user));
    reconcile("cm");
    assertThat(nodes.get("cm-0").statusCalls.get()).as("reached over TLS, trusting the Secret's ca.crt").isPositive();
    assertThat(client.apps().statefulSets().inNamespace(ns).withName("cm").get().getSpec().getTemplate().getSpec()
        .getVolumes()).anyMatch(v -> v.getName().equals("admin-tls") && "cm-cert".equals(v.getSecret().getSecretName()));
  }

  @Test
  void theNetworkPolicyIsAppliedWhenEnabledAndRemovedWhenSwitchedOff() {
    create("np", 1, s -> {
      s.security.networkPolicy.enabled = true;
      s.security.networkPolicy.adminFromNamespaces = List.of("apps");
    });
    reconcile("np");
    var np = client.network().v1().networkPolicies().inNamespace(ns).withName("np").get();
    assertThat(np).isNotNull();
    assertThat(np.getSpec().getIngress()).hasSize(2);
    assertThat(np.getSpec().getIngress().get(1).getFrom()).extracting(f -> f.getNamespaceSelector().getMatchLabels()
        .get("kubernetes.io/metadata.name")).containsExactly("topicmesh-system", "apps");
    client.resources(TopicCluster.class).inNamespace(ns).withName("np").edit(c -> {
      c.getSpec().security.networkPolicy.enabled = false;
      return c;
    });
    reconcile("np");
    assertThat(client.network().v1().networkPolicies().inNamespace(ns).withName("np").get()).isNull();
  }

  @Test
  void theApiServerRefusesSecretModeWithoutASecretName() {
    assertThatThrownBy(() -> create("bad", 1, s -> s.security.adminTls.mode = AdminTlsMode.Secret))
        .hasMessageContaining("mode Secret needs secretName");
  }
}
