package io.topicmesh.node.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class VarintTest {
  @Test
  void encodesSpecExamples() {
    // multiformats/unsigned-varint README examples
    assertThat(Varint.encode(1)).containsExactly(0x01);
    assertThat(Varint.encode(127)).containsExactly(0x7f);
    assertThat(Varint.encode(128)).containsExactly(0x80, 0x01);
    assertThat(Varint.encode(255)).containsExactly(0xff, 0x01);
    assertThat(Varint.encode(300)).containsExactly(0xac, 0x02);
    assertThat(Varint.encode(16384)).containsExactly(0x80, 0x80, 0x01);
  }

  @Test
  void roundTripsThroughByteBuf() {
    ByteBuf buf = Unpooled.buffer();
    try {
      long[] values = {0, 1, 127, 128, 300, 65535, 1L << 40, Long.MAX_VALUE};
      for (long v : values) {
        Varint.write(buf, v);
      }
      for (long v : values) {
        assertThat(Varint.tryRead(buf, Long.MAX_VALUE)).isEqualTo(v);
      }
      assertThat(buf.isReadable()).isFalse();
    } finally {
      buf.release();
    }
  }

  @Test
  void incompleteVarintLeavesReaderIndex() {
    ByteBuf buf = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, (byte) 0x80});
    try {
      assertThat(Varint.tryRead(buf, Long.MAX_VALUE)).isEqualTo(Varint.INCOMPLETE);
      assertThat(buf.readerIndex()).isZero();
    } finally {
      buf.release();
    }
  }

  @Test
  void rejectsOverlongNonMinimalAndOversized() {
    ByteBuf overlong = Unpooled.wrappedBuffer(new byte[] {
        (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
        (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01});
    ByteBuf nonMinimal = Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 0x00});
    ByteBuf big = Unpooled.wrappedBuffer(Varint.encode(70_000));
    try {
      assertThatThrownBy(() -> Varint.tryRead(overlong, Long.MAX_VALUE)).hasMessageContaining("longer");
      assertThatThrownBy(() -> Varint.tryRead(nonMinimal, Long.MAX_VALUE)).hasMessageContaining("minimal");
      assertThatThrownBy(() -> Varint.tryRead(big, 65_535)).hasMessageContaining("exceeds the limit 65535");
    } finally {
      overlong.release();
      nonMinimal.release();
      big.release();
    }
  }

  @Test
  void decodesFromArrays() {
    assertThat(Varint.decode(new byte[] {9, (byte) 0xac, 0x02}, 1, 1000)).containsExactly(300, 2);
    assertThatThrownBy(() -> Varint.decode(new byte[] {(byte) 0xac}, 0, 1000))
        .hasMessageContaining("ends inside");
  }
}
