package io.topicmesh.node.daemon;

import java.nio.ByteBuffer;

/**
 * Test-load message bodies that carry their publish time, so receivers can measure delivery
 * latency: an 8-byte magic, the publisher's wall clock in nanoseconds since the epoch, then
 * padding up to the requested size. Any other message simply has no latency sample.
 */
public final class LoadPayload {
  static final long MAGIC = 0x746d2d6c6f616431L; // "tm-load1"
  public static final int HEADER = 16;

  private static final long BASE_EPOCH_NANOS = System.currentTimeMillis() * 1_000_000L;
  private static final long BASE_NANO = System.nanoTime();

  private LoadPayload() {}

  /** Wall clock in nanoseconds with nanoTime's resolution (one base per JVM). */
  public static long nowEpochNanos() {
    return BASE_EPOCH_NANOS + (System.nanoTime() - BASE_NANO);
  }

  public static byte[] create(int size) {
    byte[] b = new byte[Math.max(HEADER, size)];
    ByteBuffer.wrap(b).putLong(MAGIC).putLong(nowEpochNanos());
    return b;
  }

  /** Publish time of a load message, or -1 when {@code data} is not one. */
  public static long publishedAt(byte[] data) {
    if (data.length < HEADER) {
      return -1;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    return b.getLong() == MAGIC ? b.getLong() : -1;
  }
}
