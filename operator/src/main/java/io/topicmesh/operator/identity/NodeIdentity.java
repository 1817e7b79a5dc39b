package io.topicmesh.operator.identity;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;

/**
 * A node's libp2p Ed25519 identity as the operator stores it in the node's identity Secret.
 *
 * <p>Encodings follow the libp2p peer-ids spec: the private key file is the protobuf
 * {@code PrivateKey{Type=Ed25519(1), Data=seed||publicKey}}, the public key protobuf is
 * {@code 08 01 12 20 || publicKey}, and the PeerId is the base58btc identity multihash
 * ({@code 0x00 0x24 || publicKeyProtobuf}) because that key is at most 42 bytes.
 */
public final class NodeIdentity {
  private static final int KEY_TYPE_ED25519 = 1;
  private static final int SEED_LENGTH = 32;
  private static final int PUBLIC_LENGTH = 32;
  /** The X.509 SubjectPublicKeyInfo prefix the JDK puts before a raw Ed25519 public key. */
  private static final int SPKI_PREFIX_LENGTH = 12;

  private final byte[] seed;
  private final byte[] publicKey;

  private NodeIdentity(byte[] seed, byte[] publicKey) {
    this.seed = seed;
    this.publicKey = publicKey;
  }

  /** A fresh identity from the given randomness. */
  public static NodeIdentity generate(SecureRandom random) {
    byte[] seed = new byte[SEED_LENGTH];
    random.nextBytes(seed);
    return fromSeed(seed);
  }

  /** The identity whose private key is the given 32-byte Ed25519 seed (RFC 8032). */
  public static NodeIdentity fromSeed(byte[] seed) {
    if (seed.length != SEED_LENGTH) {
      throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
    }
    try {
      // The JDK derives the key pair from the first 32 random bytes it draws; feeding it the seed
      // is the only public way to get the public key of a known seed.
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new FixedBytes(seed));
      var pair = generator.generateKeyPair();
      byte[] spki = pair.getPublic().getEncoded();
      byte[] pub = Arrays.copyOfRange(spki, SPKI_PREFIX_LENGTH, spki.length);
      byte[] derivedSeed = ((EdECPrivateKey) pair.getPrivate()).getBytes().orElseThrow();
      if (!Arrays.equals(derivedSeed, seed) || pub.length != PUBLIC_LENGTH) {
        throw new IllegalStateException("JDK Ed25519 key generation did not use the given seed");
      }
      return new NodeIdentity(seed.clone(), pub);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available in this JDK", e);
    }
  }

  /**
   * Parses a libp2p protobuf PrivateKey holding an Ed25519 key and checks that its public half
   * matches its seed. Throws IllegalArgumentException saying what is wrong.
   */
  public static NodeIdentity fromPrivateKeyProtobuf(byte[] encoded) {
    int type = -1;
    byte[] data = null;
    int i = 0;
    while (i < encoded.length) {
      int tag = encoded[i++] & 0xff;
      if (tag == 0x08) {
        if (i >= encoded.length) {
          throw new IllegalArgumentException("PrivateKey: truncated Type");
        }
        type = encoded[i++] & 0xff;
        if (type > 0x7f) {
          throw new IllegalArgumentException("PrivateKey: unsupported key type varint");
        }
      } else if (tag == 0x12) {
        if (i >= encoded.length) {
          throw new IllegalArgumentException("PrivateKey: truncated Data length");
        }
        int len = encoded[i++] & 0xff;
        if (len > 0x7f || i + len > encoded.length) {
          throw new IllegalArgumentException("PrivateKey: Data length " + len + " does not fit");
        }
        data = Arrays.copyOfRange(encoded, i, i + len);
        i += len;
      } else {
        throw new IllegalArgumentException("PrivateKey: unexpected field tag 0x" + Integer.toHexString(tag));
      }
    }
    if (type != KEY_TYPE_ED25519) {
      throw new IllegalArgumentException("PrivateKey: expected Type Ed25519 (1), got " + type);
    }
    if (data == null || data.length != SEED_LENGTH + PUBLIC_LENGTH) {
      throw new IllegalArgumentException("PrivateKey: Ed25519 Data must be 64 bytes (seed || public key)");
    }
    NodeIdentity identity = fromSeed(Arrays.copyOf(data, SEED_LENGTH));
    if (!Arrays.equals(identity.publicKey, Arrays.copyOfRange(data, SEED_LENGTH, data.length))) {
      throw new IllegalArgumentException("PrivateKey: public key does not belong to the seed");
    }
    return identity;
  }

  /** The libp2p protobuf PrivateKey: {@code 08 01 12 40 || seed || publicKey}. */
  public byte[] privateKeyProtobuf() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(68);
    out.write(0x08);
    out.write(KEY_TYPE_ED25519);
    out.write(0x12);
    out.write(SEED_LENGTH + PUBLIC_LENGTH);
    out.writeBytes(seed);
    out.writeBytes(publicKey);
    return out.toByteArray();
  }

  /** The libp2p protobuf PublicKey: {@code 08 01 12 20 || publicKey}. */
  public byte[] publicKeyProtobuf() {
    return publicKeyProtobuf(publicKey);
  }

  static byte[] publicKeyProtobuf(byte[] publicKey) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(36);
    out.write(0x08);
    out.write(KEY_TYPE_ED25519);
    out.write(0x12);
    out.write(PUBLIC_LENGTH);
    out.writeBytes(publicKey);
    return out.toByteArray();
  }

  /** The PeerId text (base58btc identity multihash of the public key protobuf). */
  public String peerId() {
    return peerIdOfPublicKey(publicKey);
  }

  /** The PeerId of a raw 32-byte Ed25519 public key. */
  public static String peerIdOfPublicKey(byte[] publicKey) {
    if (publicKey.length != PUBLIC_LENGTH) {
      throw new IllegalArgumentException("Ed25519 public key must be 32 bytes, got " + publicKey.length);
    }
    byte[] proto = publicKeyProtobuf(publicKey);
    byte[] multihash = new byte[2 + proto.length];
    multihash[0] = 0x00; // identity multihash code
    multihash[1] = (byte) proto.length;
    System.arraycopy(proto, 0, multihash, 2, proto.length);
    return Base58.encode(multihash);
  }

  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** Hands the JDK a fixed seed as its "randomness". */
  private static final class FixedBytes extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    FixedBytes(byte[] bytes) {
      this.bytes = bytes.clone();
    }

    @Override
    public void nextBytes(byte[] out) {
      if (out.length != bytes.length) {
        throw new IllegalStateException("expected a request for " + bytes.length + " bytes, got " + out.length);
      }
      System.arraycopy(bytes, 0, out, 0, out.length);
    }
  }
}
