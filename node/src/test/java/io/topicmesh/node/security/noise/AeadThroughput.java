package io.topicmesh.node.security.noise;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The measurement behind {@link CipherState}'s choice of cipher: ChaCha20-Poly1305 encrypt+decrypt
 * of max-size Noise frames (65519 plaintext bytes), bouncycastle's lightweight AEAD, the JDK's and
 * our {@link ChaCha20Poly1305} (on heap and on direct buffers, as netty gives them). Not a test; run on a quiet machine:
 *
 * <pre>
 * mvn -pl node test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp "$(cat node/cp.txt):node/target/classes:node/target/test-classes" \
 *     io.topicmesh.node.security.noise.AeadThroughput
 * </pre>
 */
public final class AeadThroughput {
  private static final int FRAME = NoiseTransportCodec.MAX_PLAINTEXT_LENGTH;

  private AeadThroughput() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    byte[] key = new byte[32];
    byte[] plain = new byte[FRAME];
    byte[] sealed = new byte[FRAME + 16];
    byte[] opened = new byte[FRAME];
    long nonce = 0;
    for (int round = 0; round < 3; round++) {
      org.bouncycastle.crypto.modes.ChaCha20Poly1305 bc =
          new org.bouncycastle.crypto.modes.ChaCha20Poly1305();
      KeyParameter bcKey = new KeyParameter(key);
      long t0 = System.nanoTime();
      for (int n = 0; n < iterations; n++) {
        byte[] iv = iv(nonce++);
        bc.init(true, new AEADParameters(bcKey, 128, iv, null));
        bc.doFinal(sealed, bc.processBytes(plain, 0, FRAME, sealed, 0));
        bc.init(false, new AEADParameters(bcKey, 128, iv, null));
        bc.doFinal(opened, bc.processBytes(sealed, 0, sealed.length, opened, 0));
      }
      double bcMbs = mbPerSecond(iterations, System.nanoTime() - t0);

      Cipher enc = Cipher.getInstance("ChaCha20-Poly1305");
      Cipher dec = Cipher.getInstance("ChaCha20-Poly1305");
      SecretKeySpec jdkKey = new SecretKeySpec(key, "ChaCha20");
      t0 = System.nanoTime();
      for (int n = 0; n < iterations; n++) {
        IvParameterSpec iv = new IvParameterSpec(iv(nonce++));
        enc.init(Cipher.ENCRYPT_MODE, jdkKey, iv);
        enc.doFinal(plain, 0, FRAME, sealed, 0);
        dec.init(Cipher.DECRYPT_MODE, jdkKey, iv);
        dec.doFinal(sealed, 0, sealed.length, opened, 0);
      }
      double jdkMbs = mbPerSecond(iterations, System.nanoTime() - t0);

      ChaCha20Poly1305 ours = new ChaCha20Poly1305(key);
      t0 = System.nanoTime();
      for (int n = 0; n < iterations; n++) {
        long nc = nonce++;
        ours.seal(0, (int) nc, (int) (nc >>> 32), null, ByteBuffer.wrap(plain), ByteBuffer.wrap(sealed));
        ours.open(0, (int) nc, (int) (nc >>> 32), null, ByteBuffer.wrap(sealed), ByteBuffer.wrap(opened));
      }
      double oursMbs = mbPerSecond(iterations, System.nanoTime() - t0);

      ByteBuffer dPlain = ByteBuffer.allocateDirect(FRAME);
      ByteBuffer dSealed = ByteBuffer.allocateDirect(FRAME + 16);
      ByteBuffer dOpened = ByteBuffer.allocateDirect(FRAME);
      t0 = System.nanoTime();
      for (int n = 0; n < iterations; n++) {
        long nc = nonce++;
        ours.seal(0, (int) nc, (int) (nc >>> 32), null, dPlain.clear(), dSealed.clear());
        ours.open(0, (int) nc, (int) (nc >>> 32), null, dSealed.flip(), dOpened.clear());
      }
      double oursDirectMbs = mbPerSecond(iterations, System.nanoTime() - t0);
      System.out.printf(
          "round %d: bouncycastle %.1f MB/s, JDK %.1f MB/s, ours %.1f MB/s (heap), %.1f MB/s (direct)"
              + " (encrypt+decrypt bytes per second)%n",
          round, bcMbs, jdkMbs, oursMbs, oursDirectMbs);
    }
  }

  private static double mbPerSecond(int iterations, long nanos) {
    return 2.0 * iterations * FRAME / 1e6 / (nanos / 1e9);
  }

  private static byte[] iv(long n) {
    byte[] iv = new byte[12];
    for (int i = 0; i < 8; i++) {
      iv[4 + i] = (byte) (n >>> (8 * i));
    }
    return iv;
  }
}
