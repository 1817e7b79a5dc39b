package io.topicmesh.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class PeerIdPropertiesTest {
  @Property(tries = 500)
  void textFormsRoundTrip(@ForAll("peerIds") PeerId id) {
    assertThat(PeerId.parse(id.toBase58())).isEqualTo(id);
    assertThat(PeerId.parse(id.toCid())).isEqualTo(id);
    assertThat(PeerId.fromBytes(id.bytes())).isEqualTo(id);
    assertThat(id.toString()).isEqualTo(id.toBase58());
  }

  @Property(tries = 1000)
  void arbitraryTextIsAPeerIdOrATypedError(@ForAll("peerIdLikeText") String text) {
    Throwable thrown = catchThrowable(() -> PeerId.parse(text));
    if (thrown != null) {
      assertThat(thrown).isInstanceOf(InvalidPeerIdException.class).hasMessageContaining("peer id");
    }
  }

  @Property(tries = 1000)
  void arbitraryBytesAreAPeerIdOrATypedError(@ForAll @Size(max = 50) byte[] bytes) {
    Throwable thrown = catchThrowable(() -> PeerId.fromBytes(bytes));
    if (thrown == null) {
      assertThat(PeerId.fromBytes(bytes).bytes()).containsExactly(bytes);
    } else {
      assertThat(thrown).isInstanceOf(InvalidPeerIdException.class);
    }
  }

  @Provide
  Arbitrary<PeerId> peerIds() {
    Arbitrary<PeerId> sha =
        Arbitraries.bytes().array(byte[].class).ofSize(32).map(d -> PeerId.fromBytes(prefix(0x12, d)));
    Arbitrary<PeerId> inline =
        Arbitraries.bytes()
            .array(byte[].class)
            .ofMaxSize(PeerId.MAX_INLINE_KEY_BYTES)
            .map(d -> PeerId.fromBytes(prefix(0x00, d)));
    return Arbitraries.oneOf(sha, inline);
  }

  @Provide
  Arbitrary<String> peerIdLikeText() {
    Arbitrary<String> prefixes = Arbitraries.of("", "1", "Qm", "12D3KooW", "b", "B", "z", "f", "F", "bafz");
    Arbitrary<String> bodies =
        Arbitraries.strings()
            .withChars("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl=!/ \u00e9")
            .ofMaxLength(80);
    return net.jqwik.api.Combinators.combine(prefixes, bodies).as(String::concat);
  }

  private static byte[] prefix(int code, byte[] digest) {
    byte[] out = new byte[digest.length + 2];
    out[0] = (byte) code;
    out[1] = (byte) digest.length;
    System.arraycopy(digest, 0, out, 2, digest.length);
    return out;
  }
}
