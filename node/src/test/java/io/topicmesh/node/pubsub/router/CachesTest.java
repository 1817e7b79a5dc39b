package io.topicmesh.node.pubsub.router;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.topicmesh.node.pubsub.wire.MessageId;
import io.topicmesh.node.pubsub.wire.PubsubMessage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachesTest {
  static MessageId id(int i) {
    return MessageId.of(new byte[] {(byte) i});
  }

  static PubsubMessage msg(String topic, int i) {
    return PubsubMessage.anonymous(topic, ByteString.copyFrom(new byte[] {(byte) i}));
  }

  @Test
  void messageCacheGossipsNewestWindowsAndForgetsAfterHistory() {
    MessageCache<String> mc = new MessageCache<>(3, 2, 1000);
    mc.put(id(1), msg("a", 1));
    mc.put(id(2), msg("b", 2));
    mc.shift();
    mc.put(id(3), msg("a", 3));
    assertThat(mc.gossipIds("a")).containsExactly(id(3), id(1));
    mc.shift();
    assertThat(mc.gossipIds("a")).containsExactly(id(3));
    assertThat(mc.get(id(1))).isNotNull();
    mc.shift();
    assertThat(mc.get(id(1))).isNull();
    assertThat(mc.get(id(3))).isNotNull();
    assertThat(mc.size()).isEqualTo(1);
  }

  @Test
  void retransmissionLimitIsPerPeer() {
    MessageCache<String> mc = new MessageCache<>(5, 3, 1000);
    mc.put(id(1), msg("a", 1));
    assertThat(mc.getForPeer(id(1), "p", 2)).isNotNull();
    assertThat(mc.getForPeer(id(1), "p", 2)).isNotNull();
    assertThat(mc.getForPeer(id(1), "p", 2)).isNull();
    assertThat(mc.getForPeer(id(1), "q", 2)).isNotNull();
    assertThat(mc.getForPeer(id(9), "q", 2)).isNull();
  }

  @Test
  void messageCacheIsBounded() {
    MessageCache<String> mc = new MessageCache<>(5, 3, 3);
    for (int i = 0; i < 10; i++) {
      mc.put(id(i), msg("a", i));
    }
    assertThat(mc.size()).isEqualTo(3);
    assertThat(mc.get(id(9))).isNotNull();
    assertThat(mc.get(id(0))).isNull();
    assertThat(mc.gossipIds("a")).containsExactly(id(7), id(8), id(9));
  }

  @Test
  void messageCacheIsBoundedInBytes() {
    long perEntry = 1000 + 1 + MessageCache.ENTRY_OVERHEAD;
    MessageCache<String> mc = new MessageCache<>(5, 3, 1000, perEntry * 4);
    for (int i = 0; i < 10; i++) {
      mc.put(id(i), PubsubMessage.anonymous("a", ByteString.copyFrom(new byte[1000])));
    }
    assertThat(mc.size()).isEqualTo(4);
    assertThat(mc.bytes()).isEqualTo(perEntry * 4);
    assertThat(mc.get(id(9))).isNotNull();
    assertThat(mc.get(id(5))).isNull();
    mc.shift();
    mc.shift();
    mc.shift();
    mc.shift();
    mc.shift();
    assertThat(mc.size()).isZero();
    assertThat(mc.bytes()).isZero();
  }

  @Test
  void seenCacheExpiresAfterTtl() {
    AtomicLong now = new AtomicLong(1000);
    SeenCache<MessageId> seen = new SeenCache<>(120_000, 100, now::get);
    assertThat(seen.add(id(1))).isTrue();
    assertThat(seen.add(id(1))).isFalse();
    now.addAndGet(119_999);
    assertThat(seen.contains(id(1))).isTrue();
    now.addAndGet(1);
    assertThat(seen.contains(id(1))).isFalse();
    assertThat(seen.add(id(1))).isTrue();
  }

  @Test
  void seenCacheIsBounded() {
    AtomicLong now = new AtomicLong();
    SeenCache<Integer> seen = new SeenCache<>(1000, 3, now::get);
    for (int i = 0; i < 5; i++) {
      seen.add(i);
    }
    assertThat(seen.size()).isEqualTo(3);
    assertThat(seen.contains(0)).isFalse();
    assertThat(seen.contains(4)).isTrue();
  }

  @Test
  void seenCacheExpiresInOrderAcrossTtlChangesAndRemovals() {
    AtomicLong now = new AtomicLong();
    SeenCache<Integer> seen = new SeenCache<>(1000, 100, now::get);
    seen.add(1); // expires at 1000
    now.set(100);
    seen.add(2); // 1100
    seen.remove(1);
    now.set(1050);
    assertThat(seen.contains(2)).isTrue();
    assertThat(seen.size()).isEqualTo(1);
    seen.setTtl(10);
    seen.add(3); // 1060: newer than 2 but expires first; expiry is walked from the oldest, as ever
    now.set(1070);
    assertThat(seen.contains(3)).isTrue();
    now.set(1100);
    assertThat(seen.contains(2)).isFalse();
    assertThat(seen.contains(3)).isFalse();
    assertThat(seen.size()).isZero();
    seen.add(4);
    now.set(1109);
    assertThat(seen.contains(4)).isTrue();
    now.set(1110);
    assertThat(seen.contains(4)).isFalse();
  }
}
