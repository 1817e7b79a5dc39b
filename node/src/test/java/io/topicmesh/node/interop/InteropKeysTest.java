package io.topicmesh.node.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class InteropKeysTest {

  @Test
  void seedIsSha256OfThePrefixedNumber() {
    // printf 'topicmesh-interop-key-seed:1' | sha256sum
    assertThat(HexFormat.of().formatHex(InteropKeys.ed25519Seed("1")))
        .isEqualTo("825eeac6350baf647c2822beb6b4c332e12d33838cb8a401d102beef4df32a05");
    assertThat(InteropKeys.ed25519Seed("1")).isNotEqualTo(InteropKeys.ed25519Seed("01"));
  }

  @Test
  void publicKeyMatchesWhatTheGoAndJsPeersPrintForSeed1() {
    // printed by both go-peer and js-peer as the publicKey of `--key-seed 1`
    // (PeerId 12D3KooWPaiPVjoSEcrcC6Mz5fVvp3tMSgw7RfPHZsrWppNp3uuv)
    assertThat(InteropKeys.publicKeyProtobufBase64("1")).isEqualTo("CAESIMyEWSrV0tP8cNhzN9Phzp9XPRdQp+id8cPNMpFWUwnt");
  }
}
