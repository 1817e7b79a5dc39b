package io.topicmesh.node.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesAnEventLineWithEveryValueKind() {
    Map<String, Object> o = Json.parseObject(
        "{\"event\":\"identify\",\"protocols\":[\"/ipfs/id/1.0.0\",\"/meshsub/1.1.0\"],\"rttMs\":0.25,"
            + "\"bytes\":5,\"neg\":-3,\"exp\":1e3,\"ok\":true,\"no\":false,\"observedAddr\":null,"
            + "\"nested\":{\"a\":[{}, []]}}");
    assertThat(o.keySet()).containsExactly("event", "protocols", "rttMs", "bytes", "neg", "exp", "ok", "no",
        "observedAddr", "nested");
    assertThat(o.get("protocols")).isEqualTo(List.of("/ipfs/id/1.0.0", "/meshsub/1.1.0"));
    assertThat(o.get("rttMs")).isEqualTo(0.25);
    assertThat(o.get("bytes")).isEqualTo(5L);
    assertThat(o.get("neg")).isEqualTo(-3L);
    assertThat(o.get("exp")).isEqualTo(1000.0);
    assertThat(o.get("ok")).isEqualTo(true);
    assertThat(o.get("no")).isEqualTo(false);
    assertThat(o).containsEntry("observedAddr", null);
    assertThat(o.get("nested")).isEqualTo(Map.of("a", List.of(Map.of(), List.of())));
  }

  @Test
  void decodesEscapes() {
    Map<String, Object> o = Json.parseObject("{\"m\":\"a\\\"b\\\\c\\/d\\n\\u003cx\\u003e\\t\"}");
    assertThat(o.get("m")).isEqualTo("a\"b\\c/d\n<x>\t");
  }

  @Test
  void toleratesWhitespaceAroundTokens() {
    assertThat(Json.parseObject(" { \"a\" : [ 1 , 2 ] } ")).isEqualTo(Map.of("a", List.of(1L, 2L)));
  }

  @Test
  void rejectsMalformedInputWithItsPosition() {
    assertThatThrownBy(() -> Json.parse("{\"a\":1,}")).hasMessageContaining("expected a string key at offset 7");
    assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).hasMessageContaining("trailing characters");
    assertThatThrownBy(() -> Json.parse("{\"a\":\"unterminated}")).hasMessageContaining("unterminated string");
    assertThatThrownBy(() -> Json.parse("[1 2]")).hasMessageContaining("expected ',' or ']'");
    assertThatThrownBy(() -> Json.parse("{\"a\":tru}")).hasMessageContaining("expected 'true'");
    assertThatThrownBy(() -> Json.parse("{\"a\":1-2}")).hasMessageContaining("bad number '1-2'");
    assertThatThrownBy(() -> Json.parse("\"\\q\"")).hasMessageContaining("bad escape");
    assertThatThrownBy(() -> Json.parse("")).hasMessageContaining("unexpected end of input");
    assertThatThrownBy(() -> Json.parseObject("[1]")).hasMessageContaining("expected a JSON object");
  }

  @Test
  void boundsNesting() {
    String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
    assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("nesting deeper than " + Json.MAX_DEPTH);
    String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
    assertThat(Json.parse(ok)).isInstanceOf(List.class);
  }
}
