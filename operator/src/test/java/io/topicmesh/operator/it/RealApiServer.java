package io.topicmesh.operator.it;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * One real etcd + kube-apiserver (fabric8 kube-api-test, offline) per test JVM, with the CRD from
 * {@code crds/} installed. The binaries come from {@code e2e/control-plane/build.sh}; when they are
 * missing every test using this fails, naming that script.
 */
public final class RealApiServer {
  public static final String KUBE_VERSION = "1.34.4";
  private static final AtomicInteger NAMESPACES = new AtomicInteger();
  private static KubeAPIServer server;
  private static KubernetesClient client;
  private static Path kubeconfig;

  private RealApiServer() {
  }

  /** {@code $KUBE_API_TEST_DIR}, else {@code ${TOPICMESH_CACHE:-~/.cache/topicmesh}/kubeapitest}. */
  public static Path testDir() {
    String explicit = System.getenv("KUBE_API_TEST_DIR");
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    String cache = System.getenv("TOPICMESH_CACHE");
    Path root = cache != null && !cache.isBlank() ? Path.of(cache)
        : Path.of(System.getProperty("user.home"), ".cache", "topicmesh");
    return root.resolve("kubeapitest");
  }

  public static Path binaries() {
    return testDir().resolve("k8s").resolve(KUBE_VERSION + "-linux-amd64");
  }

  public static Path kubectl() {
    return binaries().resolve("kubectl");
  }

  /** Fails (never skips) when the control-plane binaries are not there. */
  public static void requireBinaries() {
    for (String binary : List.of("etcd", "kube-apiserver", "kubectl")) {
      if (!Files.isExecutable(binaries().resolve(binary))) {
        throw new AssertionError("Kubernetes " + KUBE_VERSION + " control-plane binary '" + binary + "' is missing in "
            + binaries() + ". Build it with e2e/control-plane/build.sh (scripts/prepare.sh runs it; .ci/run does "
            + "both), or point KUBE_API_TEST_DIR at a directory holding k8s/" + KUBE_VERSION + "-linux-amd64/.");
      }
    }
  }

  /** The shared client; starts the API server and installs the CRD on first use. */
  public static synchronized KubernetesClient client() {
    if (client == null) {
      requireBinaries();
      server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
          .withOfflineMode(true)
          .withApiServerVersion(KUBE_VERSION)
          .withTestDir(testDir().toString())
          .withUpdateKubeConfig(false)
          .withStartupTimeout(120_000)
          .build());
      server.start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "kube-api-test-stop"));
      String yaml = server.getKubeConfigYaml();
      try {
        kubeconfig = Files.createTempFile("topicmesh-kubeconfig", ".yaml");
        Files.writeString(kubeconfig, yaml);
        kubeconfig.toFile().deleteOnExit();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(yaml)).build();
      installCrd(client);
    }
    return client;
  }

  public static synchronized Path kubeconfig() {
    client();
    return kubeconfig;
  }

  static void installCrd(KubernetesClient client) {
    Path file = Path.of(System.getProperty("topicmesh.repoRoot", "..")).resolve("crds")
        .resolve("topicclusters.topicmesh.io-v1.yml");
    CustomResourceDefinition crd;
    try (InputStream in = Files.newInputStream(file)) {
      crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file, e);
    }
    client.resource(crd).fieldManager("topicmesh-tests").forceConflicts().serverSideApply();
    Awaitility.await("CRD established").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          var c = client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).get();
          return c != null && c.getStatus() != null && c.getStatus().getConditions().stream()
              .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()));
        });
  }

  /** A fresh namespace per test. */
  public static String newNamespace(String prefix) {
    String name = prefix + "-" + NAMESPACES.incrementAndGet() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
    client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  /** Runs kubectl against the test API server; returns exit code and combined output. */
  public static KubectlResult kubectl(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new java.util.ArrayList<>();
    command.add(kubectl().toString());
    command.add("--kubeconfig=" + kubeconfig());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 60s");
    }
    return new KubectlResult(p.exitValue(), out);
  }

  public record KubectlResult(int exitCode, String output) {
  }
}
