package io.topicmesh.node.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.topicmesh.node.identity.InvalidKeyException;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import java.util.Arrays;

/**
 * libp2p key protobufs (noise handshake payloads, signed records, key files). First byte even: a
 * public key, then a signature check of fixed data against the input's tail (a bad signature is
 * {@code false}, never an exception); odd: a private key, whose public key and signatures must
 * verify. Keys marshal back to what unmarshals to an equal key.
 */
class KeyFuzzTest {
  private static final byte[] DATA = "noise-libp2p-static-key:fuzz".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @FuzzTest(maxDuration = FuzzBudget.SHORT)
  void key(byte[] input) {
    if (input.length < 2) {
      return;
    }
    // second byte: where the key ends and the signature begins (public keys)
    int split = Math.min(input.length, 2 + (input[1] & 0xFF));
    byte[] keyBytes = Arrays.copyOfRange(input, 2, split);
    byte[] sig = Arrays.copyOfRange(input, split, input.length);
    try {
      if ((input[0] & 1) == 0) {
        PubKey key = PubKey.unmarshal(keyBytes);
        assertThat(PubKey.unmarshal(key.bytes())).isEqualTo(key);
        key.verify(DATA, sig);
      } else {
        PrivKey key = PrivKey.unmarshal(Arrays.copyOfRange(input, 1, input.length));
        assertThat(PrivKey.unmarshal(key.bytes())).isEqualTo(key);
        assertThat(key.publicKey().verify(DATA, key.sign(DATA))).isTrue();
      }
    } catch (InvalidKeyException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
