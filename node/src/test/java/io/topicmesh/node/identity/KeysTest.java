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
