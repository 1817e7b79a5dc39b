package io.topicmesh.e2e.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The locked-down deployment on the real cluster (issue 13, docs/security.md): a TopicCluster with
 * operator-managed admin TLS, protected metrics and the NetworkPolicy; the node and operator pods'
 * security contexts as declared and as the kernel enforces them (uid, no_new_privs, seccomp,
 * capabilities, read-only root); and the scoped tokens over HTTPS through a port-forward.
 *
 * <p>The images hold a Java runtime and the jar, no shell: the kernel's view of PID 1 is read with the
 * node CLI itself (picocli expands {@code @/proc/1/status} into arguments and names them in its
 * "Unmatched arguments" error), and the write attempt is the JVM's own {@code -Xlog:...:file=} open.
 */
@Order(6)
@ExtendWith(Diagnostics.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityIT {
  private static final String NAME = "locked";
  private static final int REPLICAS = 2;
  private static final long IMAGE_UID = 10001;

  private KubernetesClient client;
  private OperatorInstall.Installed inst;
  private String ns;

  @BeforeAll
  void setUp() {
    inst = OperatorInstall.ensure();
    client = E2eEnv.get().client;
    ns = TestNamespace.create(getClass(), "e2e-security");
  }

  @AfterAll
  void tearDown() {
    TestNamespace.delete(ns);
  }

  @Test
  @Order(1)
  void aLockedDownClusterBecomesReadyOverTls() {
    String yaml = ScalingIT.clusterYaml(NAME, ns, E2eEnv.get().nodeImage, REPLICAS)
        + "  security:\n"
        + "    adminTls: {mode: Operator}\n"
        + "    protectMetrics: true\n"
        + "    networkPolicy: {enabled: true}\n";
    Tc.api(client).inNamespace(ns).resource(Tc.fromYaml(yaml)).create();
    // Ready and a healthy mesh need the operator to have read every node's status over TLS
    Scenarios.awaitTc(client, ns, NAME, Duration.ofMinutes(4), "settled with admin TLS",
        tc -> Tc.settled(tc, REPLICAS));
    Secret tls = client.secrets().inNamespace(ns).withName(NAME + "-admin-tls").get();
    assertThat(tls).as("the operator-issued serving certificate").isNotNull();
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    var np = client.network().v1().networkPolicies().inNamespace(ns).withName(NAME).get();
    assertThat(np).as("NetworkPolicy %s/%s", ns, NAME).isNotNull();
    assertThat(np.getSpec().getIngress()).hasSize(2);
    assertThat(np.getSpec().getIngress().get(1).getFrom().get(0).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", inst.namespace());
  }

  @Test
  @Order(2)
  void nodeAndOperatorPodsDeclareTheRestrictedSecurityContext() {
    SoftAssertions soft = new SoftAssertions();
    List<Pod> pods = new java.util.ArrayList<>(Tc.pods(client, ns, NAME));
    pods.addAll(operatorPods());
    assertThat(pods).as("node and operator pods").hasSizeGreaterThan(REPLICAS);
    for (Pod p : pods) {
      String who = p.getMetadata().getNamespace() + "/" + p.getMetadata().getName();
      PodSpec spec = p.getSpec();
      soft.assertThat(spec.getSecurityContext().getRunAsNonRoot()).as("%s runAsNonRoot", who).isTrue();
      soft.assertThat(spec.getSecurityContext().getRunAsUser()).as("%s runAsUser", who).isEqualTo(IMAGE_UID);
      soft.assertThat(spec.getSecurityContext().getSeccompProfile().getType()).as("%s seccomp", who)
          .isEqualTo("RuntimeDefault");
      for (Container c : spec.getContainers()) {
        var sc = c.getSecurityContext();
        soft.assertThat(sc.getReadOnlyRootFilesystem()).as("%s/%s readOnlyRootFilesystem", who, c.getName()).isTrue();
        soft.assertThat(sc.getAllowPrivilegeEscalation()).as("%s/%s allowPrivilegeEscalation", who, c.getName())
            .isFalse();
        soft.assertThat(sc.getCapabilities().getDrop()).as("%s/%s capabilities.drop", who, c.getName())
            .containsExactly("ALL");
        soft.assertThat(sc.getCapabilities().getAdd()).as("%s/%s capabilities.add", who, c.getName())
            .isNullOrEmpty();
        soft.assertThat(c.getVolumeMounts()).as("%s/%s writable /tmp", who, c.getName())
            .anyMatch(m -> m.getMountPath().equals("/tmp") && !Boolean.TRUE.equals(m.getReadOnly()));
      }
    }
    soft.assertAll();
  }

  @Test
  @Order(3)
  void theKernelRunsTheNodeAsNonRootWithoutPrivilegesOnAReadOnlyRoot() throws Exception {
    String pod = NAME + "-0";
    // /proc/1/status of the node's JVM, as the node CLI's argument-file error lists it
    Exec status = exec(ns, pod, "node", "java", "-jar", "/app/topicmesh-node.jar", "status", "@/proc/1/status");
    List<String> words = Arrays.stream(status.all().split("'"))
        .filter(w -> !w.isBlank() && !w.equals(", ")).toList();
    assertThat(words).as("picocli listing /proc/1/status: %s", status.all()).contains("Uid:");
    assertThat(field(words, "Uid:", 4)).as("real, effective, saved and fs uid of PID 1").containsOnly(
        Long.toString(IMAGE_UID));
    assertThat(field(words, "Gid:", 4)).doesNotContain("0");
    assertThat(field(words, "NoNewPrivs:", 1)).as("allowPrivilegeEscalation: false sets no_new_privs")
        .containsExactly("1");
    assertThat(field(words, "Seccomp:", 1)).as("seccomp RuntimeDefault is a filter (mode 2)").containsExactly("2");
    for (String caps : List.of("CapPrm:", "CapEff:", "CapBnd:", "CapAmb:")) {
      assertThat(Long.parseUnsignedLong(field(words, caps, 1).get(0), 16)).as("%s (drop ALL)", caps).isZero();
    }
    assertReadOnlyRoot(ns, pod, "node");
  }

  @Test
  @Order(4)
  void theOperatorPodHasAReadOnlyRootToo() throws Exception {
    Pod op = operatorPods().get(0);
    assertReadOnlyRoot(op.getMetadata().getNamespace(), op.getMetadata().getName(),
        op.getSpec().getContainers().get(0).getName());
  }

  @Test
  @Order(5)
  void scopedTokensOverHttpsGetWhatTheirScopeAllowsAndNoMore() throws Exception {
    Secret tls = client.secrets().inNamespace(ns).withName(NAME + "-admin-tls").get();
    HttpClient https = HttpClient.newBuilder().sslContext(trusting(decode(tls, "ca.crt")))
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    String status = decode(client.secrets().inNamespace(ns).withName(NAME + "-status-token").get(), "token");
    String publish = decode(client.secrets().inNamespace(ns).withName(NAME + "-publish-token").get(), "token");
    try (LocalPortForward pf = client.pods().inNamespace(ns).withName(NAME + "-0").portForward(NodeApi.ADMIN_PORT)) {
      // the certificate names localhost, so a port-forward verifies with the cluster's CA
      String base = "https://localhost:" + pf.getLocalPort();
      assertThat(get(https, base + "/v1/status", status).statusCode()).isEqualTo(200);
      assertThat(get(https, base + "/v1/status", null).statusCode()).isEqualTo(401);
      assertThat(get(https, base + "/v1/status", publish).statusCode()).isEqualTo(403);
      HttpResponse<String> params = https.send(HttpRequest.newBuilder(URI.create(base + "/v1/params"))
          .timeout(Duration.ofSeconds(15)).header("Authorization", "Bearer " + status)
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"d\":5}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(params.statusCode()).as(params.body()).isEqualTo(403);
      assertThat(params.body()).contains("admin scope");
      assertThat(get(https, base + "/metrics", null).statusCode()).as("protectMetrics").isEqualTo(401);
      assertThat(get(https, base + "/metrics", status).statusCode()).isEqualTo(200);
      assertThat(get(https, base + "/healthz", null).statusCode()).as("probes need no token").isEqualTo(200);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private List<Pod> operatorPods() {
    return client.pods().inNamespace(inst.namespace()).withLabel("app.kubernetes.io/name", "topicmesh-operator")
        .list().getItems().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
  }

  /** The {@code n} values after {@code key} in the listed words of /proc/1/status. */
  private static List<String> field(List<String> words, String key, int n) {
    int i = words.indexOf(key);
    assertThat(i).as("%s in %s", key, words).isNotNegative();
    return words.subList(i + 1, Math.min(words.size(), i + 1 + n));
  }

  /** A write to / is refused by the file system itself (EROFS); a write to the /tmp volume works. */
  private static void assertReadOnlyRoot(String ns, String pod, String container) throws Exception {
    Exec root = exec(ns, pod, container, "java", "-Xlog:os=info:file=/topicmesh-write-probe", "-version");
    assertThat(root.all()).as("write attempt on / in %s/%s", ns, pod).contains("Read-only file system");
    Exec tmp = exec(ns, pod, container, "java", "-Xlog:os=info:file=/tmp/topicmesh-write-probe", "-version");
    assertThat(tmp.all()).as("write attempt on /tmp in %s/%s", ns, pod).doesNotContain("Error opening log file")
        .contains("version");
  }

  record Exec(String out, String err) {
    String all() {
      return out + "\n" + err;
    }
  }

  private static Exec exec(String ns, String pod, String container, String... command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch w = E2eEnv.get().client.pods().inNamespace(ns).withName(pod).inContainer(container)
        .writingOutput(out).writingError(err).exec(command)) {
      w.exitCode().get(90, TimeUnit.SECONDS);
    }
    return new Exec(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String decode(Secret s, String key) {
    Map<String, String> data = s.getData();
    return new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8).trim();
  }

  private static SSLContext trusting(String caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
