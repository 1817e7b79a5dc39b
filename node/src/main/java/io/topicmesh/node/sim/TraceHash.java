package io.topicmesh.node.sim;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 over the canonical event stream: every RPC delivered (time, sender, receiver, size) and
 * every message delivered to a subscriber (time, router, message, hop). Fixed-width big-endian
 * records, buffered, so two runs agree on the hash exactly when they agree on every event.
 */
final class TraceHash {
  private final MessageDigest sha;
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
  private long records;

  TraceHash() {
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  void record(byte kind, long at, int a, int b, int c) {
    if (buf.remaining() < 21) {
      flush();
    }
    buf.put(kind).putLong(at).putInt(a).putInt(b).putInt(c);
    records++;
  }

  long records() {
    return records;
  }

  private void flush() {
    buf.flip();
    sha.update(buf);
    buf.clear();
  }

  String hex() {
    flush();
    return HexFormat.of().formatHex(sha.digest());
  }
}
