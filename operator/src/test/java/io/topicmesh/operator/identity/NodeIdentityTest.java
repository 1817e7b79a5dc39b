package io.topicmesh.operator.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NodeIdentityTest {
  private static final HexFormat HEX = HexFormat.of();
  /** libp2p specs, peer-ids/peer-ids.md, "Test vectors": ED25519 private and public key. */
  private static final String SPEC_PRIVATE =
      "080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";
  private static final String SPEC_PUBLIC = "080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e";

  @Test
  void specVectorParsesAndReencodesByteForByte() {
    NodeIdentity id = NodeIdentity.fromPrivateKeyProtobuf(HEX.parseHex(SPEC_PRIVATE));
    assertThat(HEX.formatHex(id.privateKeyProtobuf())).isEqualTo(SPEC_PRIVATE);
    assertThat(HEX.formatHex(id.publicKeyProtobuf())).isEqualTo(SPEC_PUBLIC);
  }

  @Test
  void seedDerivesTheSpecPublicKey() {
    byte[] seed = HEX.parseHex("7e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d");
    assertThat(HEX.formatHex(NodeIdentity.fromSeed(seed).publicKeyProtobuf())).isEqualTo(SPEC_PUBLIC);
  }

  @Test
  void peerIdMatchesTheTlsSpecVector() {
    // libp2p specs, tls/tls.md test vector 1: the certificate's public key 08011220a77f... has this PeerId.
    byte[] pub = HEX.parseHex("a77f1d92fedb59dddaea5a1c4abd1ac2fbde7d7b879ed364501809923d7c11b9");
    assertThat(NodeIdentity.peerIdOfPublicKey(pub)).isEqualTo("12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv");
  }

  @Test
  void peerIdDecodesToTheIdentityMultihashOfThePublicKey() {
    NodeIdentity id = NodeIdentity.generate(new SecureRandom());
    byte[] multihash = Base58.decode(id.peerId());
    assertThat(multihash[0]).isEqualTo((byte) 0x00);
    assertThat(multihash[1]).isEqualTo((byte) 0x24);
    assertThat(java.util.Arrays.copyOfRange(multihash, 2, multihash.length)).isEqualTo(id.publicKeyProtobuf());
    assertThat(id.peerId()).startsWith("12D3KooW");
  }

  @Test
  void generatedKeyRoundTripsThroughTheSecretEncoding() {
    NodeIdentity id = NodeIdentity.generate(new SecureRandom());
    NodeIdentity back = NodeIdentity.fromPrivateKeyProtobuf(id.privateKeyProtobuf());
    assertThat(back.peerId()).isEqualTo(id.peerId());
  }

  @Test
  void rejectsMalformedKeys() {
    byte[] good = HEX.parseHex(SPEC_PRIVATE);
    byte[] wrongType = good.clone();
    wrongType[1] = 2;
    assertThatThrownBy(() -> NodeIdentity.fromPrivateKeyProtobuf(wrongType)).hasMessageContaining("Ed25519 (1)");
    byte[] mismatched = good.clone();
    mismatched[good.length - 1] ^= 1;
    assertThatThrownBy(() -> NodeIdentity.fromPrivateKeyProtobuf(mismatched)).hasMessageContaining("does not belong");
    assertThatThrownBy(() -> NodeIdentity.fromPrivateKeyProtobuf(java.util.Arrays.copyOf(good, 20)))
        .hasMessageContaining("does not fit");
    assertThatThrownBy(() -> Base58.decode("0OIl")).hasMessageContaining("invalid base58 character");
  }

  @Test
  void base58KeepsLeadingZeros() {
    byte[] data = {0, 0, 1, 2, 3};
    assertThat(Base58.decode(Base58.encode(data))).isEqualTo(data);
    assertThat(Base58.encode(new byte[] {0, 0})).isEqualTo("11");
  }
}
