package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Arrays;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Hostile and malformed key encodings: every one is an {@link InvalidKeyException}. */
class KeyDecodingTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void everyTruncationOfAValidKeyIsRejected(KeyType type) {
    byte[] pub = KeysTest.publicVector(type);
    byte[] priv = KeysTest.privateVector(type);
    for (int len = 0; len < pub.length; len++) {
      byte[] cut = Arrays.copyOf(pub, len);
      assertThatThrownBy(() -> PubKey.unmarshal(cut))
          .as("public key cut to %d bytes", len)
          .isInstanceOf(InvalidKeyException.class);
    }
    for (int len = 0; len < priv.length; len += type == KeyType.RSA ? 97 : 1) {
      byte[] cut = Arrays.copyOf(priv, len);
      assertThatThrownBy(() -> PrivKey.unmarshal(cut))
          .as("private key cut to %d bytes", len)
          .isInstanceOf(InvalidKeyException.class);
    }
  }

  @Test
  void protobufStructureIsChecked() {
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("0801")))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("missing required Data");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("1200")))
        .hasMessageContaining("missing required Type");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("08070a00")))
        .hasMessageContaining("unexpected protobuf field 1 (wire type 2)");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("08071200")))
        .hasMessageContaining("unknown key type 7");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("080108011200")))
        .hasMessageContaining("duplicate Type");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("0801120012001a00")))
        .hasMessageContaining("duplicate Data");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("080112001a00")))
        .hasMessageContaining("unexpected protobuf field 3");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("080112ffffffff0f")))
        .hasMessageContaining("exceeds the limit");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("0801127f00")))
        .hasMessageContaining("claims 127 bytes but only 1 remain");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("08ff")))
        .hasMessageContaining("malformed protobuf");
    assertThatThrownBy(() -> PubKey.unmarshal(HEX.parseHex("08810012")))
        .hasMessageContaining("not minimally encoded");
    assertThatThrownBy(() -> PubKey.unmarshal(null)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> PubKey.unmarshal(new byte[KeyProto.MAX_ENCODED_BYTES + 1]))
        .hasMessageContaining("exceeds the limit");
  }

  @Test
  void fieldsInAnyOrderDecodeToTheCanonicalEncoding() {
    byte[] canonical = KeysTest.publicVector(KeyType.ED25519);
    byte[] reordered = new byte[canonical.length];
    System.arraycopy(canonical, 2, reordered, 0, canonical.length - 2);
    reordered[canonical.length - 2] = 0x08;
    reordered[canonical.length - 1] = 0x01;
    assertThat(PubKey.unmarshal(reordered).bytes()).containsExactly(canonical);
  }

  @Test
  void keyDataOfTheWrongShapeIsRejectedPerType() throws Exception {
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.ED25519, new byte[31])))
        .hasMessageContaining("must be 32 bytes, got 31");
    assertThatThrownBy(() -> PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, new byte[32])))
        .hasMessageContaining("64 bytes");
    byte[] notOnCurve = new byte[32];
    notOnCurve[0] = 2;
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.ED25519, notOnCurve)))
        .hasMessageContaining("not a valid curve point");
    byte[] smallOrder = new byte[32];
    smallOrder[0] = 1; // the neutral element: it would verify forged signatures in lax verifiers
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.ED25519, smallOrder)))
        .hasMessageContaining("not a valid curve point");
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.SECP256K1, new byte[33])))
        .hasMessageContaining("not a point");
    byte[] offCurve = HEX.parseHex("02" + "00".repeat(31) + "05");
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.SECP256K1, offCurve)))
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> PrivKey.unmarshal(KeyProto.encode(KeyType.SECP256K1, new byte[32])))
        .hasMessageContaining("[1, n-1]");
    byte[] aboveOrder = new byte[32];
    Arrays.fill(aboveOrder, (byte) 0xff);
    assertThatThrownBy(() -> PrivKey.unmarshal(KeyProto.encode(KeyType.SECP256K1, aboveOrder)))
        .hasMessageContaining("[1, n-1]");
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.ECDSA, new byte[] {0x30, 0})))
        .isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.RSA, new byte[] {1, 2, 3})))
        .isInstanceOf(InvalidKeyException.class);
    // An RSA SubjectPublicKeyInfo handed over as an ECDSA key, and the other way round.
    byte[] rsaAlgorithmSpki =
        new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                    org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.rsaEncryption,
                    org.bouncycastle.asn1.DERNull.INSTANCE),
                new byte[] {1, 2, 3})
            .getEncoded("DER");
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.ECDSA, rsaAlgorithmSpki)))
        .hasMessageContaining("not id-ecPublicKey");
    assertThatThrownBy(
            () ->
                PubKey.unmarshal(
                    KeyProto.encode(
                        KeyType.RSA, PubKey.unmarshal(KeysTest.publicVector(KeyType.ECDSA)).raw())))
        .hasMessageContaining("not rsaEncryption");
  }

  @Test
  void derWithTrailingBytesIsRejected() {
    for (KeyType type : new KeyType[] {KeyType.ECDSA, KeyType.RSA}) {
      byte[] raw = PubKey.unmarshal(KeysTest.publicVector(type)).raw();
      byte[] padded = Arrays.copyOf(raw, raw.length + 1);
      assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(type, padded)))
          .as(type.toString())
          .isInstanceOf(InvalidKeyException.class);
    }
  }

  @Property(tries = 300)
  void randomMutationsNeverEscapeAsAnythingButInvalidKeyException(
      @ForAll @IntRange(min = 0, max = 3) int typeIndex,
      @ForAll @IntRange(min = 0, max = 1000) int position,
      @ForAll byte value,
      @ForAll boolean privateKey) {
    KeyType type = KeyType.values()[typeIndex];
    byte[] bytes = privateKey ? KeysTest.privateVector(type) : KeysTest.publicVector(type);
    bytes[position % bytes.length] = value;
    Throwable thrown =
        catchThrowable(
            () -> {
              if (privateKey) {
                PrivKey.unmarshal(bytes).sign(new byte[] {1});
              } else {
                PubKey.unmarshal(bytes).verify(new byte[] {1}, new byte[64]);
              }
            });
    if (thrown != null) {
      assertThat(thrown).isInstanceOf(InvalidKeyException.class);
    }
  }

  @Property(tries = 500)
  void randomBytesNeverEscapeAsAnythingButInvalidKeyException(
      @ForAll @Size(max = 120) byte[] bytes) {
    Throwable pub = catchThrowable(() -> PubKey.unmarshal(bytes));
    Throwable priv = catchThrowable(() -> PrivKey.unmarshal(bytes));
    if (pub != null) {
      assertThat(pub).isInstanceOf(InvalidKeyException.class);
    }
    if (priv != null) {
      assertThat(priv).isInstanceOf(InvalidKeyException.class);
    }
  }

  @Test
  void rsaKeysOutsideTheAllowedSizesAreRefused() throws Exception {
    // 1024-bit modulus: the RSA public key structure of a real but too-small key.
    java.security.SecureRandom random = new java.security.SecureRandom();
    org.bouncycastle.crypto.generators.RSAKeyPairGenerator gen =
        new org.bouncycastle.crypto.generators.RSAKeyPairGenerator();
    gen.init(
        new org.bouncycastle.crypto.params.RSAKeyGenerationParameters(
            java.math.BigInteger.valueOf(65537), random, 1024, 64));
    var small =
        (org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters) gen.generateKeyPair().getPrivate();
    RsaKeys.Pub smallPub =
        new RsaKeys.Pub(
            new org.bouncycastle.crypto.params.RSAKeyParameters(
                false, small.getModulus(), small.getPublicExponent()));
    assertThatThrownBy(() -> PubKey.unmarshal(smallPub.bytes()))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("1024 bits is too small");
    RsaKeys.Priv smallPriv = new RsaKeys.Priv(small);
    assertThatThrownBy(() -> PrivKey.unmarshal(smallPriv.bytes()))
        .hasMessageContaining("too small");

    // A 16392-bit modulus (odd, no small factors checked before the size): refused on size.
    java.math.BigInteger huge =
        java.math.BigInteger.ONE.shiftLeft(16391).add(java.math.BigInteger.valueOf(0x1d));
    byte[] hugeSpki =
        new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                    org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.rsaEncryption,
                    org.bouncycastle.asn1.DERNull.INSTANCE),
                new org.bouncycastle.asn1.pkcs.RSAPublicKey(huge, java.math.BigInteger.valueOf(65537)))
            .getEncoded("DER");
    assertThatThrownBy(() -> PubKey.unmarshal(KeyProto.encode(KeyType.RSA, hugeSpki)))
        .isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("16392 bits is too large");
  }
}
