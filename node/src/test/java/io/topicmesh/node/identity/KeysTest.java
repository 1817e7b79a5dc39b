package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.identity.pb.KeysProtos;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class KeysTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] MESSAGE = "topicmesh signs this".getBytes(StandardCharsets.UTF_8);

  static Stream<Arguments> specVectors() {
    return Stream.of(
        Arguments.of(KeyType.ED25519, SpecVectors.ED25519_PRIVATE_KEY, SpecVectors.ED25519_PUBLIC_KEY),
        Arguments.of(
            KeyType.SECP256K1, SpecVectors.SECP256K1_PRIVATE_KEY, SpecVectors.SECP256K1_PUBLIC_KEY),
        Arguments.of(KeyType.ECDSA, SpecVectors.ECDSA_PRIVATE_KEY, SpecVectors.ECDSA_PUBLIC_KEY),
        Arguments.of(KeyType.RSA, SpecVectors.RSA_PRIVATE_KEY, SpecVectors.RSA_PUBLIC_KEY));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specVectors")
  void specVectorsDecodeReencodeAndDeriveTheirPublicKey(KeyType type, String privHex, String pubHex) {
    byte[] privBytes = HEX.parseHex(privHex);
    byte[] pubBytes = HEX.parseHex(pubHex);

    PrivKey priv = PrivKey.unmarshal(privBytes);
    PubKey pub = PubKey.unmarshal(pubBytes);

    assertThat(priv.type()).isEqualTo(type);
    assertThat(pub.type()).isEqualTo(type);
    assertThat(HEX.formatHex(priv.bytes())).isEqualTo(HEX.formatHex(privBytes));
    assertThat(HEX.formatHex(pub.bytes())).isEqualTo(HEX.formatHex(pubBytes));
    assertThat(HEX.formatHex(priv.publicKey().bytes())).isEqualTo(HEX.formatHex(pubBytes));
    assertThat(priv.publicKey()).isEqualTo(pub).hasSameHashCodeAs(pub);

    byte[] signature = priv.sign(MESSAGE);
    assertThat(pub.verify(MESSAGE, signature)).isTrue();
    assertThat(pub.verify("another message".getBytes(StandardCharsets.UTF_8), signature)).isFalse();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specVectors")
  void ourEncodingMatchesTheProtobufLibrary(KeyType type, String privHex, String pubHex)
      throws Exception {
    PubKey pub = PubKey.unmarshal(HEX.parseHex(pubHex));
    byte[] viaProtobuf =
        KeysProtos.PublicKey.newBuilder()
            .setType(KeysProtos.KeyType.forNumber(type.protoCode()))
            .setData(com.google.protobuf.ByteString.copyFrom(pub.raw()))
            .build()
            .toByteArray();
    assertThat(pub.bytes()).containsExactly(viaProtobuf);
    KeysProtos.PrivateKey parsed = KeysProtos.PrivateKey.parseFrom(HEX.parseHex(privHex));
    assertThat(PrivKey.unmarshal(HEX.parseHex(privHex)).raw())
        .containsExactly(parsed.getData().toByteArray());
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void generatedKeysRoundTripAndSign(KeyType type) {
    SecureRandom random = new SecureRandom();
    PrivKey priv = PrivKey.generate(type, random);
    PrivKey again = PrivKey.unmarshal(priv.bytes());
    PubKey pub = PubKey.unmarshal(priv.publicKey().bytes());

    assertThat(again).isEqualTo(priv);
    assertThat(again.bytes()).containsExactly(priv.bytes());
    assertThat(pub).isEqualTo(priv.publicKey());
    assertThat(pub.raw()).containsExactly(priv.publicKey().raw());

    byte[] signature = again.sign(MESSAGE);
    assertThat(pub.verify(MESSAGE, signature)).isTrue();
    assertThat(pub.verify(new byte[0], signature)).isFalse();
    assertThat(priv.publicKey().verify(MESSAGE, priv.sign(MESSAGE))).isTrue();

    PrivKey other = PrivKey.generate(type, random);
    assertThat(other.publicKey()).isNotEqualTo(pub);
    assertThat(other.publicKey().verify(MESSAGE, signature)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void signaturesOfOneTypeNeverVerifyUnderAnother(KeyType type) {
    byte[] signature = PrivKey.unmarshal(privateVector(type)).sign(MESSAGE);
    for (KeyType other : KeyType.values()) {
      PubKey otherKey = PubKey.unmarshal(publicVector(other));
      assertThat(otherKey.verify(MESSAGE, signature))
          .as("%s signature under a %s key", type, other)
          .isEqualTo(other == type);
    }
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void tamperedOrMalformedSignaturesAreRejectedWithoutThrowing(KeyType type) {
    PrivKey priv = PrivKey.unmarshal(privateVector(type));
    PubKey pub = priv.publicKey();
    byte[] signature = priv.sign(MESSAGE);
    for (int i = 0; i < signature.length; i++) {
      byte[] flipped = signature.clone();
      flipped[i] ^= 0x01;
      assertThat(pub.verify(MESSAGE, flipped)).as("bit flip in byte %d", i).isFalse();
    }
    byte[] tamperedMessage = MESSAGE.clone();
    tamperedMessage[0] ^= 0x20;
    assertThat(pub.verify(tamperedMessage, signature)).isFalse();
    assertThat(pub.verify(MESSAGE, new byte[0])).isFalse();
    assertThat(pub.verify(MESSAGE, null)).isFalse();
    assertThat(pub.verify(null, signature)).isFalse();
    assertThat(pub.verify(MESSAGE, java.util.Arrays.copyOf(signature, signature.length - 1)))
        .isFalse();
    assertThat(pub.verify(MESSAGE, java.util.Arrays.copyOf(signature, signature.length + 1)))
        .isFalse();
    assertThat(pub.verify(MESSAGE, new byte[1 << 16])).isFalse();
    byte[] garbage = new byte[signature.length];
    new SecureRandom().nextBytes(garbage);
    assertThat(pub.verify(MESSAGE, garbage)).isFalse();
  }

  @Test
  void rfc8032Ed25519Vectors() {
    // RFC 8032 section 7.1, TEST 1 and TEST 2.
    String[][] vectors = {
      {
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
      },
      {
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
      }
    };
    for (String[] v : vectors) {
      byte[] data = HEX.parseHex(v[0] + v[1]);
      PrivKey priv = PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, data));
      assertThat(HEX.formatHex(priv.publicKey().raw())).isEqualTo(v[1]);
      assertThat(HEX.formatHex(priv.sign(HEX.parseHex(v[2])))).isEqualTo(v[3]);
      assertThat(priv.publicKey().verify(HEX.parseHex(v[2]), HEX.parseHex(v[3]))).isTrue();
    }
  }

  /**
   * Signatures of the spec's keys over one message, produced independently with Python's
   * cryptography package (OpenSSL): RFC 6979 nonces, secp256k1 s normalised to low-s, and for RSA
   * the SHA-256 of the 512-byte PKCS#1 v1.5 signature.
   */
  @Test
  void signaturesMatchAnIndependentImplementationByteForByte() throws Exception {
    byte[] msg = "topicmesh cross-implementation vector".getBytes(StandardCharsets.UTF_8);
    assertThat(HEX.formatHex(PrivKey.unmarshal(privateVector(KeyType.SECP256K1)).sign(msg)))
        .isEqualTo(
            "304502210098a2698fc617e48c464cb53a2370cc57c80328f811aa0db2d365c03ec80ac5d40220"
                + "2ea45f27f187c1cb0a8ff4e6455a84d30b9b6a7581e4fb32c5a912ca34aacfe4");
    assertThat(HEX.formatHex(PrivKey.unmarshal(privateVector(KeyType.ECDSA)).sign(msg)))
        .isEqualTo(
            "30460221008c295006477786c28a8fb01b7e66d2f67eb76959142beb2881461031d0807e0e0221"
                + "00c036902553b97979445f9c18a68ee481a153b4d099e0178285b62db9345aee66");
    byte[] rsa = PrivKey.unmarshal(privateVector(KeyType.RSA)).sign(msg);
    assertThat(HEX.formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(rsa)))
        .isEqualTo("981afbd2c656df2c4ffadc5f9e4011eba5ee10ceee27bf89caf17e985368c1b7");
  }

  @Test
  void httpPeerIdAuthSpecSigningExample() {
    // libp2p specs, http/peer-id-auth.md, "Signing Example".
    PrivKey server =
        PrivKey.unmarshal(
            HEX.parseHex(
                "08011240" + "01".repeat(32)
                    + "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"));
    byte[] data =
        HEX.parseHex(
            "6c69627032702d5065657249443d6368616c6c656e67652d7365727665723d455245524552455245"
                + "524552455245524552455245524552455245524552455245524552455245524552453d36636c6965"
                + "6e742d7075626c69632d6b65793d080112208139770ea87d175f56a35466c34c7ecccb8d8a91b4ee"
                + "37a25df60f5b8fc9b39414686f73746e616d653d6578616d706c652e636f6d");
    byte[] expected =
        java.util.Base64.getUrlDecoder()
            .decode(
                "UA88qZbLUzmAxrD9KECbDCgSKAUBAvBHrOCF2X0uPLR1uUCF7qGfLPc7dw3Olo-LaFCDpk5sXN7TkLWPVvuXAA==");
    assertThat(server.sign(data)).containsExactly(expected);
    assertThat(server.publicKey().verify(data, expected)).isTrue();
  }

  @Test
  void ed25519AcceptsTheLegacy96ByteFormOnlyWhenBothPublicCopiesAgree() {
    PrivKey priv = PrivKey.unmarshal(privateVector(KeyType.ED25519));
    byte[] raw = priv.raw();
    byte[] legacy = new byte[96];
    System.arraycopy(raw, 0, legacy, 0, 64);
    System.arraycopy(raw, 32, legacy, 64, 32);
    PrivKey fromLegacy = PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, legacy));
    assertThat(fromLegacy).isEqualTo(priv);
    assertThat(fromLegacy.raw()).hasSize(64);

    legacy[95] ^= 1;
    assertThatThrownBy(() -> PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, legacy)))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("two different public keys");
  }

  @Test
  void ed25519PrivateKeyWhosePublicHalfDoesNotMatchItsSeedIsRejected() {
    byte[] raw = PrivKey.unmarshal(privateVector(KeyType.ED25519)).raw();
    raw[40] ^= 1;
    assertThatThrownBy(() -> PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, raw)))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("does not belong to the seed");
  }

  @Test
  void secp256k1SignaturesAreLowSDeterministicAndHighSStillVerifies() {
    PrivKey priv = PrivKey.unmarshal(privateVector(KeyType.SECP256K1));
    java.math.BigInteger n = Secp256k1Keys.DOMAIN.getN();
    for (int i = 0; i < 20; i++) {
      byte[] msg = ("message " + i).getBytes(StandardCharsets.UTF_8);
      byte[] sig = priv.sign(msg);
      assertThat(priv.sign(msg)).as("RFC 6979 nonce").containsExactly(sig);
      java.math.BigInteger[] rs = DerTestUtil.parseRs(sig);
      assertThat(rs[1]).isLessThanOrEqualTo(n.shiftRight(1));
      byte[] highS = DerTestUtil.encodeRs(rs[0], n.subtract(rs[1]));
      assertThat(priv.publicKey().verify(msg, highS)).as("high-s form verifies").isTrue();
    }
  }

  @Test
  void secp256k1AcceptsUncompressedPublicKeysAndReencodesCompressed() {
    Secp256k1Keys.Pub pub = (Secp256k1Keys.Pub) PubKey.unmarshal(publicVector(KeyType.SECP256K1));
    byte[] uncompressed = pub.params.getQ().getEncoded(false);
    PubKey fromUncompressed =
        PubKey.unmarshal(KeyProto.encode(KeyType.SECP256K1, uncompressed));
    assertThat(fromUncompressed).isEqualTo(pub);
    assertThat(fromUncompressed.raw()).hasSize(33);
  }

  @Test
  void ecdsaAndRsaSignaturesMatchTheirSchemes() {
    PrivKey rsa = PrivKey.unmarshal(privateVector(KeyType.RSA));
    assertThat(rsa.sign(MESSAGE)).as("PKCS#1 v1.5 is deterministic").containsExactly(rsa.sign(MESSAGE));
    assertThat(rsa.sign(MESSAGE)).hasSize(512);
    PrivKey ecdsa = PrivKey.unmarshal(privateVector(KeyType.ECDSA));
    assertThat(ecdsa.sign(MESSAGE)).as("RFC 6979 nonce").containsExactly(ecdsa.sign(MESSAGE));
    assertThat(DerTestUtil.parseRs(ecdsa.sign(MESSAGE))).hasSize(2);
  }

  @Test
  void ed25519SignatureWithSPlusTheGroupOrderIsRejected() {
    PrivKey priv = PrivKey.unmarshal(privateVector(KeyType.ED25519));
    byte[] sig = priv.sign(MESSAGE);
    // s is the little-endian second half; s + L is the same residue but not canonical (RFC 8032
    // 5.1.7 requires s < L), the classic malleability a verifier must refuse.
    java.math.BigInteger order =
        java.math.BigInteger.ONE.shiftLeft(252).add(new java.math.BigInteger("27742317777372353535851937790883648493"));
    byte[] le = java.util.Arrays.copyOfRange(sig, 32, 64);
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = le[31 - i];
    }
    java.math.BigInteger bumped = new java.math.BigInteger(1, be).add(order);
    byte[] bumpedBe = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, bumped);
    byte[] malleated = sig.clone();
    for (int i = 0; i < 32; i++) {
      malleated[32 + i] = bumpedBe[31 - i];
    }
    assertThat(priv.publicKey().verify(MESSAGE, sig)).isTrue();
    assertThat(priv.publicKey().verify(MESSAGE, malleated)).isFalse();
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyType.class,
      names = {"SECP256K1", "ECDSA"})
  void ecdsaSignaturesMustBeStrictDer(KeyType type) {
    PrivKey priv = PrivKey.unmarshal(privateVector(type));
    PubKey pub = priv.publicKey();
    byte[] sig = priv.sign(MESSAGE);
    java.math.BigInteger[] rs = DerTestUtil.parseRs(sig);
    java.math.BigInteger n =
        type == KeyType.SECP256K1
            ? Secp256k1Keys.DOMAIN.getN()
            : ((EcdsaKeys.Pub) pub).params.getParameters().getN();

    // Long-form length where the short form fits: valid BER, not DER.
    byte[] longForm = new byte[sig.length + 1];
    longForm[0] = 0x30;
    longForm[1] = (byte) 0x81;
    longForm[2] = sig[1];
    System.arraycopy(sig, 2, longForm, 3, sig.length - 2);
    assertThat(pub.verify(MESSAGE, longForm)).as("BER length").isFalse();

    byte[] trailing = java.util.Arrays.copyOf(sig, sig.length + 1);
    assertThat(pub.verify(MESSAGE, trailing)).as("trailing byte").isFalse();

    assertThat(pub.verify(MESSAGE, DerTestUtil.encodeRs(rs[0], rs[1].add(n))))
        .as("s + n").isFalse();
    assertThat(pub.verify(MESSAGE, DerTestUtil.encodeRs(rs[0].add(n), rs[1])))
        .as("r + n").isFalse();
    assertThat(pub.verify(MESSAGE, DerTestUtil.encodeRs(java.math.BigInteger.ZERO, rs[1])))
        .as("r = 0").isFalse();
    assertThat(pub.verify(MESSAGE, DerTestUtil.encodeRs(rs[0], rs[1].negate())))
        .as("negative s").isFalse();
    assertThat(pub.verify(MESSAGE, DerTestUtil.encodeRs(rs[0], rs[1]))).isTrue();
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void toStringNeverShowsPrivateKeyMaterial(KeyType type) {
    PrivKey priv = PrivKey.unmarshal(privateVector(type));
    String text = priv.toString();
    assertThat(text).contains(type.name()).contains(PeerId.fromPublicKey(priv.publicKey()).toString());
    String hex = HEX.formatHex(priv.raw());
    for (int i = 0; i + 16 <= hex.length(); i += 16) {
      assertThat(text.toLowerCase()).doesNotContain(hex.substring(i, i + 16));
    }
  }

  static byte[] privateVector(KeyType type) {
    return HEX.parseHex(
        switch (type) {
          case ED25519 -> SpecVectors.ED25519_PRIVATE_KEY;
          case SECP256K1 -> SpecVectors.SECP256K1_PRIVATE_KEY;
          case ECDSA -> SpecVectors.ECDSA_PRIVATE_KEY;
          case RSA -> SpecVectors.RSA_PRIVATE_KEY;
        });
  }

  static byte[] publicVector(KeyType type) {
    return HEX.parseHex(
        switch (type) {
          case ED25519 -> SpecVectors.ED25519_PUBLIC_KEY;
          case SECP256K1 -> SpecVectors.SECP256K1_PUBLIC_KEY;
          case ECDSA -> SpecVectors.ECDSA_PUBLIC_KEY;
          case RSA -> SpecVectors.RSA_PUBLIC_KEY;
        });
  }
}
