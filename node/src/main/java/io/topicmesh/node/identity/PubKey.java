package io.topicmesh.node.identity;

import java.util.Arrays;

/**
 * A libp2p public key (spec: peer-ids, "Keys"). Immutable. Instances come from {@link
 * #unmarshal} or {@link PrivKey#publicKey()}; equality is by the protobuf encoding {@link
 * #bytes()}, from which the {@link PeerId} is derived.
 */
public abstract class PubKey {
  private volatile byte[] encoded;

  PubKey() {}

  /** The key type. */
  public abstract KeyType type();

  /** The {@code Data} field of the protobuf {@code PublicKey}: the type-specific key encoding. */
  public abstract byte[] raw();

  /** The deterministic protobuf {@code PublicKey} encoding (what peer ids are derived from). */
  public final byte[] bytes() {
    return encoding().clone();
  }

  /**
   * Checks {@code signature} over {@code data} with this key's libp2p signature scheme. Returns
   * false, and never throws, for a wrong, malformed or oversized signature.
   */
  public abstract boolean verify(byte[] data, byte[] signature);

  /**
   * Decodes a protobuf {@code PublicKey}.
   *
   * @throws InvalidKeyException for malformed protobuf, an unknown type, or key data that is not a
   *     valid key of its type
   */
  public static PubKey unmarshal(byte[] protobufBytes) {
    KeyProto proto = KeyProto.decode(protobufBytes, "public key");
    try {
      return switch (proto.type) {
        case ED25519 -> Ed25519Keys.publicKey(proto.data);
        case SECP256K1 -> Secp256k1Keys.publicKey(proto.data);
        case ECDSA -> EcdsaKeys.publicKey(proto.data);
        case RSA -> RsaKeys.publicKey(proto.data);
      };
    } catch (InvalidKeyException e) {
      throw e;
    } catch (RuntimeException e) {
      // The ASN.1 parser reports some malformed structures with unchecked exceptions of its own.
      throw new InvalidKeyException(proto.type + " public key is malformed: " + e.getMessage(), e);
    }
  }

  private byte[] encoding() {
    byte[] e = encoded;
    if (e == null) {
      e = KeyProto.encode(type(), raw());
      encoded = e;
    }
    return e;
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof PubKey other && Arrays.equals(encoding(), other.encoding());
  }

  @Override
  public final int hashCode() {
    return Arrays.hashCode(encoding());
  }

  @Override
  public String toString() {
    return "PubKey(" + type() + ", " + PeerId.fromPublicKey(this) + ")";
  }
}
