package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.pubsub.wire.MessageId;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class IWantPromisesTest {
  private static final java.security.SecureRandom KEYS = RouterHarness.deterministicRandom(13);
  private final PeerId a = peer();
  private final PeerId b = peer();

  private static PeerId peer() {
    return PeerId.fromPublicKey(PrivKey.generate(KeyType.ED25519, KEYS).publicKey());
  }

  private static MessageId id(int i) {
    return new MessageId(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) (i >> 8), (byte) i}));
  }

  /** Always picks the first id, so the test knows which one stands for the IWANT. */
  private static final RandomGenerator FIRST = () -> 0L;

  @Test
  void aPromiseNotKeptByTheDeadlineIsBrokenOnce() {
    IWantPromises p = new IWantPromises();
    p.add(a, List.of(id(1), id(2)), 3_000, FIRST);
    assertThat(p.expire(2_999)).isEmpty();
    assertThat(p.expire(3_000)).containsExactly(a);
    assertThat(p.expire(10_000)).as("expired promises are forgotten").isEmpty();
    assertThat(p.size()).isZero();
  }

  @Test
  void anyCopyOfThePromisedIdKeepsEveryPromiseForIt() {
    IWantPromises p = new IWantPromises();
    p.add(a, List.of(id(1)), 3_000, FIRST);
    p.add(b, List.of(id(1)), 4_000, FIRST);
    p.fulfilled(id(1));
    assertThat(p.expire(5_000)).isEmpty();
  }

  @Test
  void onlyTheRandomlyPickedIdCounts() {
    IWantPromises p = new IWantPromises();
    p.add(a, List.of(id(1), id(2), id(3)), 3_000, new SplittableRandom(4));
    assertThat(p.size()).isEqualTo(1);
    p.fulfilled(id(1));
    p.fulfilled(id(2));
    p.fulfilled(id(3));
    assertThat(p.expire(3_000)).isEmpty();
  }

  @Test
  void brokenPromisesOfSeveralPeersAreEachCounted() {
    IWantPromises p = new IWantPromises();
    p.add(a, List.of(id(1)), 1_000, FIRST);
    p.add(b, List.of(id(1)), 2_000, FIRST);
    p.add(a, List.of(id(2)), 1_000, FIRST);
    p.add(a, List.of(id(2)), 9_000, FIRST); // the first deadline stands
    assertThat(p.expire(1_000)).containsExactly(a, a);
    assertThat(p.expire(2_000)).containsExactly(b);
  }

  @Test
  void theTableIsBoundedAndAFullTableDrawsNoRandomness() {
    IWantPromises p = new IWantPromises();
    for (int i = 0; i < IWantPromises.MAX_PROMISES; i++) {
      p.add(a, List.of(new MessageId(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(4).putInt(i).array()))), 1_000, FIRST);
    }
    assertThat(p.size()).isEqualTo(IWantPromises.MAX_PROMISES);
    RandomGenerator mustNotBeUsed =
        () -> {
          throw new AssertionError("randomness drawn for a promise that cannot be kept");
        };
    p.add(b, List.of(id(1), id(2)), 1_000, mustNotBeUsed);
    assertThat(p.size()).isEqualTo(IWantPromises.MAX_PROMISES);
  }
}
