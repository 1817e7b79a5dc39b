package io.topicmesh.node.security.noise;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Which ChaCha20-Poly1305 implementation noise sessions use, decided once per JVM.
 *
 * <p>System property {@value #PROPERTY}: {@code java} (ours, {@link ChaCha20Poly1305}), {@code jdk}
 * ({@link JdkChaCha20Poly1305}), {@code hybrid} (the JDK's ChaCha20 with our Poly1305, {@link
 * HybridChaCha20Poly1305}) or {@code auto} (default): the JDK cipher where HotSpot has ChaCha20
 * and Poly1305 intrinsics, the hybrid where it has only the ChaCha20 one, ours otherwise.
 *
 * <p>Those flags ({@code UseChaCha20Intrinsics}, {@code UsePoly1305Intrinsics}) are diagnostic, so
 * management shows them only when unlocked. When it does not: ChaCha20 intrinsics are assumed from
 * JDK 21 on x86-64 and aarch64; the x86-64 Poly1305 intrinsic needs AVX-512 IFMA (or AVX-IFMA), so
 * it is assumed only where {@code /proc/cpuinfo} lists {@code avx512ifma} or {@code avx_ifma}. On an
 * AVX2-only CPU HotSpot 25 reports {@code UsePoly1305Intrinsics=false}, and its generic Java
 * Poly1305 then made the JDK AEAD no faster than ours (docs/benchmarks.md). A wrong guess costs
 * speed only: all three produce the same bytes.
 */
enum AeadChoice {
  JAVA,
  JDK,
  HYBRID;

  static final String PROPERTY = "topicmesh.noise.aead";

  private static final AeadChoice SELECTED = select(System.getProperty(PROPERTY, "auto"));

  static AeadChoice selected() {
    return SELECTED;
  }

  static AeadChoice select(String setting) {
    switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "java":
        return JAVA;
      case "jdk":
        return JDK;
      case "hybrid":
        return HYBRID;
      case "auto":
        if (!hasChaCha20Intrinsic()) {
          return JAVA;
        }
        return hasPoly1305Intrinsic() ? JDK : HYBRID;
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be auto, java, jdk or hybrid, got '" + setting + "'");
    }
  }

  private static boolean hasChaCha20Intrinsic() {
    Boolean flag = vmFlag("UseChaCha20Intrinsics");
    if (flag != null) {
      return flag;
    }
    return Runtime.version().feature() >= 21 && (isX86() || isAarch64());
  }

  private static boolean hasPoly1305Intrinsic() {
    Boolean flag = vmFlag("UsePoly1305Intrinsics");
    if (flag != null) {
      return flag;
    }
    if (Runtime.version().feature() < 21 || !isX86()) {
      return false;
    }
    String cpu = cpuFlags();
    return cpu.contains(" avx512ifma") || cpu.contains(" avx_ifma");
  }

  private static boolean isX86() {
    String arch = System.getProperty("os.arch", "");
    return arch.equals("amd64") || arch.equals("x86_64");
  }

  private static boolean isAarch64() {
    return System.getProperty("os.arch", "").equals("aarch64");
  }

  /** The first "flags" line of /proc/cpuinfo with a leading space, or "" where there is none. */
  private static String cpuFlags() {
    try (var lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("flags"))
          .findFirst()
          .map(l -> " " + l.substring(l.indexOf(':') + 1).trim() + " ")
          .orElse("");
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  /** The flag's value, or null when this JVM does not show it. */
  private static Boolean vmFlag(String name) {
    try {
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return vm == null ? null : Boolean.valueOf(vm.getVMOption(name).getValue());
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      return null;
    }
  }
}
