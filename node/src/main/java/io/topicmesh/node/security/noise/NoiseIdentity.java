package io.topicmesh.node.security.noise;

import io.topicmesh.node.identity.PrivKey;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * A host's static Noise key: an X25519 key pair and the libp2p identity key's signature over {@code
 * "noise-libp2p-static-key:" || public key}, made once and reused by every handshake of the host.
 *
 * <p>noise-libp2p lets a peer keep one static key for many sessions; the identity signature binds it
 * to the peer id either way, and each session still gets fresh ephemeral keys (XX's {@code e}), so
 * its transport keys are new. Reusing it saves one X25519 key generation and one Ed25519 signature
 * per handshake on each side. Immutable and thread-safe: one per host, shared by its connections.
 */
public final class NoiseIdentity {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivKey identity;
  private final X25519KeyPair staticKey;
  private final byte[] signature;

  private NoiseIdentity(PrivKey identity, X25519KeyPair staticKey) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.staticKey = staticKey;
    byte[] pub = staticKey.publicKey();
    byte[] signed = new byte[NoiseHandshakeHandler.SIGNATURE_PREFIX.length + pub.length];
    System.arraycopy(NoiseHandshakeHandler.SIGNATURE_PREFIX, 0, signed, 0, NoiseHandshakeHandler.SIGNATURE_PREFIX.length);
    System.arraycopy(pub, 0, signed, NoiseHandshakeHandler.SIGNATURE_PREFIX.length, pub.length);
    this.signature = identity.sign(signed);
  }

  /** A new static X25519 key for {@code identity}, signed by it. */
  public static NoiseIdentity generate(PrivKey identity) {
    // Decides (and logs) the session AEAD now, when the host is made, not at its first handshake.
    AeadChoice.selected();
    return new NoiseIdentity(identity, X25519KeyPair.generate(RANDOM));
  }

  /** The libp2p identity key. */
  public PrivKey identityKey() {
    return identity;
  }

  X25519KeyPair staticKey() {
    return staticKey;
  }

  /** The identity signature over the static public key (a copy). */
  byte[] signature() {
    return signature.clone();
  }
}
