package io.topicmesh.operator.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar started against an API server that is not there: it must say so in one line naming
 * the server and the cause, and exit non-zero, instead of hanging or printing a stack trace.
 */
class OperatorStartFailureIT {
  @Test
  void withNoReachableApiServerTheJarExitsNonZeroWithOneLineNamingServerAndCause() throws Exception {
    Path jar = Path.of("target", "topicmesh-operator.jar");
    assertThat(jar).as("built by the package phase").exists();
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String server = "https://127.0.0.1:" + port;
    Path kubeconfig = Files.createTempFile("unreachable", ".kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters:
        - name: gone
          cluster: {server: "%s", insecure-skip-tls-verify: true}
        users:
        - name: u
          user: {token: abc}
        contexts:
        - name: c
          context: {cluster: gone, user: u}
        current-context: c
        """.formatted(server));
    Path log = Files.createTempFile("operator-start-failure", ".log");
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", jar.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    pb.environment().put("API_SERVER_WAIT_SECONDS", "3");
    pb.environment().put("OPERATOR_HTTP_PORT", "0");
    pb.environment().remove("KUBERNETES_SERVICE_HOST");
    Process process = pb.start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("exits on its own").isTrue();
      String output = Files.readString(log);
      assertThat(process.exitValue()).as(output).isEqualTo(1);
      List<String> errors = output.lines().filter(l -> l.contains("ERROR")).toList();
      assertThat(errors).as(output).singleElement().satisfies(line -> {
        assertThat(line).contains("cannot reach the Kubernetes API server at " + server);
        assertThat(line).contains("ConnectException");
        assertThat(line).contains("exiting");
      });
      assertThat(output).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
      assertThat(output).as("says it retries").contains("retrying");
    } finally {
      process.destroyForcibly();
    }
  }
}
