package io.topicmesh.node.security.noise;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PubKey;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verify-once cache of remotes' handshake identities: (identity key encoding, static Noise key,
 * signature) triples whose signature verified, with the decoded key and peer id.
 *
 * <p>A peer that reconnects (or a host that dials the same peers again) presents the same static
 * key and the same signature every time (noise-libp2p peers, ours included, keep their static
 * key), so its Ed25519 verification and key decoding are done once. The entry is keyed by the
 * exact bytes of all three, so a hit proves exactly what a fresh verification would (a signature
 * check is a pure function of them); only successes are stored, so failures are always re-checked.
 * Bounded: at most {@link #CAPACITY} entries, least recently used evicted. Thread-safe.
 */
final class VerifiedStaticKeys {
  /**
   * Most remembered identities (about 200 bytes each): 1024, or the system property {@code
   * topicmesh.noise.verifiedKeys} (0 turns the cache off, e.g. to measure handshakes that all
   * verify).
   */
  static final int CAPACITY = Math.max(0, Integer.getInteger("topicmesh.noise.verifiedKeys", 1024));

  /** The shared cache of the process. */
  static final VerifiedStaticKeys SHARED = new VerifiedStaticKeys(CAPACITY);

  record Identity(PubKey key, PeerId peer) {}

  private final int capacity;
  private final Map<ByteBuffer, Identity> entries;

  VerifiedStaticKeys(int capacity) {
    this.capacity = capacity;
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ByteBuffer, Identity> eldest) {
            return size() > VerifiedStaticKeys.this.capacity;
          }
        };
  }

  /** The identity verified earlier for exactly these bytes, or null. */
  synchronized Identity get(byte[] identityKey, byte[] staticKey, byte[] signature) {
    return entries.get(key(identityKey, staticKey, signature));
  }

  /** Remembers a verified identity (call only after its signature verified). */
  synchronized void put(byte[] identityKey, byte[] staticKey, byte[] signature, Identity identity) {
    entries.put(key(identityKey, staticKey, signature), identity);
  }

  synchronized int size() {
    return entries.size();
  }

  private static ByteBuffer key(byte[] identityKey, byte[] staticKey, byte[] signature) {
    // Length-prefixed, so that no two different triples concatenate to the same bytes.
    ByteBuffer b = ByteBuffer.allocate(12 + identityKey.length + staticKey.length + signature.length);
    b.putInt(identityKey.length).put(identityKey);
    b.putInt(staticKey.length).put(staticKey);
    b.putInt(signature.length).put(signature);
    return b.flip();
  }
}
