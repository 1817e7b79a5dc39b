package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Our ChaCha20-Poly1305 against every test vector of RFC 8439 (§2.3.2, §2.4.2, §2.5.2, §2.8.2,
 * appendices A.1–A.5) and against the JDK's cipher on random input.
 */
class ChaCha20Poly1305Test {
  private static final HexFormat HEX = HexFormat.of();
  private static final String ZERO16 = "00000000000000000000000000000000";
  private static final String SUNSCREEN =
      "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049662049"
          + "20636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074686520667574757265"
          + "2c2073756e73637265656e20776f756c642062652069742e";
  private static final String IETF_CONTRIBUTION =
      "416e79207375626d697373696f6e20746f20746865204945544620696e74656e6465642062792074686520436f"
          + "6e7472696275746f7220666f72207075626c69636174696f6e20617320616c6c206f722070617274206f6620"
          + "616e204945544620496e7465726e65742d4472616674206f722052464320616e6420616e792073746174656d"
          + "656e74206d6164652077697468696e2074686520636f6e74657874206f6620616e2049455446206163746976"
          + "69747920697320636f6e7369646572656420616e20224945544620436f6e747269627574696f6e222e205375"
          + "63682073746174656d656e747320696e636c756465206f72616c2073746174656d656e747320696e20494554"
          + "462073657373696f6e732c2061732077656c6c206173207772697474656e20616e6420656c656374726f6e69"
          + "6320636f6d6d756e69636174696f6e73206d61646520617420616e792074696d65206f7220706c6163652c20"
          + "7768696368206172652061646472657373656420746f";
  private static final String JABBERWOCKY =
      "2754776173206272696c6c69672c20616e642074686520736c6974687920746f7665730a446964206779726520"
          + "616e642067696d626c6520696e2074686520776162653a0a416c6c206d696d73792077657265207468652062"
          + "6f726f676f7665732c0a416e6420746865206d6f6d65207261746873206f757467726162652e";

  private static String chacha20(String key, String nonce, int counter, String input) {
    byte[] in = HEX.parseHex(input);
    byte[] out = new byte[in.length];
    int[] n = nonceWords(HEX.parseHex(nonce));
    new ChaCha20Poly1305(HEX.parseHex(key))
        .chacha20(counter, n[0], n[1], n[2], ByteBuffer.wrap(in), ByteBuffer.wrap(out));
    return HEX.formatHex(out);
  }

  private static int[] nonceWords(byte[] nonce) {
    ByteBuffer b = ByteBuffer.wrap(nonce).order(ByteOrder.LITTLE_ENDIAN);
    return new int[] {b.getInt(0), b.getInt(4), b.getInt(8)};
  }

  private static String zeros(int bytes) {
    return "00".repeat(bytes);
  }

