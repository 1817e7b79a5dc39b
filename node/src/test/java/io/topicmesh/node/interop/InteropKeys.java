package io.topicmesh.node.interop;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The interop peers' {@code --key-seed} derivation, so a Java test can give our node the same kind
 * of identity or know a peer's key before starting it: the Ed25519 private-key seed is
 * {@code SHA-256(UTF-8("topicmesh-interop-key-seed:" + n))}.
 */
public final class InteropKeys {
  private InteropKeys() {}

  /** The 32-byte Ed25519 private-key seed for {@code --key-seed n}. */
  public static byte[] ed25519Seed(String n) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(("topicmesh-interop-key-seed:" + n).getBytes(UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** The libp2p {@code PublicKey} protobuf (Type = Ed25519, Data = 32 bytes) for {@code --key-seed n}, base64. */
  public static String publicKeyProtobufBase64(String n) {
    byte[] pub = new Ed25519PrivateKeyParameters(ed25519Seed(n), 0).generatePublicKey().getEncoded();
    ByteArrayOutputStream pb = new ByteArrayOutputStream();
    pb.write(0x08); // field 1 (Type), varint
    pb.write(0x01); // KeyType.Ed25519
    pb.write(0x12); // field 2 (Data), length-delimited
    pb.write(pub.length);
    pb.writeBytes(pub);
    return Base64.getEncoder().encodeToString(pb.toByteArray());
  }
}
