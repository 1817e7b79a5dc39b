package io.topicmesh.node.security.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.topicmesh.node.identity.KeyType;
import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.identity.PrivKey;
import io.topicmesh.node.security.noise.pb.NoiseProtos.NoiseHandshakePayload;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class VerifiedStaticKeysTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static VerifiedStaticKeys.Identity identity() {
    PrivKey k = PrivKey.generate(KeyType.ED25519, RANDOM);
    return new VerifiedStaticKeys.Identity(k.publicKey(), PeerId.fromPublicKey(k.publicKey()));
  }

  private static byte[] payload(byte[] identityKey, byte[] signature) {
    return NoiseHandshakePayload.newBuilder()
        .setIdentityKey(ByteString.copyFrom(identityKey))
        .setIdentitySig(ByteString.copyFrom(signature))
        .build()
        .toByteArray();
  }

  @Test
  void hitsOnlyOnExactlyTheSameBytes() {
    VerifiedStaticKeys cache = new VerifiedStaticKeys(8);
    VerifiedStaticKeys.Identity id = identity();
    byte[] key = {1, 2, 3};
    byte[] stat = {4, 5};
    byte[] sig = {6, 7, 8};
    cache.put(key, stat, sig, id);
    assertSame(id, cache.get(key.clone(), stat.clone(), sig.clone()));
    assertNull(cache.get(key, stat, new byte[] {6, 7, 9}), "another signature");
    assertNull(cache.get(key, new byte[] {4, 6}, sig), "another static key");
    assertNull(cache.get(new byte[] {1, 2}, new byte[] {3, 4, 5}, sig), "same concatenation, other split");
  }

  @Test
  void evictsTheLeastRecentlyUsedBeyondCapacity() {
    VerifiedStaticKeys cache = new VerifiedStaticKeys(2);
    VerifiedStaticKeys.Identity id = identity();
    cache.put(new byte[] {1}, new byte[] {1}, new byte[] {1}, id);
    cache.put(new byte[] {2}, new byte[] {2}, new byte[] {2}, id);
    assertNotNull(cache.get(new byte[] {1}, new byte[] {1}, new byte[] {1})); // 1 is now the newest
    cache.put(new byte[] {3}, new byte[] {3}, new byte[] {3}, id);
    assertEquals(2, cache.size());
    assertNull(cache.get(new byte[] {2}, new byte[] {2}, new byte[] {2}));
    assertNotNull(cache.get(new byte[] {1}, new byte[] {1}, new byte[] {1}));
  }

  @Test
  void capacityZeroRemembersNothing() {
    VerifiedStaticKeys cache = new VerifiedStaticKeys(0);
    cache.put(new byte[] {1}, new byte[] {1}, new byte[] {1}, identity());
    assertNull(cache.get(new byte[] {1}, new byte[] {1}, new byte[] {1}));
    assertEquals(0, cache.size());
  }

  @Test
  void aTamperedSignatureForAKnownStaticKeyIsStillRejected() throws Exception {
    PrivKey remote = PrivKey.generate(KeyType.ED25519, RANDOM);
    NoiseIdentity ni = NoiseIdentity.generate(remote);
    byte[] stat = ni.staticKey().publicKey();
    byte[] good = payload(remote.publicKey().bytes(), ni.signature());
    NoiseHandshakeHandler.verifyPayload(good, stat, null); // verified and remembered
    byte[] sig = ni.signature();
    sig[0] ^= 1;
    byte[] bad = payload(remote.publicKey().bytes(), sig);
    NoiseException e =
        assertThrows(NoiseException.class, () -> NoiseHandshakeHandler.verifyPayload(bad, stat, null));
    assertEquals(NoiseException.Reason.BAD_SIGNATURE, e.reason());
    // and the good one still passes, now from the cache
    assertEquals(PeerId.fromPublicKey(remote.publicKey()), NoiseHandshakeHandler.verifyPayload(good, stat, null).peer());
  }
}
