package io.topicmesh.node.security.noise;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which ChaCha20-Poly1305 implementation noise sessions use, decided once per JVM.
 *
 * <p>System property {@value #PROPERTY}: {@code java} (ours, {@link ChaCha20Poly1305}), {@code jdk}
 * ({@link JdkChaCha20Poly1305}), {@code hybrid} (the JDK's ChaCha20 with our Poly1305, {@link
 * HybridChaCha20Poly1305}), {@code native} (OpenSSL's libcrypto through the FFM API, {@link
 * NativeAeads}; JDK 22+), {@code jni} (OpenSSL's libcrypto through JNI, {@link JniAeads}; any JDK
 * on Linux x86-64) or {@code auto} (default): native where {@link NativeAeads#probe()} finds it
 * usable (JDK 22+, libcrypto loads, the RFC 8439 self-test passes); else jni where {@link
 * JniAeads#probe()} does (the jar's shim loads, libcrypto loads, the same self-test passes), which
 * is what JDK 17-21 get; otherwise the JDK cipher where HotSpot has ChaCha20 and Poly1305
 * intrinsics, the hybrid where it has only the ChaCha20 one, ours otherwise. Forcing {@code native}
 * or {@code jni} where it is unusable fails with the reason. The choice is logged once, at INFO,
 * when this class initialises ({@link NoiseIdentity} touches it when a host is made), e.g. {@code
 * noise AEAD: jni, OpenSSL through JNI (topicmesh.noise.aead=auto: native unavailable: JDK 17 has
 * no final FFM API (it needs JDK 22+); OpenSSL 3.0.19 27 Jan 2026 through JNI (...), RFC 8439
 * self-test passed)}.
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
  HYBRID,
  NATIVE,
  JNI;

  static final String PROPERTY = "topicmesh.noise.aead";

  /** A choice and why it was made, for the start-up log line. */
  static final class Decision {
    final AeadChoice choice;
    final String reason;

    Decision(AeadChoice choice, String reason) {
      this.choice = choice;
      this.reason = reason;
    }
  }

  private static final Decision SELECTED;

  static {
    String setting = System.getProperty(PROPERTY, "auto");
    SELECTED = decide(setting, NativeAeads::probe, JniAeads::probe);
    Logger log = LoggerFactory.getLogger(AeadChoice.class);
    log.info("noise AEAD: {}, {} ({}={}: {})",
        SELECTED.choice.label(), SELECTED.choice.description(), PROPERTY, setting, SELECTED.reason);
  }

  static AeadChoice selected() {
    return SELECTED.choice;
  }

  /** The setting's name of this choice (java, jdk, hybrid, native, jni). */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** What the choice is, for the log. */
  String description() {
    switch (this) {
      case JAVA:
        return "our pure-Java ChaCha20-Poly1305";
      case JDK:
        return "the JDK's ChaCha20-Poly1305";
      case HYBRID:
        return "the JDK's ChaCha20 with our Poly1305";
      case NATIVE:
        return "OpenSSL through FFM";
      default:
        return "OpenSSL through JNI";
    }
  }

  static AeadChoice select(String setting) {
    return decide(setting, NativeAeads::probe, JniAeads::probe).choice;
  }

  /**
   * The choice for {@code setting}; a probe is asked only when the setting needs it (forcing java,
   * jdk or hybrid loads no native code; auto asks the JNI probe only when the FFM one fails).
   */
  static Decision decide(
      String setting, Supplier<NativeAeads.Probe> nativeProbe, Supplier<NativeAeads.Probe> jniProbe) {
    switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "java":
        return new Decision(JAVA, "forced");
      case "jdk":
        return new Decision(JDK, "forced");
      case "hybrid":
        return new Decision(HYBRID, "forced");
      case "native": {
        NativeAeads.Probe probe = nativeProbe.get();
        if (!probe.available) {
          throw new IllegalStateException(PROPERTY + "=native, but the native AEAD is unusable here: " + probe.detail);
        }
        return new Decision(NATIVE, "forced; " + probe.detail);
      }
      case "jni": {
        NativeAeads.Probe probe = jniProbe.get();
        if (!probe.available) {
          throw new IllegalStateException(PROPERTY + "=jni, but the JNI AEAD is unusable here: " + probe.detail);
        }
        return new Decision(JNI, "forced; " + probe.detail);
      }
      case "auto": {
        NativeAeads.Probe probe = nativeProbe.get();
        if (probe.available) {
          return new Decision(NATIVE, probe.detail);
        }
        NativeAeads.Probe jni = jniProbe.get();
        String notNative = "native " + probe + "; ";
        if (jni.available) {
          return new Decision(JNI, notNative + jni.detail);
        }
        notNative += "jni " + jni + "; ";
        if (!hasChaCha20Intrinsic()) {
          return new Decision(JAVA, notNative + "no ChaCha20 intrinsic in this JVM");
        }
        return hasPoly1305Intrinsic()
            ? new Decision(JDK, notNative + "ChaCha20 and Poly1305 intrinsics")
            : new Decision(HYBRID, notNative + "a ChaCha20 intrinsic but no Poly1305 one");
      }
      default:
        throw new IllegalArgumentException(
            PROPERTY + " must be auto, java, jdk, hybrid, native or jni, got '" + setting + "'");
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
