package io.topicmesh.node.security.noise;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The way to {@link JniChaCha20Poly1305}, OpenSSL's ChaCha20-Poly1305 through JNI: the native AEAD
 * for JVMs without the final FFM API (JDK 17-21).
 *
 * <p>{@link #probe()} decides once per JVM whether it can be used: the platform is Linux x86-64
 * (the only one the build compiles the shim for), the jar has {@value #RESOURCE}, it can be
 * written to {@code java.io.tmpdir} (as netty's epoll library is; the node image's only writable
 * path is /tmp) and {@code System.load}ed from there (the file is deleted right after), libcrypto
 * loads ({@code libcrypto.so.3}, or {@code -Dtopicmesh.noise.libcrypto}), and the RFC 8439
 * self-test of {@link NativeAeads#selfTest} passes. {@code -D}{@value #LIBRARY_PROPERTY} names an
 * already unpacked {@code libtopicmesh-aead.so} to load instead of the jar's copy.
 */
final class JniAeads {
  static final String RESOURCE = "native/linux-x86_64/libtopicmesh-aead.so";
  /** A path of libtopicmesh-aead.so to load as it is, instead of unpacking the jar's. */
  static final String LIBRARY_PROPERTY = "topicmesh.noise.jni.library";
  /** The libcrypto dlopen is given; the same property as the FFM path's. */
  static final String LIBCRYPTO_PROPERTY = "topicmesh.noise.libcrypto";

  private static NativeAeads.Probe probe;

  private JniAeads() {}

  /**
   * Prints whether the JNI AEAD is usable here and why; exits 1 when it is not: {@code java -cp
   * topicmesh-node.jar io.topicmesh.node.security.noise.JniAeads}.
   */
  public static void main(String[] args) {
    NativeAeads.Probe p = probe();
    System.out.println("JNI AEAD " + p);
    if (!p.available) {
      System.exit(1);
    }
  }

  /** The result of loading and self-testing the JNI AEAD, computed on the first call. */
  static synchronized NativeAeads.Probe probe() {
    if (probe == null) {
      probe = load();
    }
    return probe;
  }

  /** A JNI AEAD for {@code key}; only after {@link #probe()} found it available. */
  static NativeAead create(byte[] key) {
    NativeAeads.Probe p = probe();
    if (!p.available) {
      throw new IllegalStateException("the JNI AEAD is unavailable: " + p.detail);
    }
    return new JniChaCha20Poly1305(key);
  }

  private static NativeAeads.Probe load() {
    String os = System.getProperty("os.name", "");
    String arch = System.getProperty("os.arch", "");
    String forced = System.getProperty(LIBRARY_PROPERTY);
    if (forced == null && !(os.toLowerCase(Locale.ROOT).startsWith("linux")
        && (arch.equals("amd64") || arch.equals("x86_64")))) {
      return new NativeAeads.Probe(false, "no JNI library for " + os + "/" + arch
          + " (the jar carries one for Linux x86-64 only)");
    }
    String loaded;
    try {
      loaded = forced != null ? loadFile(Path.of(forced)) : unpackAndLoad();
    } catch (UnavailableException e) {
      return new NativeAeads.Probe(false, e.getMessage());
    }
    String version;
    try {
      version = JniChaCha20Poly1305.load0(System.getProperty(LIBCRYPTO_PROPERTY, "libcrypto.so.3"));
    } catch (IllegalStateException | LinkageError e) {
      return new NativeAeads.Probe(false, "libcrypto through JNI failed: " + e.getMessage());
    }
    try {
      String failure = NativeAeads.selfTest(JniChaCha20Poly1305::new);
      return failure == null
          ? new NativeAeads.Probe(true, version + " through JNI (" + loaded + "), RFC 8439 self-test passed")
          : new NativeAeads.Probe(false, version + " through JNI failed the RFC 8439 self-test: " + failure);
    } catch (RuntimeException | LinkageError e) {
      return new NativeAeads.Probe(false, version + " through JNI failed the RFC 8439 self-test: " + e);
    }
  }

  /** Copies the jar's library to java.io.tmpdir, loads it and deletes the file (the mapping stays). */
  private static String unpackAndLoad() throws UnavailableException {
    String tmp = System.getProperty("java.io.tmpdir");
    Path file;
    try (InputStream in = JniAeads.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new UnavailableException("the class path has no " + RESOURCE
            + " (a jar built without the JNI shim: node/src/main/c/build.sh)");
      }
      try {
        file = Files.createTempFile(Path.of(tmp), "libtopicmesh-aead-", ".so");
      } catch (IOException | RuntimeException e) {
        throw new UnavailableException("cannot unpack the JNI library into java.io.tmpdir (" + tmp
            + "; -Djava.io.tmpdir= a writable directory): " + e);
      }
      try {
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        deleteQuietly(file);
        throw new UnavailableException("cannot write the JNI library to " + file + ": " + e);
      }
    } catch (IOException e) {
      throw new UnavailableException("cannot read " + RESOURCE + " from the class path: " + e);
    }
    try {
      loadFile(file);
    } finally {
      deleteQuietly(file);
    }
    return "libtopicmesh-aead.so unpacked to " + tmp;
  }

  private static String loadFile(Path file) throws UnavailableException {
    try {
      System.load(file.toAbsolutePath().toString());
    } catch (UnsatisfiedLinkError | SecurityException e) {
      // e.g. a noexec java.io.tmpdir: "failed to map segment from shared object".
      throw new UnavailableException("System.load(" + file + ") failed: " + e.getMessage());
    }
    return file.toString();
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover file in the temporary directory; nothing else depends on it.
    }
  }

  /** Why the library could not be loaded; ends up in the probe's detail. */
  private static final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
      super(message, null, false, false);
    }
  }
}
