package io.topicmesh.node.pubsub.router.partial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The application encoding of parts and parts metadata shared with the interop peers. */
class IndexedPartsTest {
  private static ByteString bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return ByteString.copyFrom(out);
  }

  @Test
  void metadataIsTheCountThenAnLsbFirstBitmap() {
    BitSet have = new BitSet();
    have.set(0);
    have.set(2);
    have.set(9);
    ByteString md = IndexedParts.encodeMetadata(10, have);
    assertThat(md).isEqualTo(bytes(10, 0b0000_0101, 0b0000_0010));
    IndexedParts.Metadata back = IndexedParts.decodeMetadata(md, 1024);
    assertThat(back.total()).isEqualTo(10);
    assertThat(back.have()).isEqualTo(have);
  }

  @Test
  void partsAreTheCountThenIndexLengthBytes() {
    Map<Integer, ByteString> parts = Map.of(3, ByteString.copyFromUtf8("cd"), 1, ByteString.copyFromUtf8("a"));
    ByteString enc = IndexedParts.encodeParts(4, parts);
    assertThat(enc).isEqualTo(bytes(4, 1, 1, 'a', 3, 2, 'c', 'd'));
    IndexedParts.Parts back = IndexedParts.decodeParts(enc, 1024, 1 << 20);
    assertThat(back.total()).isEqualTo(4);
    assertThat(back.parts()).isEqualTo(new TreeMap<>(parts));
  }

  @Test
  void hostileMetadataIsRefused() {
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(bytes(0), 8)).isInstanceOf(PartialDecodeException.class)
        .hasMessageContaining("part count 0");
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(bytes(9, 0, 0), 8)).hasMessageContaining("outside 1..8");
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(bytes(4, 0, 0), 8)).hasMessageContaining("expected 1");
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(bytes(4, 0x10), 8)).hasMessageContaining("marks part 4 of 4");
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(bytes(0xff, 0xff, 0xff, 0xff, 0x0f), 8))
        .isInstanceOf(PartialDecodeException.class);
    assertThatThrownBy(() -> IndexedParts.decodeMetadata(ByteString.EMPTY, 8)).isInstanceOf(PartialDecodeException.class);
  }

  @Test
  void hostilePartsAreRefused() {
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 2, 1, 'x'), 8, 100)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 1, 1, 'x', 0, 1, 'y'), 8, 100))
        .hasMessageContaining("not above the previous 1");
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 1, 1, 'x', 1, 1, 'y'), 8, 100))
        .hasMessageContaining("not above");
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 0, 50, 'x'), 8, 100)).hasMessageContaining("declares 50 bytes");
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 0, 3, 'x', 'y', 'z'), 8, 2)).hasMessageContaining("exceed 2 bytes");
    assertThatThrownBy(() -> IndexedParts.decodeParts(bytes(2, 0), 8, 100)).isInstanceOf(PartialDecodeException.class);
  }
}
