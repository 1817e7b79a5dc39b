package io.topicmesh.node.identity;

import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * A libp2p private key. Immutable. {@link #bytes()} is the protobuf {@code PrivateKey} that
 * libp2p implementations store on disk (see {@link KeyFile}). {@link #toString()} never shows key
 * material.
 */
public abstract class PrivKey {
  PrivKey() {}

  /** The key type. */
  public abstract KeyType type();

  /** The matching public key. */
  public abstract PubKey publicKey();

  /** Signs {@code data} with this key's libp2p signature scheme. */
  public abstract byte[] sign(byte[] data);

  /** The {@code Data} field of the protobuf {@code PrivateKey}. */
  public abstract byte[] raw();

  /** The protobuf {@code PrivateKey} encoding. */
  public final byte[] bytes() {
    return KeyProto.encode(type(), raw());
  }

  /**
   * Decodes a protobuf {@code PrivateKey}.
   *
   * @throws InvalidKeyException for malformed protobuf, an unknown type or invalid key data
   */
  public static PrivKey unmarshal(byte[] protobufBytes) {
    KeyProto proto = KeyProto.decode(protobufBytes, "private key");
    try {
      return switch (proto.type) {
        case ED25519 -> Ed25519Keys.privateKey(proto.data);
        case SECP256K1 -> Secp256k1Keys.privateKey(proto.data);
        case ECDSA -> EcdsaKeys.privateKey(proto.data);
        case RSA -> RsaKeys.privateKey(proto.data);
      };
    } catch (InvalidKeyException e) {
      throw e;
    } catch (RuntimeException e) {
      // The ASN.1 parser reports some malformed structures with unchecked exceptions of its own.
      throw new InvalidKeyException(proto.type + " private key is malformed: " + e.getMessage(), e);
    }
  }

  /**
   * Generates a new key: RSA keys have 2048 bits, ECDSA keys use P-256.
   *
   * @param random the entropy source (tests may pass a seeded one)
   */
  public static PrivKey generate(KeyType type, SecureRandom random) {
    return switch (type) {
      case ED25519 -> Ed25519Keys.generate(random);
      case SECP256K1 -> Secp256k1Keys.generate(random);
      case ECDSA -> EcdsaKeys.generate(random);
      case RSA -> RsaKeys.generate(random);
    };
  }

  @Override
  public final boolean equals(Object o) {
    // Constant time: key material should not leak through comparison timing.
    return o instanceof PrivKey other && MessageDigest.isEqual(bytes(), other.bytes());
  }

  @Override
  public final int hashCode() {
    return publicKey().hashCode();
  }

  @Override
  public String toString() {
    return "PrivKey(" + type() + ", " + PeerId.fromPublicKey(publicKey()) + ")";
  }
}
