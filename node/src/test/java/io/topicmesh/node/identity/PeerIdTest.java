package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class PeerIdTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void ed25519KeysAreInlinedWithTheIdentityMultihash() {
    PubKey key = PubKey.unmarshal(KeysTest.publicVector(KeyType.ED25519));
    PeerId id = PeerId.fromPublicKey(key);
    assertThat(HEX.formatHex(id.bytes())).isEqualTo("0024" + HEX.formatHex(key.bytes()));
    assertThat(id.toBase58()).startsWith("12D3KooW").isEqualTo(id.toString());
    assertThat(id.publicKey()).contains(key);
    assertThat(id.matches(key)).isTrue();
    assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
    assertThat(PeerId.parse(id.toCid())).isEqualTo(id);
    assertThat(id.toCid()).startsWith("bafzaa");
  }

  @Test
  void secp256k1KeysAreInlinedToo() {
    PubKey key = PubKey.unmarshal(KeysTest.publicVector(KeyType.SECP256K1));
    PeerId id = PeerId.fromPublicKey(key);
    assertThat(id.bytes()[0]).isEqualTo((byte) 0);
    assertThat(id.toBase58()).startsWith("16Uiu2");
    assertThat(id.publicKey()).contains(key);
  }

  @ParameterizedTest
  @EnumSource(
      value = KeyType.class,
      names = {"RSA", "ECDSA"})
  void longKeysAreHashedWithSha256(KeyType type) throws Exception {
    PubKey key = PubKey.unmarshal(KeysTest.publicVector(type));
    PeerId id = PeerId.fromPublicKey(key);
    byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.bytes());
    assertThat(HEX.formatHex(id.bytes())).isEqualTo("1220" + HEX.formatHex(digest));
    assertThat(id.toBase58()).startsWith("Qm");
    assertThat(id.publicKey()).isEmpty();
    assertThat(id.matches(key)).isTrue();
    assertThat(id.matches(PubKey.unmarshal(KeysTest.publicVector(KeyType.ED25519)))).isFalse();
  }

  @Test
  void specExamplesParse() {
    PeerId cid = PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    PeerId legacy = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertThat(cid).isEqualTo(legacy);
    assertThat(legacy.toCid()).isEqualTo("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
    assertThat(cid.toBase58()).isEqualTo("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");

    PeerId ed = PeerId.parse("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
    assertThat(ed.toBase58()).isEqualTo("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
    assertThat(ed.publicKey()).hasValueSatisfying(k -> assertThat(k.type()).isEqualTo(KeyType.ED25519));
    assertThat(ed.matches(ed.publicKey().orElseThrow())).isTrue();
  }

  @Test
  void peerIdOfTheHttpPeerIdAuthSpecClientKey() {
    // libp2p specs, http/peer-id-auth.md: the client key of the handshake examples and the peer id
    // that the server's bearer token names for it.
    PrivKey client =
        PrivKey.unmarshal(
            HEX.parseHex(
                "08011240" + "02".repeat(32)
                    + "8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394"));
    assertThat(PeerId.fromPublicKey(client.publicKey()).toBase58())
        .isEqualTo("12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq");
  }

  @Test
  void otherMultibasesOfTheCidParse() {
    PeerId id = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    String cid = id.toCid();
    assertThat(PeerId.parse("B" + cid.substring(1).toUpperCase())).isEqualTo(id);
    byte[] cidBytes = new byte[id.bytes().length + 2];
    cidBytes[0] = 1;
    cidBytes[1] = 0x72;
    System.arraycopy(id.bytes(), 0, cidBytes, 2, id.bytes().length);
    assertThat(PeerId.parse("f" + HEX.formatHex(cidBytes))).isEqualTo(id);
    assertThat(PeerId.parse("z" + io.topicmesh.node.util.Base58.encode(cidBytes))).isEqualTo(id);
  }

  @Test
  void badTextIsRejectedWithAClearMessage() {
    assertThatThrownBy(() -> PeerId.parse("")).isInstanceOf(InvalidPeerIdException.class);
    assertThatThrownBy(() -> PeerId.parse(null)).isInstanceOf(InvalidPeerIdException.class);
    assertThatThrownBy(() -> PeerId.parse("xyz"))
        .isInstanceOf(InvalidPeerIdException.class)
        .hasMessageContaining("neither a base58btc multihash");
    assertThatThrownBy(() -> PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5"))
        .isInstanceOf(InvalidPeerIdException.class)
        .hasMessageContaining("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5");
    byte[] shortDigest = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").bytes();
    assertThatThrownBy(() -> PeerId.fromBytes(java.util.Arrays.copyOf(shortDigest, 33)))
        .hasMessageContaining("declares a 32-byte digest but holds 31 bytes");
    String truncatedIdentity = io.topicmesh.node.util.Base58.encode(HEX.parseHex("0024010203"));
    assertThatThrownBy(() -> PeerId.parse(truncatedIdentity))
        .hasMessageContaining("peer id '" + truncatedIdentity + "'")
        .hasMessageContaining("declares a 36-byte digest but holds 3 bytes");
    assertThatThrownBy(() -> PeerId.fromBytes(java.util.Arrays.copyOf(shortDigest, 35)))
        .hasMessageContaining("declares a 32-byte digest but holds 33 bytes");
    assertThatThrownBy(() -> PeerId.parse("12D3KooW0"))
        .hasMessageContaining("not valid base58btc")
        .hasMessageContaining("'0'");
    assertThatThrownBy(() -> PeerId.parse("Q".repeat(300))).hasMessageContaining("exceeds the limit");
    // A CIDv1 with the dag-pb codec (0x70), not libp2p-key.
    assertThatThrownBy(() -> PeerId.parse("bafybeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe"))
        .hasMessageContaining("codec 0x70 is not libp2p-key");
    assertThatThrownBy(() -> PeerId.parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx!"))
        .hasMessageContaining("bad multibase encoding");
    assertThatThrownBy(() -> PeerId.parse("bAFZbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe"))
        .hasMessageContaining("lowercase");
    assertThatThrownBy(() -> PeerId.parse("f0272"))
        .hasMessageContaining("CID version 2 is not 1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", // empty
        "00", // identity, length missing
        "0001", // identity, declares 1 byte, holds 0
        "002b" + "00" + "00", // identity longer than 42
        "1220", // sha2-256 with no digest
        "1221", // sha2-256 with a wrong declared length
        "1320" + "00", // sha2-512 code
        "8000", // non-minimal varint
        "ffffffffffffffffffff" // overlong varint
      })
  void malformedMultihashesAreRejected(String hex) {
    assertThatThrownBy(() -> PeerId.fromBytes(HEX.parseHex(hex)))
        .isInstanceOf(InvalidPeerIdException.class);
  }

  @Test
  void identityMultihashOfBytesThatAreNotAKeyHasNoPublicKey() {
    PeerId id = PeerId.fromBytes(HEX.parseHex("0003010203"));
    assertThat(id.publicKey()).isEmpty();
    assertThat(id.toBase58()).startsWith("1");
    assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
  }

  @Test
  void orderingAndEquality() {
    SecureRandom random = new SecureRandom();
    PeerId a = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, random).publicKey());
    PeerId b = PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, random).publicKey());
    PeerId sha = PeerId.parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
    assertThat(a).isNotEqualTo(b);
    assertThat(a.compareTo(b)).isEqualTo(-b.compareTo(a)).isNotZero();
    assertThat(a.compareTo(PeerId.fromBytes(a.bytes()))).isZero();
    assertThat(PeerId.fromBytes(a.bytes())).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(a.compareTo(sha)).as("0x00 sorts before 0x12").isNegative();
    byte[] bytes = a.bytes();
    bytes[5] ^= 1;
    assertThat(a.bytes()).as("bytes() returns a copy").isNotEqualTo(bytes);
  }
}
