package io.topicmesh.node.security.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SymmetricStateTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void hmacMatchesRfc4231Vectors() {
    // RFC 4231 test case 2 (short key) and test case 6 (131-byte key, hashed first)
    assertArrayEquals(
        HEX.parseHex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        SymmetricState.hmac("Jefe".getBytes(), "what do ya want for nothing?".getBytes()));
    byte[] key = new byte[131];
    java.util.Arrays.fill(key, (byte) 0xaa);
    assertArrayEquals(
        HEX.parseHex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        SymmetricState.hmac(key, "Test Using Larger Than Block-Size Key - Hash Key First".getBytes()));
  }

  @Test
  void hmacMatchesTheJdkMacForRandomKeysAndData() throws Exception {
    Random r = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] key = new byte[1 + r.nextInt(100)]; // 1..100: both sides of the 64-byte block
      byte[] data = new byte[r.nextInt(300)];
      r.nextBytes(key);
      r.nextBytes(data);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      assertArrayEquals(mac.doFinal(data), SymmetricState.hmac(key, data), "key " + key.length + " data " + data.length);
    }
  }
}
