package io.topicmesh.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.identity.PubKey;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ConnectionRulesTest {
  private static PeerId peer(long seed) {
    SecureRandom r;
    try {
      r = SecureRandom.getInstance("SHA1PRNG");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    r.setSeed(seed);
    return PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, r).publicKey());
  }

  /**
   * Two peers A and B each hold the same two connections (one initiated by A, one by B) but may
   * see them in either order. Whatever the order, both must keep the same one.
   */
  @Property(tries = 50)
  void bothEndsKeepTheSameConnectionWhateverTheArrivalOrder(@ForAll long seedA, @ForAll long seedB) {
    PeerId a = peer(seedA);
    PeerId b = peer(seedB);
    if (a.equals(b)) {
      return;
    }
    // Arrival order at A: the A-initiated first, then B's; at B the other way round.
    PeerId keptAtA = ConnectionManager.keepCandidate(b, a) ? b : a;
    PeerId keptAtB = ConnectionManager.keepCandidate(a, b) ? a : b;
    assertThat(keptAtA).isEqualTo(keptAtB);
    assertThat(keptAtA).isEqualTo(a.compareTo(b) < 0 ? a : b);
  }

  /**
   * A settled connection (kept for at least the threshold) is never replaced, whoever initiated
   * either; two ends that both see it settled, or both see it young, keep the same connection.
   */
  @Property(tries = 50)
  void aSettledConnectionIsNeverReplacedAndBothEndsAgree(@ForAll long seedA, @ForAll long seedB,
      @ForAll boolean settled) {
    PeerId a = peer(seedA);
    PeerId b = peer(seedB);
    if (a.equals(b)) {
      return;
    }
    long threshold = 5_000_000_000L;
    long age = settled ? threshold : threshold - 1;
    // The existing connection was initiated by A at both ends; B's late dial is the candidate.
    boolean replacedAtA = ConnectionManager.replaceExisting(b, a, age, threshold);
    boolean replacedAtB = ConnectionManager.replaceExisting(b, a, age + 1_000_000, threshold);
    if (settled) {
      assertThat(replacedAtA).isFalse();
      assertThat(replacedAtB).isFalse();
    } else {
      assertThat(replacedAtA).isEqualTo(b.compareTo(a) < 0);
      assertThat(ConnectionManager.replaceExisting(b, a, 0, threshold)).isEqualTo(replacedAtA);
    }
  }

  @Test
  void sameInitiatorKeepsTheExistingConnection() {
    PeerId a = peer(1);
    assertThat(ConnectionManager.keepCandidate(a, a)).isFalse();
  }

  @Test
  void slotsAreBoundedAndReturned() {
    ConnectionManager m = new ConnectionManager(2, new HostMetrics(null));
    assertThat(m.tryReserve()).isTrue();
    assertThat(m.tryReserve()).isTrue();
    assertThat(m.tryReserve()).isFalse();
    m.release();
    assertThat(m.tryReserve()).isTrue();
    assertThat(m.slotsInUse()).isEqualTo(2);
    assertThatThrownBy(() -> new ConnectionManager(0, new HostMetrics(null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
  }

  @Test
  void peerStoreEvictsTheLeastRecentlyUsedBeyondItsCapacity() {
    PeerStore store = new PeerStore(2);
    PubKey key = PrivKey.generate(KeyType.ED25519, new SecureRandom()).publicKey();
    PeerId p1 = peer(11);
    PeerId p2 = peer(12);
    PeerId p3 = peer(13);
    store.put(info(p1, key));
    store.put(info(p2, key));
    assertThat(store.get(p1)).isPresent(); // p1 is now the most recently used
    store.put(info(p3, key));
    assertThat(store.size()).isEqualTo(2);
    assertThat(store.get(p2)).isEmpty();
    assertThat(store.get(p1)).isPresent();
    assertThat(store.get(p3)).isPresent();
  }

  private static PeerInfo info(PeerId p, PubKey key) {
    return new PeerInfo(p, key, "ipfs/0.1.0", "test", List.of(), null, List.of("/ipfs/id/1.0.0"), Instant.EPOCH);
  }
}
