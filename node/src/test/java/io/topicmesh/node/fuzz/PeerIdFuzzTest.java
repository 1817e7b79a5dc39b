package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.identity.InvalidKeyException;
import io.topicmesh.node.identity.InvalidPeerIdException;
import io.topicmesh.node.identity.PeerId;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Peer ids: the multihash bytes when the first byte is even, the text form (base58 or CIDv1) when
 * odd. A parsed id prints and parses back to itself in both text forms; an inline (identity) key
 * either yields a public key that matches the id or is refused with {@link InvalidKeyException}.
 */
class PeerIdFuzzTest {
  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void peerId(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    PeerId id;
    try {
      id = (input[0] & 1) == 0 ? PeerId.fromBytes(rest) : PeerId.parse(new String(rest, StandardCharsets.UTF_8));
    } catch (InvalidPeerIdException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(PeerId.fromBytes(id.bytes())).isEqualTo(id);
    assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
    assertThat(PeerId.parse(id.toCid())).isEqualTo(id);
    try {
      id.publicKey().ifPresent(k -> assertThat(id.matches(k)).isTrue());
    } catch (InvalidKeyException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
