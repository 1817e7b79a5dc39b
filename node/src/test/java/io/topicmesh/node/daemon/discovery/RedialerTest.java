package io.topicmesh.node.daemon.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedialerTest {
  @Test
  void backoffDoublesFromTheMinimumUpToTheCap() {
    assertThat(Redialer.backoffMillis(500, 30_000, 0)).isEqualTo(500);
    assertThat(Redialer.backoffMillis(500, 30_000, 1)).isEqualTo(1000);
    assertThat(Redialer.backoffMillis(500, 30_000, 3)).isEqualTo(4000);
    assertThat(Redialer.backoffMillis(500, 30_000, 6)).isEqualTo(30_000);
    // no overflow however many attempts
    assertThat(Redialer.backoffMillis(500, 30_000, 62)).isEqualTo(30_000);
    assertThat(Redialer.backoffMillis(10, 10, 5)).isEqualTo(10);
  }
}
