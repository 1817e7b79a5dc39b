package io.topicmesh.node.identity;

/** The libp2p key types, with their {@code KeyType} numbers in the key protobuf. */
public enum KeyType {
  RSA(0),
  ED25519(1),
  SECP256K1(2),
  ECDSA(3);

  private final int protoCode;

  KeyType(int protoCode) {
    this.protoCode = protoCode;
  }

  /** The value of the protobuf {@code Type} field. */
  public int protoCode() {
    return protoCode;
  }

  /**
   * The key type for a protobuf {@code Type} value.
   *
   * @throws InvalidKeyException for a value libp2p does not define
   */
  public static KeyType fromProtoCode(int code) {
    for (KeyType t : values()) {
      if (t.protoCode == code) {
        return t;
      }
    }
    throw new InvalidKeyException("unknown key type " + code + " (expected 0..3)");
  }
}
