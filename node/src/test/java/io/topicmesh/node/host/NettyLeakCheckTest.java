package io.topicmesh.node.host;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check must be able to fail, or it proves nothing. */
class NettyLeakCheckTest {
  @Test
  void aLeakedBufferIsReported() {
    NettyLeakCheck.check("before");
    leak();
    assertThatThrownBy(() -> NettyLeakCheck.check("leaky"))
        .isInstanceOf(AssertionError.class).hasMessageContaining("leak");
  }

  private static void leak() {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(64);
    buf.writeLong(42);
  }
}
