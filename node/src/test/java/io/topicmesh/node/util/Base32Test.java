package io.topicmesh.node.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Base32Test {
  @Test
  void rfc4648VectorsLowercaseWithoutPadding() {
    String[][] vectors = {
      {"", ""}, {"f", "my"}, {"fo", "mzxq"}, {"foo", "mzxw6"}, {"foob", "mzxw6yq"},
      {"fooba", "mzxw6ytb"}, {"foobar", "mzxw6ytboi"}
    };
    for (String[] v : vectors) {
      byte[] raw = v[0].getBytes(StandardCharsets.US_ASCII);
      assertThat(Base32.encode(raw)).as("encode %s", v[0]).isEqualTo(v[1]);
      assertThat(Base32.decode(v[1])).as("decode %s", v[1]).containsExactly(raw);
      assertThat(Base32.decode(v[1].toUpperCase())).containsExactly(raw);
    }
  }

  @Test
  void rejectsMalformedText() {
    assertThatThrownBy(() -> Base32.decode("mzx=")).hasMessageContaining("'=' at index 3");
    assertThatThrownBy(() -> Base32.decode("m")).hasMessageContaining("truncated");
    assertThatThrownBy(() -> Base32.decode("mzx")).hasMessageContaining("truncated");
    assertThatThrownBy(() -> Base32.decode("mz")).hasMessageContaining("non-zero trailing bits");
    assertThatThrownBy(() -> Base32.decode("m1")).hasMessageContaining("'1'");
  }

  @Property
  void roundTrips(@ForAll @Size(max = 200) byte[] data) {
    assertThat(Base32.decode(Base32.encode(data))).containsExactly(data);
  }
}
