package io.topicmesh.node.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcFsTest {
  @Test
  void cpuTicksAreUtimePlusStimeEvenWithSpacesAndParensInTheName() {
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1234 0 5 0 731 96 0 0 20 0 40 0 12345 "
        + "3000000000 30000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
    assertThat(ProcFs.cpuTicks(stat)).isEqualTo(731 + 96);
  }

  @Test
  void badStatLinesAreRefused() {
    assertThatThrownBy(() -> ProcFs.cpuTicks("no parens here")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProcFs.cpuTicks("1 (x) S 1 2")).hasMessageContaining("short");
  }

  @Test
  void rssIsTheVmRssLineInKiB() {
    String status = "Name:\tjava\nVmPeak:\t 3000000 kB\nVmHWM:\t  200000 kB\nVmRSS:\t  117760 kB\nRssAnon:\t 90000 kB\n";
    assertThat(ProcFs.rssKiB(status)).isEqualTo(117760);
    assertThatThrownBy(() -> ProcFs.rssKiB("Name:\tkthreadd\nState:\tS\n")).hasMessageContaining("no VmRSS");
    assertThatThrownBy(() -> ProcFs.rssKiB("VmRSS:\t 12 MB\n")).hasMessageContaining("unexpected");
  }

  @Test
  void ownProcessReadsPlausibleFigures() throws Exception {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcFs.rssKiB(pid)).isGreaterThan(10_000); // a JVM is well over 10 MiB
    assertThat(ProcFs.cpuTicks(List.of())).isZero();
    assertThat(ProcFs.meanRssMiB(List.of(pid))).isGreaterThan(10);
    assertThat(ProcFs.cpuTicks(pid)).isPositive();
  }

  @Test
  void loadAverageIsTheFirstField() {
    assertThat(ProcFs.loadAverage1("18.73 28.21 21.39 12/3456 7890\n")).isEqualTo(18.73);
  }

  @Test
  void jvmFlagsSplitOnWhitespaceAndRefuseStrayWords() {
    assertThat(ProcFs.splitJvmFlags("  -Xmx64m\t-XX:+UseSerialGC  -Dio.netty.allocator.type=unpooled "))
        .containsExactly("-Xmx64m", "-XX:+UseSerialGC", "-Dio.netty.allocator.type=unpooled");
    assertThat(ProcFs.splitJvmFlags("")).isEmpty();
    assertThatThrownBy(() -> ProcFs.splitJvmFlags("-Xmx64m UseSerialGC")).hasMessageContaining("'UseSerialGC'");
  }

  @Test
  void rssSamplerKeepsThePeak() throws Exception {
    long pid = ProcessHandle.current().pid();
    ProcFs.RssSampler s = new ProcFs.RssSampler(List.of(pid), 10);
    double peak = s.meanPeakMiB();
    assertThat(peak * 1024).isGreaterThanOrEqualTo(10_000);
  }
}
