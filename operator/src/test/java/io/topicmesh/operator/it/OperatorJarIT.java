package io.topicmesh.operator.it;

import static io.topicmesh.operator.model.Clusters.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.topicmesh.operator.api.v1alpha1.TopicCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shaded jar ({@code operator/target/topicmesh-operator.jar}) as a process: starts, reconciles, stops on SIGTERM. */
class OperatorJarIT {
  @Test
  void runnableJarReconcilesAndShutsDownGracefullyOnSigterm() throws Exception {
    Path jar = Path.of("target", "topicmesh-operator.jar");
    assertThat(jar).as("built by the package phase").exists();
    KubernetesClient client = RealApiServer.client();
    String ns = RealApiServer.newNamespace("jar");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = Files.createTempFile("operator-jar", ".log");
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("KUBECONFIG", RealApiServer.kubeconfig().toString());
    pb.environment().put("WATCH_NAMESPACE", ns);
    pb.environment().put("LEADER_ELECTION_NAMESPACE", ns);
    pb.environment().put("OPERATOR_HTTP_PORT", Integer.toString(port));
    Process process = pb.start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      await("operator /readyz").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
          .until(() -> http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
      TopicCluster cr = cluster("jar", 1, "news");
      cr.getMetadata().setUid(null);
      cr.getMetadata().setGeneration(null);
      cr.getMetadata().setNamespace(ns);
      client.resource(cr).create();
      await("StatefulSet from the jar").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
          .until(() -> client.apps().statefulSets().inNamespace(ns).withName("jar").get() != null);

      process.destroy(); // SIGTERM
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exits within 30s of SIGTERM").isTrue();
      String output = read(log);
      assertThat(output).contains("topicmesh operator started", "shutting down");
      assertThat(output).doesNotContain("lost the leader lease");
    } finally {
      process.destroyForcibly();
    }
  }

  private static String read(Path log) throws IOException {
    return Files.readString(log);
  }
}
