package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import org.junit.jupiter.api.Test;

class BackoffTableTest {
  private static final java.security.SecureRandom KEYS = RouterHarness.deterministicRandom(9);
  private final PeerId a = peer();
  private final PeerId b = peer();

  private static PeerId peer() {
    return PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, KEYS).publicKey());
  }

  @Test
  void aLongerBackoffIsNeverShortened() {
    BackoffTable t = new BackoffTable();
    t.add(a, "t", 5_000);
    t.add(a, "t", 3_000);
    assertThat(t.until(a, "t")).isEqualTo(5_000);
    t.add(a, "t", 7_000);
    assertThat(t.until(a, "t")).isEqualTo(7_000);
    assertThat(t.until(a, "other")).isNull();
    assertThat(t.until(b, "t")).isNull();
  }

  @Test
  void remainingCountsDownAndStopsAtZero() {
    BackoffTable t = new BackoffTable();
    t.add(a, "t", 10_000);
    assertThat(t.remaining(a, "t", 4_000)).isEqualTo(6_000);
    assertThat(t.remaining(a, "t", 12_000)).isZero();
    assertThat(t.remaining(b, "t", 0)).isZero();
  }

  @Test
  void graftIsBlockedUntilExpiryPlusSlack() {
    BackoffTable t = new BackoffTable();
    t.add(a, "t", 10_000);
    assertThat(t.blocksGraft(a, "t", 9_999, 1_000)).isTrue();
    assertThat(t.blocksGraft(a, "t", 10_999, 1_000)).as("within the slack").isTrue();
    assertThat(t.blocksGraft(a, "t", 11_000, 1_000)).isFalse();
    assertThat(t.blocksGraft(b, "t", 0, 1_000)).isFalse();
  }

  @Test
  void clearExpiredDropsOnlyEntriesPastExpiryPlusSlack() {
    BackoffTable t = new BackoffTable();
    t.add(a, "t", 10_000);
    t.add(b, "t", 20_000);
    t.add(a, "u", 10_500);
    t.clearExpired(10_999, 1_000);
    assertThat(t.size()).isEqualTo(3);
    t.clearExpired(11_000, 1_000);
    assertThat(t.until(a, "t")).isNull();
    assertThat(t.until(b, "t")).isEqualTo(20_000);
    assertThat(t.until(a, "u")).isEqualTo(10_500);
    t.clearExpired(21_000, 1_000);
    assertThat(t.size()).isZero();
  }
}
