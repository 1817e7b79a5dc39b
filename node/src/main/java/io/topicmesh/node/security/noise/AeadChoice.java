package io.topicmesh.node.security.noise;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Which ChaCha20-Poly1305 implementation noise sessions use, decided once per JVM.
 *
 * <p>System property {@value #PROPERTY}: {@code java} (ours, {@link ChaCha20Poly1305}), {@code jdk}
 * ({@link JdkChaCha20Poly1305}) or {@code auto} (default): the JDK cipher when the JVM reports
 * both {@code UseChaCha20Intrinsics} and {@code UsePoly1305Intrinsics} on, ours otherwise. Measured
 * (docs/benchmarks.md): on JDK 17, which has neither intrinsic, ours is the faster; on JDK 25 with
 * the intrinsics the JDK's is several times faster than ours.
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
        return vmFlag("UseChaCha20Intrinsics") && vmFlag("UsePoly1305Intrinsics") ? JDK : JAVA;
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be auto, java or jdk, got '" + setting + "'");
    }
  }

  private static boolean vmFlag(String name) {
    try {
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      return vm != null && "true".equals(vm.getVMOption(name).getValue());
    } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
      // No such flag (JDK 17) or no HotSpot management: no intrinsics we know of.
      return false;
    }
  }
}