  @Test
  void blockFunctionOfSection232() {
    assertThat(chacha20(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "000000090000004a00000000", 1, zeros(64)))
        .isEqualTo("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
  }

  @Test
  void keyStreamVectorsOfAppendixA1() {
    String zeroKey = zeros(32);
    String zeroNonce = zeros(12);
    assertThat(chacha20(zeroKey, zeroNonce, 0, zeros(64)))
        .isEqualTo("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
    assertThat(chacha20(zeroKey, zeroNonce, 1, zeros(64)))
        .isEqualTo("9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
            + "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f");
    assertThat(chacha20(zeros(31) + "01", zeroNonce, 1, zeros(64)))
        .isEqualTo("3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a"
            + "8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0");
    assertThat(chacha20("00ff" + zeros(30), zeroNonce, 2, zeros(64)))
        .isEqualTo("72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca"
            + "13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096");
    assertThat(chacha20(zeroKey, zeros(11) + "02", 0, zeros(64)))
        .isEqualTo("c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c7"
            + "8a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d");
  }

  @Test
  void sunscreenEncryptionOfSection242() {
    assertThat(chacha20(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "000000000000004a00000000", 1, SUNSCREEN))
        .isEqualTo("6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d");
  }

  @Test
  void encryptionVectorsOfAppendixA2() {
    assertThat(chacha20(zeros(32), zeros(12), 0, zeros(64)))
        .isEqualTo("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
    assertThat(chacha20(zeros(31) + "01", zeros(11) + "02", 1, IETF_CONTRIBUTION))
        .isEqualTo("a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec"
            + "2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d"
            + "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e527950"
            + "42bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a"
            + "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259d"
            + "c4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b"
            + "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6c"
            + "cc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b"
            + "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f"
            + "5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6"
            + "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab"
            + "7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221");
    assertThat(chacha20(
            "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
            zeros(11) + "02", 42, JABBERWOCKY))
        .isEqualTo("62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf"
            + "166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb"
            + "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f77"
            + "04c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1");
  }

  private static String poly1305(String key, String message) {
    ByteBuffer k = ByteBuffer.wrap(HEX.parseHex(key)).order(ByteOrder.LITTLE_ENDIAN);
    Poly1305 mac = new Poly1305(k.getLong(0), k.getLong(8), k.getLong(16), k.getLong(24));
    byte[] m = HEX.parseHex(message);
    mac.update(ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN), 0, m.length, false);
    long[] tag = mac.tag();
    return HEX.formatHex(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(tag[0]).putLong(tag[1]).array());
  }

  @Test
  void poly1305OfSection252() {
    assertThat(poly1305("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
            "43727970746f6772617068696320466f72756d2052657365617263682047726f7570"))
        .isEqualTo("a8061dc1305136c6c22b8baf0c0127a9");
  }

  @Test
  void poly1305VectorsOfAppendixA3() {
    assertThat(poly1305(zeros(32), zeros(64))).isEqualTo(ZERO16);
    assertThat(poly1305(ZERO16 + "36e5f6b5c5e06070f0efca96227a863e", IETF_CONTRIBUTION))
        .isEqualTo("36e5f6b5c5e06070f0efca96227a863e");
    assertThat(poly1305("36e5f6b5c5e06070f0efca96227a863e" + ZERO16, IETF_CONTRIBUTION))
        .isEqualTo("f3477e7cd95417af89a6b8794c310cf0");
    assertThat(poly1305("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
            JABBERWOCKY))
        .isEqualTo("4541669a7eaaee61e708dc7cbcc5eb62");
    // #5–#11 exercise the final reduction modulo 2^130 - 5 and the wrap of h + s.
    assertThat(poly1305("02" + zeros(15) + ZERO16, "ff".repeat(16)))
        .isEqualTo("03" + zeros(15));
    assertThat(poly1305("02" + zeros(15) + "ff".repeat(16), "02" + zeros(15)))
        .isEqualTo("03" + zeros(15));
    assertThat(poly1305("01" + zeros(15) + ZERO16,
            "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + zeros(15)))
        .isEqualTo("05" + zeros(15));
    assertThat(poly1305("01" + zeros(15) + ZERO16,
            "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16)))
        .isEqualTo(ZERO16);
    assertThat(poly1305("02" + zeros(15) + ZERO16, "fd" + "ff".repeat(15)))
        .isEqualTo("fa" + "ff".repeat(15));
    assertThat(poly1305("0100000000000000040000000000000000000000000000000000000000000000",
            "e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + ZERO16
                + "01" + zeros(15)))
        .isEqualTo("14000000000000005500000000000000");
    assertThat(poly1305("0100000000000000040000000000000000000000000000000000000000000000",
            "e33594d7505e43b90000000000000000" + "3394d7505e4379cd0100000000000000" + ZERO16))
        .isEqualTo("13" + zeros(15));
  }

  @Test
  void poly1305KeyGenerationOfAppendixA4() {
    // The one-time key is the first 32 bytes of block 0 (RFC 8439 §2.6).
    assertThat(chacha20(zeros(32), zeros(12), 0, zeros(32)))
        .isEqualTo("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7");
    assertThat(chacha20(zeros(31) + "01", zeros(11) + "02", 0, zeros(32)))
        .isEqualTo("ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739");
    assertThat(chacha20("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
            zeros(11) + "02", 0, zeros(32)))
        .isEqualTo("965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae");
    assertThat(chacha20("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            "000000000001020304050607", 0, zeros(32)))
        .isEqualTo("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646");
  }

  private static void assertAead(
      String key, String nonce, String ad, String plaintext, String sealed) {
    ChaCha20Poly1305 aead = new ChaCha20Poly1305(HEX.parseHex(key));
    int[] n = nonceWords(HEX.parseHex(nonce));
    byte[] p = HEX.parseHex(plaintext);
    byte[] a = HEX.parseHex(ad);
    byte[] out = new byte[p.length + 16];
    aead.seal(n[0], n[1], n[2], a, ByteBuffer.wrap(p), ByteBuffer.wrap(out));
    assertThat(HEX.formatHex(out)).isEqualTo(sealed);

    byte[] opened = new byte[p.length];
    assertThat(aead.open(n[0], n[1], n[2], a, ByteBuffer.wrap(HEX.parseHex(sealed)),
        ByteBuffer.wrap(opened))).isTrue();
    assertThat(HEX.formatHex(opened)).isEqualTo(plaintext);

    for (int flip : new int[] {0, p.length, p.length + 15}) {
      byte[] bad = HEX.parseHex(sealed);
      bad[flip] ^= 1;
      byte[] rejected = new byte[p.length];
      Arrays.fill(rejected, (byte) 7);
      assertThat(aead.open(n[0], n[1], n[2], a, ByteBuffer.wrap(bad), ByteBuffer.wrap(rejected)))
          .isFalse();
      assertThat(rejected).containsOnly((byte) 0);
    }
  }

  @Test
  void aeadOfSection282() {
    assertAead("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", SUNSCREEN,
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
            + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
            + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
            + "3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691");
  }

  @Test
  void aeadDecryptionOfAppendixA5() {
    assertAead("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
        "000000000102030405060708", "f33388860000000000004e91",
        "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c6964"
            + "20666f722061206d6178696d756d206f6620736978206d6f6e74687320616e64206d61792062652075"
            + "7064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f746865722064"
            + "6f63756d656e747320617420616e792074696d652e20497420697320696e617070726f707269617465"
            + "20746f2075736520496e7465726e65742d447261667473206173207265666572656e6365206d617465"
            + "7269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f"
            + "726b20696e2070726f67726573732e2fe2809d",
        "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2"
            + "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf"
            + "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855"
            + "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4"
            + "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e"
            + "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a"
            + "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10"
            + "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29"
            + "a6ad5cb4022b02709b"
            + "eead9d67890cbb22392336fea1851f38");
  }

  @Property(tries = 200)
  void matchesTheJdkCipher(
      @ForAll @Size(32) byte[] key,
      @ForAll @Size(12) byte[] nonce,
      @ForAll @Size(max = 40) byte[] ad,
      @ForAll @IntRange(min = 0, max = 70_000) int length,
      @ForAll long seed,
      @ForAll boolean direct) throws Exception {
    byte[] plain = new byte[length];
    new java.util.Random(seed).nextBytes(plain);
    Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
    jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
    jdk.updateAAD(ad);
    byte[] expected = jdk.doFinal(plain);

    ChaCha20Poly1305 ours = new ChaCha20Poly1305(key);
    int[] n = nonceWords(nonce);
    ByteBuffer in = buffer(plain, direct);
    ByteBuffer out = direct ? ByteBuffer.allocateDirect(length + 16) : ByteBuffer.allocate(length + 16);
    ours.seal(n[0], n[1], n[2], ad, in, out);
    assertThat(in.hasRemaining()).isFalse();
    assertThat(out.hasRemaining()).isFalse();
    assertThat(bytes(out.flip())).isEqualTo(expected);

    // In place, as NoiseTransportCodec seals a composite message copied into the output.
    ByteBuffer inPlace = buffer(Arrays.copyOf(plain, length + 16), direct);
    ours.seal(n[0], n[1], n[2], ad, inPlace.duplicate().limit(length), inPlace.duplicate());
    assertThat(bytes(inPlace)).isEqualTo(expected);

    ByteBuffer opened = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
    assertThat(ours.open(n[0], n[1], n[2], ad, buffer(expected, direct), opened)).isTrue();
    assertThat(bytes(opened.flip())).isEqualTo(plain);
  }

  private static ByteBuffer buffer(byte[] b, boolean direct) {
    if (!direct) {
      return ByteBuffer.wrap(b);
    }
    return ByteBuffer.allocateDirect(b.length).put(b).flip();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.get(a);
    return a;
  }
}
