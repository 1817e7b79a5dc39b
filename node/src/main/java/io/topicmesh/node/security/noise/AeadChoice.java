package io.topicmesh.node.security.noise;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Which ChaCha20-Poly1305 implementation noise sessions use, decided once per JVM.
 *
 * <p>System property {@value #PROPERTY}: {@code java} (ours, {@link ChaCha20Poly1305}), {@code jdk}
 * ({@link JdkChaCha20Poly1305}) or {@code auto} (default): the JDK cipher where HotSpot has
 * ChaCha20 and Poly1305 intrinsics, ours otherwise. Those flags ({@code UseChaCha20Intrinsics},
 * {@code UsePoly1305Intrinsics}) are diagnostic, so management shows them only when unlocked;
 * when it does not, intrinsics are assumed from JDK 21 on x86-64 and aarch64 (they arrived in JDK
 * 20-21). Measured (docs/benchmarks.md): on JDK 17 ours is the faster; on JDK 25 the JDK's.
 */
enum AeadChoice {
  JAVA,
  JDK;

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
      case "auto":
        return hasIntrinsics() ? JDK : JAVA;
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be auto, java or jdk, got '" + setting + "'");
    }
  }

  private static boolean hasIntrinsics() {
    Boolean chacha = vmFlag("UseChaCha20Intrinsics");
    Boolean poly = vmFlag("UsePoly1305Intrinsics");
    if (chacha != null && poly != null) {
      return chacha && poly;
    }
    String arch = System.getProperty("os.arch", "");
    boolean intrinsicArch = arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64");
    return Runtime.version().feature() >= 21 && intrinsicArch;
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
