package io.topicmesh.node.security.noise;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every {@link NativeAead} (OpenSSL's ChaCha20-Poly1305 through FFM, {@link NativeAeadTest}, or
 * JNI, {@link JniAeadTest}) must do: the RFC 8439 AEAD vectors, byte for byte agreement with our
 * pure-Java {@link ChaCha20Poly1305} in both directions on random input (heap, direct, read-only,
 * sliced and in-place buffers), forgeries rejected without plaintext left behind, and a closed
 * instance refusing work.
 */
abstract class NativeAeadContract {
  private static final HexFormat HEX = HexFormat.of();

  /** A new instance of the implementation under test. */
  abstract NativeAead create(byte[] key);

  /** The {@link AeadChoice} that puts sessions on it. */
  abstract AeadChoice choice();

  @Test
  void theAeadVectorOfSection282() {
    assertVector("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7",
        "4c616469657320616e642047656e746c656d656e206f662074686520636c617373206f66202739393a2049662049"
            + "20636f756c64206f6666657220796f75206f6e6c79206f6e652074697020666f722074686520667574757265"
            + "2c2073756e73637265656e20776f756c642062652069742e",
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
            + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
            + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
            + "3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691");
  }

  @Test
  void theDecryptionVectorOfAppendixA5() {
    assertVector("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
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

  @Test
  void emptyMessagesAndNoAssociatedData() {
    NativeAead aead = create(new byte[32]);
    ByteBuffer sealed = ByteBuffer.allocateDirect(16);
    aead.seal(0L, null, ByteBuffer.allocateDirect(0), sealed);
    byte[] expected = new byte[16];
    new ChaCha20Poly1305(new byte[32]).seal(0, 0, 0, null, ByteBuffer.allocate(0), ByteBuffer.wrap(expected));
    assertThat(bytes(sealed.flip())).isEqualTo(expected);
    assertThat(aead.open(0L, new byte[0], ByteBuffer.wrap(expected), ByteBuffer.allocate(0))).isTrue();
    assertThat(aead.open(1L, null, ByteBuffer.wrap(expected), ByteBuffer.allocate(0))).isFalse();
    // Shorter than a tag: not authentic, nothing read.
    ByteBuffer shortInput = ByteBuffer.wrap(new byte[15]);
    assertThat(aead.open(0L, null, shortInput, ByteBuffer.allocate(0))).isFalse();
    assertThat(shortInput.position()).isZero();
  }

  /** Both directions against ours: random sizes 0..70000, random AAD and nonces, heap and direct. */
  @Test
  void agreesWithOursOnRandomInputBothWays() {
    Random random = new Random(0x8439);
    for (int round = 0; round < 120; round++) {
      byte[] key = new byte[32];
      random.nextBytes(key);
      long nonce = random.nextLong();
      byte[] ad = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(64)];
      random.nextBytes(ad);
      int length = round < 12
          ? new int[] {0, 1, 15, 16, 17, 63, 64, 65, 1023, 1024, 65519, 70_000}[round]
          : random.nextInt(70_001);
      byte[] plain = new byte[length];
      random.nextBytes(plain);
      boolean inDirect = random.nextBoolean();
      boolean outDirect = random.nextBoolean();
      String where = "round " + round + ", " + length + " bytes, in " + (inDirect ? "direct" : "heap")
          + ", out " + (outDirect ? "direct" : "heap");

      ChaCha20Poly1305 ours = new ChaCha20Poly1305(key);
      NativeAead nat = create(key);
      byte[] oursSealed = new byte[length + 16];
      ours.seal(0, (int) nonce, (int) (nonce >>> 32), ad, ByteBuffer.wrap(plain), ByteBuffer.wrap(oursSealed));

      // native seals, ours opens
      ByteBuffer in = buffer(plain, inDirect);
      if (round % 7 == 3) {
        in = in.asReadOnlyBuffer();
      }
      ByteBuffer out = allocate(length + 16, outDirect);
      nat.seal(nonce, ad, in, out);
      assertThat(in.hasRemaining()).as(where).isFalse();
      assertThat(out.hasRemaining()).as(where).isFalse();
      byte[] nativeSealed = bytes(out.flip());
      assertThat(nativeSealed).as(where).isEqualTo(oursSealed);
      byte[] oursOpened = new byte[length];
      assertThat(ours.open(0, (int) nonce, (int) (nonce >>> 32), ad, ByteBuffer.wrap(nativeSealed),
          ByteBuffer.wrap(oursOpened))).as(where).isTrue();
      assertThat(oursOpened).as(where).isEqualTo(plain);

      // ours seals, native opens (a fresh instance: a context is reused across directions too)
      NativeAead receiver = round % 2 == 0 ? nat : create(key);
      ByteBuffer src = buffer(oursSealed, outDirect);
      ByteBuffer opened = allocate(length, inDirect);
      assertThat(receiver.open(nonce, ad, src, opened)).as(where).isTrue();
      assertThat(src.hasRemaining()).as(where).isFalse();
      assertThat(opened.hasRemaining()).as(where).isFalse();
      assertThat(bytes(opened.flip())).as(where).isEqualTo(plain);

      // in place, as NoiseTransportCodec seals a composite message copied into its output
      ByteBuffer place = buffer(Arrays.copyOf(plain, length + 16), outDirect);
      nat.seal(nonce, ad, place.duplicate().limit(length), place.duplicate());
      assertThat(bytes(place)).as(where).isEqualTo(oursSealed);
      assertThat(nat.open(nonce, ad, place.duplicate(), place.duplicate())).as(where).isTrue();
      assertThat(bytes(place.duplicate().limit(length))).as(where).isEqualTo(plain);

      // a forgery anywhere (ciphertext, tag), a wrong AAD or a wrong nonce: rejected, output zeroed
      byte[] forged = oursSealed.clone();
      forged[random.nextInt(forged.length)] ^= (byte) (1 + random.nextInt(255));
      assertRejected(receiver, nonce, ad, forged, outDirect, where + ", forged");
      if (ad.length > 0) {
        byte[] otherAd = ad.clone();
        otherAd[random.nextInt(otherAd.length)] ^= 1;
        assertRejected(receiver, nonce, otherAd, oursSealed, outDirect, where + ", other AAD");
      }
      assertRejected(receiver, nonce + 1, ad, oursSealed, outDirect, where + ", other nonce");
      // and the next authentic message still opens: a failure leaves the context usable
      ByteBuffer again = allocate(length, inDirect);
      assertThat(receiver.open(nonce, ad, buffer(oursSealed, outDirect), again)).as(where).isTrue();
      assertThat(bytes(again.flip())).as(where).isEqualTo(plain);
    }
  }

  /** Buffers whose content starts past index 0 of their memory: array offsets, slices, positions. */
  @Test
  void slicedAndOffsetBuffers() {
    Random random = new Random(17);
    byte[] key = new byte[32];
    random.nextBytes(key);
    NativeAead aead = create(key);
    ChaCha20Poly1305 ours = new ChaCha20Poly1305(key);
    for (int round = 0; round < 16; round++) {
      int length = random.nextInt(3000);
      byte[] plain = new byte[length];
      random.nextBytes(plain);
      byte[] expected = new byte[length + 16];
      ours.seal(0, round, 0, null, ByteBuffer.wrap(plain), ByteBuffer.wrap(expected));
      boolean direct = round % 2 == 1;
      int skip = 1 + random.nextInt(40);
      // in: a slice starting at `skip`, with its position moved on by `skip` more
      ByteBuffer inMemory = allocate(2 * skip + length + 7, direct);
      inMemory.position(2 * skip).put(plain);
      ByteBuffer in = inMemory.position(skip).slice().position(skip).limit(skip + length);
      ByteBuffer outMemory = allocate(3 * skip + length + 16, direct);
      ByteBuffer out = outMemory.position(skip).slice().position(skip);
      aead.seal(round, null, in, out);
      assertThat(in.position()).isEqualTo(skip + length);
      assertThat(out.position()).isEqualTo(skip + length + 16);
      byte[] got = new byte[length + 16];
      outMemory.duplicate().position(2 * skip).get(got);
      assertThat(got).as("round %d, skip %d, %s", round, skip, direct ? "direct" : "heap").isEqualTo(expected);
      // and open from a wrapped array region (arrayOffset 0, position `skip`) into a slice
      byte[] framed = new byte[skip + length + 16 + 3];
      System.arraycopy(expected, 0, framed, skip, expected.length);
      ByteBuffer src = ByteBuffer.wrap(framed, skip, length + 16);
      ByteBuffer opened = allocate(length + skip, direct).position(skip).slice();
      assertThat(aead.open(round, null, src, opened)).isTrue();
      assertThat(bytes(opened.flip())).isEqualTo(plain);
    }
  }

  /** close() frees the context: later use fails with a clear error, a second close does nothing. */
  @Test
  void aClosedInstanceRefusesWork() throws Exception {
    NativeAead aead = create(new byte[32]);
    aead.close();
    aead.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> aead.seal(0L, null, ByteBuffer.allocate(1), ByteBuffer.allocate(17)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> aead.open(0L, null, ByteBuffer.allocate(17), ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    CipherState state = new CipherState(choice());
    state.initializeKey(new byte[32]);
    byte[] sealed = state.encryptWithAd(null, new byte[10]);
    // re-keying frees the old context and keeps working
    state.initializeKey(new byte[32]);
    assertThat(state.decryptWithAd(null, sealed)).isEqualTo(new byte[10]);
    state.close();
    state.close();
    // never the key-less identity after close: an error
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> state.encryptWithAd(null, new byte[10]))
        .isInstanceOf(IllegalStateException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> state.encrypt(null, ByteBuffer.allocate(1), ByteBuffer.allocate(17)))
        .isInstanceOf(IllegalStateException.class);
  }

  /** A session's transport codec closes its cipher states (frees the contexts) when the channel closes. */
  @Test
  void theTransportCodecFreesItsContextsWhenTheChannelCloses() throws Exception {
    CipherState sender = new CipherState(choice());
    CipherState receiver = new CipherState(choice());
    sender.initializeKey(new byte[32]);
    receiver.initializeKey(new byte[32]);
    io.netty.channel.embedded.EmbeddedChannel channel = new io.netty.channel.embedded.EmbeddedChannel(
        new NoiseTransportCodec(sender, receiver, new NoiseCounters(), "test-peer"));
    assertThat(channel.writeOutbound(io.netty.buffer.Unpooled.wrappedBuffer(new byte[100]))).isTrue();
    io.netty.buffer.ByteBuf frame = channel.readOutbound();
    assertThat(frame.readableBytes()).isEqualTo(2 + 100 + 16);
    frame.release();
    channel.close().sync();
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> sender.encrypt(null, ByteBuffer.allocate(1), ByteBuffer.allocate(17)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> receiver.decrypt(null, ByteBuffer.allocate(17), ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  /** The CipherState a session uses, sealing with the native AEAD and opening with ours, and back. */
  @Test
  void cipherStatesOfBothKindsTalk() throws Exception {
    Random random = new Random(5);
    byte[] key = new byte[32];
    random.nextBytes(key);
    CipherState nativeSide = new CipherState(choice());
    CipherState oursSide = new CipherState(AeadChoice.JAVA);
    nativeSide.initializeKey(key);
    oursSide.initializeKey(key);
    for (int i = 0; i < 50; i++) {
      byte[] plain = new byte[random.nextInt(70_000)];
      random.nextBytes(plain);
      CipherState from = i % 2 == 0 ? nativeSide : oursSide;
      CipherState to = i % 2 == 0 ? oursSide : nativeSide;
      // Both keep their own nonce counter; seal and open in pairs keeps them in step.
      byte[] sealed = from.encryptWithAd(null, plain);
      assertThat(to.decryptWithAd(null, sealed)).isEqualTo(plain);
      // the other pair, so that both counters advance alike
      byte[] back = to.encryptWithAd(null, plain);
      assertThat(from.decryptWithAd(null, back)).isEqualTo(plain);
    }
    assertThat(nativeSide.nonce()).isEqualTo(oursSide.nonce()).isEqualTo(100);
  }

  private static void assertRejected(
      NativeAead aead, long nonce, byte[] ad, byte[] sealed, boolean direct, String where) {
    int length = sealed.length - 16;
    ByteBuffer in = buffer(sealed, direct);
    ByteBuffer out = allocate(length, direct);
    for (int i = 0; i < length; i++) {
      out.put(i, (byte) 7);
    }
    assertThat(aead.open(nonce, ad, in, out)).as(where).isFalse();
    assertThat(in.position()).as(where).isZero();
    assertThat(out.position()).as(where).isZero();
    assertThat(bytes(out)).as(where).isEqualTo(new byte[length]);
  }

  private void assertVector(String key, String nonce, String ad, String plaintext, String sealed) {
    byte[] k = HEX.parseHex(key);
    byte[] n = HEX.parseHex(nonce);
    byte[] a = HEX.parseHex(ad);
    byte[] p = HEX.parseHex(plaintext);
    byte[] s = HEX.parseHex(sealed);
    NativeAead aead = create(k);
    for (boolean direct : new boolean[] {false, true}) {
      ByteBuffer out = allocate(s.length, direct);
      aead.seal(n, a, buffer(p, direct), out);
      assertThat(HEX.formatHex(bytes(out.flip()))).isEqualTo(sealed);
      ByteBuffer opened = allocate(p.length, direct);
      assertThat(aead.open(n, a, buffer(s, direct), opened)).isTrue();
      assertThat(HEX.formatHex(bytes(opened.flip()))).isEqualTo(plaintext);
      for (int flip : new int[] {0, p.length, p.length + 15}) {
        byte[] bad = s.clone();
        bad[flip] ^= 1;
        ByteBuffer rejected = allocate(p.length, direct);
        assertThat(aead.open(n, a, buffer(bad, direct), rejected)).isFalse();
        assertThat(bytes(rejected)).containsOnly((byte) 0);
      }
    }
  }

  private static ByteBuffer allocate(int size, boolean direct) {
    return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
  }

  private static ByteBuffer buffer(byte[] b, boolean direct) {
    return allocate(b.length, direct).put(b).flip();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }
}
