package io.topicmesh.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.daemon.LoadPayload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PubsubBenchArgsTest {
  @Test
  void defaultsRunOursInOneJvmAgainstGo() {
    PubsubBench b = PubsubBench.parse(new String[0]);
    assertThat(b.oursProcesses).isFalse();
    assertThat(b.runOurs).isTrue();
    assertThat(b.runGo).isTrue();
    assertThat(b.jvmFlags).isEqualTo(PubsubBench.DEFAULT_JVM_FLAGS);
  }

  @Test
  void defaultJvmFlagsAreTheImagesPlusAPodLimit() {
    assertThat(ProcFs.splitJvmFlags(PubsubBench.DEFAULT_JVM_FLAGS))
        .contains("-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Dio.netty.native.workdir=/tmp")
        .anyMatch(f -> f.startsWith("-XX:MaxRAM="));
  }

  @Test
  void defaultJvmFlagsAreExactlyTheDockerfilesPlusMaxRam() throws Exception {
    String dockerfile = Files.readString(Path.of("Dockerfile")); // node/Dockerfile: surefire runs in node/
    Matcher m = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(dockerfile);
    assertThat(m.find()).as("JAVA_TOOL_OPTIONS in node/Dockerfile").isTrue();
    assertThat(PubsubBench.DEFAULT_JVM_FLAGS).isEqualTo(m.group(1) + " -XX:MaxRAM=512m");
  }

  @Test
  void processModeTakesFlagsJavaAndJar() {
    PubsubBench b = PubsubBench.parse(new String[] {"--ours-processes", "--jvm-flags", "-Xmx64m -XX:+UseSerialGC",
        "--java", "/usr/lib/jvm/x/bin/java", "--jar", "x.jar", "--nodes", "10", "--no-go"});
    assertThat(b.oursProcesses).isTrue();
    assertThat(b.jvmFlags).isEqualTo("-Xmx64m -XX:+UseSerialGC");
    assertThat(b.java).isEqualTo("/usr/lib/jvm/x/bin/java");
    assertThat(b.jar).isEqualTo("x.jar");
    assertThat(b.nodes).isEqualTo(10);
    assertThat(b.runGo).isFalse();
  }

  @Test
  void badCommandLinesAreRefusedWithTheReason() {
    assertThatThrownBy(() -> PubsubBench.parse(new String[] {"--jvm-flags"})).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> PubsubBench.parse(new String[] {"--jvm-flags", "Xmx64m"})).hasMessageContaining("'Xmx64m'");
    assertThatThrownBy(() -> PubsubBench.parse(new String[] {"--colour", "red"})).hasMessageContaining("unknown flag --colour");
    assertThatThrownBy(() -> PubsubBench.parse(new String[] {"--no-go", "--no-ours"})).hasMessageContaining("nothing to run");
    assertThatThrownBy(() -> PubsubBench.parse(new String[] {"--ours-processes", "--nodes", "300", "--links", "4"}))
        .hasMessageContaining("254");
  }

  @Test
  void statusTrafficCountersAreReadFromTheTrafficObjectOnly() {
    String status = "{\"peerId\":\"x\",\"topics\":[{\"topic\":\"bench\",\"messages\":9,\"duplicates\":777}],"
        + "\"traffic\":{\"published\":5,\"delivered\":1234,\"duplicates\":56,\"duplicatesPerMessage\":0.04,"
        + "\"latencyP50Ms\":1.5,\"latencyP99Ms\":null,\"deliveryDropped\":0},\"lock\":{}}";
    assertThat(DaemonProcesses.parseTraffic(status)).containsExactly(1234, 56);
    assertThatThrownBy(() -> DaemonProcesses.parseTraffic("{}")).hasMessageContaining("no traffic");
  }

  @Test
  void streamLatencyIsFromTheLoadPayloadOfRemoteMessagesOnly() {
    byte[] payload = LoadPayload.create(64);
    long at = LoadPayload.publishedAt(payload);
    String b64 = Base64.getEncoder().encodeToString(payload);
    String remote = "data: {\"id\":\"a\",\"topic\":\"bench\",\"local\":false,\"base64\":\"" + b64 + "\"}";
    assertThat(DaemonProcesses.latencyUs(remote, at + 2_500_000)).isEqualTo(2500);
    assertThat(DaemonProcesses.latencyUs(remote.replace("\"local\":false", "\"local\":true"), at + 1)).isEqualTo(-1);
    assertThat(DaemonProcesses.latencyUs("event: message", at)).isEqualTo(-1);
    String other = Base64.getEncoder().encodeToString(new byte[64]);
    assertThat(DaemonProcesses.latencyUs("data: {\"local\":false,\"base64\":\"" + other + "\"}", at)).isEqualTo(-1);
  }
}
