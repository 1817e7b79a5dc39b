package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-checks against the JDK's own providers (SunEC, SunRsaSign), an implementation independent
 * of the BouncyCastle code the keys use: encodings, and signatures in both directions.
 */
class JdkInteropTest {
  private static final byte[] MESSAGE = "interop with the JDK".getBytes(StandardCharsets.UTF_8);

  @ParameterizedTest
  @ValueSource(strings = {"secp256r1", "secp384r1", "secp521r1"})
  void ecdsaKeysAndSignatures(String curve) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec(curve));
    KeyPair jdk = generator.generateKeyPair();

    // The JDK writes PKCS#8 (without the curve inside the SEC 1 structure).
    PrivKey priv = PrivKey.unmarshal(KeyProto.encode(KeyType.ECDSA, jdk.getPrivate().getEncoded()));
    assertThat(priv.publicKey().raw()).containsExactly(jdk.getPublic().getEncoded());
    PubKey pub = PubKey.unmarshal(KeyProto.encode(KeyType.ECDSA, jdk.getPublic().getEncoded()));
    assertThat(pub).isEqualTo(priv.publicKey());
    assertThat(PrivKey.unmarshal(priv.bytes())).isEqualTo(priv);

    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(jdk.getPrivate());
    signer.update(MESSAGE);
    assertThat(pub.verify(MESSAGE, signer.sign())).as("JDK signature, our verify").isTrue();

    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(jdk.getPublic());
    verifier.update(MESSAGE);
    assertThat(verifier.verify(priv.sign(MESSAGE))).as("our signature, JDK verify").isTrue();
  }

  @Test
  void ed25519SignaturesAreIdentical() throws Exception {
    KeyPair jdk = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    // PKCS#8 of Ed25519: the last 32 bytes are the seed; SPKI: the last 32 bytes are the key.
    byte[] pkcs8 = jdk.getPrivate().getEncoded();
    byte[] spki = jdk.getPublic().getEncoded();
    byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    byte[] publicKey = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    byte[] raw = new byte[64];
    System.arraycopy(seed, 0, raw, 0, 32);
    System.arraycopy(publicKey, 0, raw, 32, 32);
    PrivKey priv = PrivKey.unmarshal(KeyProto.encode(KeyType.ED25519, raw));

    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(jdk.getPrivate());
    signer.update(MESSAGE);
    assertThat(priv.sign(MESSAGE)).containsExactly(signer.sign());
  }

  @Test
  void rsaKeysAndSignatures() throws Exception {
    PrivKey priv = PrivKey.unmarshal(KeysTest.privateVector(KeyType.RSA));
    var jdkPublic =
        KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(priv.publicKey().raw()));
    assertThat(jdkPublic.getEncoded()).containsExactly(priv.publicKey().raw());

    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair jdk = generator.generateKeyPair();
    byte[] pkcs1 =
        PrivateKeyInfo.getInstance(jdk.getPrivate().getEncoded()).parsePrivateKey().toASN1Primitive()
            .getEncoded("DER");
    PrivKey fromJdk = PrivKey.unmarshal(KeyProto.encode(KeyType.RSA, pkcs1));
    assertThat(fromJdk.publicKey().raw()).containsExactly(jdk.getPublic().getEncoded());

    Signature signer = Signature.getInstance("SHA256withRSA");
    signer.initSign(jdk.getPrivate());
    signer.update(MESSAGE);
    assertThat(fromJdk.sign(MESSAGE)).as("PKCS#1 v1.5 is deterministic").containsExactly(signer.sign());
  }
}
