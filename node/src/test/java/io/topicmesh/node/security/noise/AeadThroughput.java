package io.topicmesh.node.security.noise;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The measurement behind {@link AeadChoice}: ChaCha20-Poly1305 seal + open of max-size Noise frames
 * (65519 plaintext bytes) on direct buffers, as netty gives them, through {@link CipherState} with
 * each implementation this JVM can run: ours ({@code java}), the JDK's ({@code jdk}), the hybrid and
 * OpenSSL's through FFM ({@code native}, JDK 22+ with libcrypto) and through JNI ({@code jni}, the
 * jar's shim on Linux x86-64 with libcrypto). Rounds interleave the
 * implementations; each figure is one-way MB/s (10^6 bytes) per core: frames x 65519 bytes over the
 * CPU time of this thread for a seal plus an open, so the machine's load matters less than with
 * wall time. Not a test; run on the JVM in question:
 *
 * <pre>
 * mvn -pl node test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java --enable-native-access=ALL-UNNAMED \
 *     -cp "$(cat node/cp.txt):node/target/classes:node/target/classes/META-INF/versions/22:node/target/test-classes" \
 *     io.topicmesh.node.security.noise.AeadThroughput [frames per round, 2000] [rounds, 5]
 * </pre>
 */
public final class AeadThroughput {
  private static final int FRAME = NoiseTransportCodec.MAX_PLAINTEXT_LENGTH;

  private AeadThroughput() {}

  public static void main(String[] args) throws Exception {
    int frames = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<AeadChoice> choices = new ArrayList<>(List.of(AeadChoice.values()));
    NativeAeads.Probe probe = NativeAeads.probe();
    if (!probe.available) {
      choices.remove(AeadChoice.NATIVE);
    }
    NativeAeads.Probe jni = JniAeads.probe();
    if (!jni.available) {
      choices.remove(AeadChoice.JNI);
    }
    System.out.printf("JVM %s; native AEAD %s; JNI AEAD %s%n", Runtime.version(), probe, jni);
    byte[] key = new byte[32];
    new Random(1).nextBytes(key);
    ByteBuffer plain = ByteBuffer.allocateDirect(FRAME);
    ByteBuffer sealed = ByteBuffer.allocateDirect(FRAME + CipherState.TAG_LENGTH);
    ByteBuffer opened = ByteBuffer.allocateDirect(FRAME);
    double[][] results = new double[choices.size()][rounds];
    for (int round = -1; round < rounds; round++) {
      StringBuilder line = new StringBuilder(round < 0 ? "warm-up:" : "round " + round + ":");
      for (int c = 0; c < choices.size(); c++) {
        CipherState enc = new CipherState(choices.get(c));
        CipherState dec = new CipherState(choices.get(c));
        enc.initializeKey(key);
        dec.initializeKey(key);
        long cpu0 = threads.getCurrentThreadCpuTime();
        for (int n = 0; n < frames; n++) {
          enc.encrypt(null, plain.clear(), sealed.clear());
          dec.decrypt(null, sealed.flip(), opened.clear());
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        enc.close();
        dec.close();
        double mbs = (double) frames * FRAME / 1e6 / (cpu / 1e9);
        if (round >= 0) {
          results[c][round] = mbs;
        }
        line.append(String.format("  %s %.0f", choices.get(c).label(), mbs));
      }
      System.out.println(line.append("  (MB/s one way per core, seal + open)"));
    }
    StringBuilder median = new StringBuilder("median:");
    for (int c = 0; c < choices.size(); c++) {
      double[] r = results[c].clone();
      java.util.Arrays.sort(r);
      median.append(String.format("  %s %.0f", choices.get(c).label(), r[r.length / 2]));
    }
    System.out.println(median);
  }
}
