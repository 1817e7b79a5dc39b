package io.topicmesh.node.security.noise;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Noise SymmetricState with SHA-256 (HASHLEN 32) and the Noise HKDF built on HMAC-SHA256. */
final class SymmetricState {
  static final int HASH_LENGTH = 32;

  private final CipherState cipher = new CipherState();
  private byte[] chainingKey;
  private byte[] hash;

  SymmetricState(String protocolName) {
    byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
    hash = name.length <= HASH_LENGTH ? java.util.Arrays.copyOf(name, HASH_LENGTH) : sha256(name);
    chainingKey = hash.clone();
  }

  void mixKey(byte[] inputKeyMaterial) {
    byte[][] out = hkdf(chainingKey, inputKeyMaterial);
    chainingKey = out[0];
    cipher.initializeKey(out[1]);
  }

  void mixHash(byte[] data) {
    hash = sha256(hash, data);
  }

  byte[] encryptAndHash(byte[] plaintext) throws NoiseException {
    byte[] ciphertext = cipher.encryptWithAd(hash, plaintext);
    mixHash(ciphertext);
    return ciphertext;
  }

  byte[] decryptAndHash(byte[] ciphertext) throws NoiseException {
    byte[] plaintext = cipher.decryptWithAd(hash, ciphertext);
    mixHash(ciphertext);
    return plaintext;
  }

  boolean hasKey() {
    return cipher.hasKey();
  }

  byte[] handshakeHash() {
    return hash.clone();
  }

  /**
   * {initiator-to-responder, responder-to-initiator} cipher states. The handshake's own cipher
   * state is done with then, and closed (a native AEAD's context freed).
   */
  CipherState[] split() {
    byte[][] keys = hkdf(chainingKey, new byte[0]);
    cipher.close();
    return new CipherState[] {new CipherState(keys[0]), new CipherState(keys[1])};
  }

  /** Noise's HKDF with two outputs. */
  static byte[][] hkdf(byte[] chainingKey, byte[] inputKeyMaterial) {
    byte[] tempKey = hmac(chainingKey, inputKeyMaterial);
    byte[] out1 = hmac(tempKey, new byte[] {1});
    byte[] in2 = java.util.Arrays.copyOf(out1, HASH_LENGTH + 1);
    in2[HASH_LENGTH] = 2;
    byte[] out2 = hmac(tempKey, in2);
    return new byte[][] {out1, out2};
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  static byte[] sha256(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }
}
