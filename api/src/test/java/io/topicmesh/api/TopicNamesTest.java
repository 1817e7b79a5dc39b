package io.topicmesh.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicNamesTest {
  @Test
  void acceptsTheAllowedCharacters() {
    assertThat(TopicNames.isValid("news")).isTrue();
    assertThat(TopicNames.isValid("a.b_c/d:e-F9")).isTrue();
    assertThat(TopicNames.isValid("x".repeat(TopicNames.MAX_LENGTH))).isTrue();
  }

  @Test
  void rejectsEverythingElse() {
    assertThat(TopicNames.isValid(null)).isFalse();
    assertThat(TopicNames.isValid("")).isFalse();
    assertThat(TopicNames.isValid("x".repeat(TopicNames.MAX_LENGTH + 1))).isFalse();
    assertThat(TopicNames.isValid("a b")).isFalse();
    assertThat(TopicNames.isValid("caf\u00e9")).isFalse();
    assertThat(TopicNames.isValid("a\n")).isFalse();
    assertThat(TopicNames.isValid("a?b")).isFalse();
  }

  @Test
  void theRuleSaysWhatIsAllowed() {
    assertThat(TopicNames.RULE).isEqualTo("1 to 253 characters of A-Z a-z 0-9 . _ / : -");
  }
}
