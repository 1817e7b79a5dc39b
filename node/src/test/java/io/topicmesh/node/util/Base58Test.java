package io.topicmesh.node.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Base58Test {
  @Test
  void knownVectors() {
    assertThat(Base58.encode("Hello World!".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo("2NEpo7TZRRrLZSi2U");
    assertThat(Base58.encode(HexFormat.of().parseHex("0000287fb4cd"))).isEqualTo("11233QC4");
    assertThat(Base58.encode(new byte[0])).isEmpty();
    assertThat(Base58.encode(new byte[] {0})).isEqualTo("1");
    assertThat(Base58.encode(new byte[] {57})).isEqualTo("z");
    assertThat(Base58.encode(new byte[] {58})).isEqualTo("21");
    assertThat(Base58.decode("11233QC4")).containsExactly(HexFormat.of().parseHex("0000287fb4cd"));
    assertThat(Base58.decode("")).isEmpty();
  }

  @Test
  void rejectsCharactersOutsideTheAlphabet() {
    assertThatThrownBy(() -> Base58.decode("12O4"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'O' at index 2");
    assertThatThrownBy(() -> Base58.decode("abc\u00e9"))
        .hasMessageContaining("\\u00e9");
    assertThatThrownBy(() -> Base58.decode("0")).hasMessageContaining("'0'");
  }

  @Test
  void rejectsOverlongText() {
    assertThatThrownBy(() -> Base58.decode("2".repeat(Base58.MAX_DECODE_CHARS + 1)))
        .hasMessageContaining("exceeds the limit");
  }

  @Property
  void roundTrips(@ForAll @Size(max = 200) byte[] data) {
    assertThat(Base58.decode(Base58.encode(data))).containsExactly(data);
  }
}
