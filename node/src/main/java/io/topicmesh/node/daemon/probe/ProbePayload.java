package io.topicmesh.node.daemon.probe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The body of one mesh probe, as published on the probe topic:
 *
 * <pre>
 *   magic "tm-probe" (8) | version 1 (1) | flags (1; bit 0 = bye) | interval ms (4, > 0)
 *   | boot id (8) | sequence (8, >= 0) | send time, ns since the epoch (8)
 *   | publisher peer id length (1, 1..127) | publisher peer id, base58 text
 * </pre>
 *
 * <p>The boot id changes every time a node starts, so a restarted publisher (same peer id, sequence
 * back at 0) is told apart from a replay. A bye probe is the last one a publisher sends when it
 * shuts down: receivers stop expecting it at once instead of counting its silence as loss.
 *
 * @param publisher the publishing node's peer id
 * @param bootId random per start of the publisher
 * @param seq sequence number, 0 for the first probe of a boot
 * @param sentEpochNanos the publisher's wall clock when it published
 * @param intervalMillis how often the publisher sends one
 * @param bye the publisher is shutting down
 */
public record ProbePayload(String publisher, long bootId, long seq, long sentEpochNanos, int intervalMillis, boolean bye) {
  static final long MAGIC = 0x746d2d70726f6265L; // "tm-probe"
  static final byte VERSION = 1;
  static final int FIXED = 8 + 1 + 1 + 4 + 8 + 8 + 8 + 1;
  static final int MAX_PEER_ID = 127;
  /** Largest body a probe can have. */
  public static final int MAX_BYTES = FIXED + MAX_PEER_ID;

  public ProbePayload {
    if (publisher.isEmpty() || publisher.getBytes(StandardCharsets.UTF_8).length > MAX_PEER_ID) {
      throw new IllegalArgumentException("publisher peer id must be 1.." + MAX_PEER_ID + " bytes");
    }
    if (seq < 0 || intervalMillis <= 0) {
      throw new IllegalArgumentException("seq must be >= 0 and interval > 0, got " + seq + ", " + intervalMillis);
    }
  }

  public byte[] encode() {
    byte[] id = publisher.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(FIXED + id.length);
    b.putLong(MAGIC).put(VERSION).put((byte) (bye ? 1 : 0)).putInt(intervalMillis).putLong(bootId).putLong(seq)
        .putLong(sentEpochNanos).put((byte) id.length).put(id);
    return b.array();
  }

  /**
   * Decodes a probe body; empty for anything that is not a well-formed version-1 probe (a
   * message on the probe topic from something else is ignored, never trusted).
   */
  public static Optional<ProbePayload> decode(byte[] data) {
    if (data.length < FIXED || data.length > MAX_BYTES) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    if (b.getLong() != MAGIC || b.get() != VERSION) {
      return Optional.empty();
    }
    boolean bye = (b.get() & 1) != 0;
    int interval = b.getInt();
    long boot = b.getLong();
    long seq = b.getLong();
    long sent = b.getLong();
    int len = b.get();
    if (interval <= 0 || seq < 0 || len <= 0 || len != b.remaining()) {
      return Optional.empty();
    }
    byte[] id = new byte[len];
    b.get(id);
    return Optional.of(new ProbePayload(new String(id, StandardCharsets.UTF_8), boot, seq, sent, interval, bye));
  }
}
