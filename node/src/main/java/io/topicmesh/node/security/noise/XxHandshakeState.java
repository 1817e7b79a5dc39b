package io.topicmesh.node.security.noise;

import io.topicmesh.node.security.noise.NoiseException.Reason;
import java.util.Arrays;

/**
 * Noise HandshakeState for the one pattern libp2p uses, with 25519, ChaChaPoly and SHA-256:
 *
 * <pre>
 * XX:
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 * </pre>
 *
 * Messages alternate initiator, responder, initiator; {@link #writeMessage} and {@link
 * #readMessage} enforce whose turn it is. After the third message {@link #split()} gives the
 * transport cipher states. Keys are injected so test vectors can fix them.
 */
final class XxHandshakeState {
  static final String PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";
  static final int DH_LENGTH = X25519KeyPair.KEY_LENGTH;
  private static final int TAG = CipherState.TAG_LENGTH;

  private final boolean initiator;
  private final SymmetricState symmetric = new SymmetricState(PROTOCOL_NAME);
  private final X25519KeyPair s;
  private final X25519KeyPair e;
  private byte[] rs;
  private byte[] re;
  private int messageIndex;

  XxHandshakeState(boolean initiator, byte[] prologue, X25519KeyPair s, X25519KeyPair e) {
    this.initiator = initiator;
    this.s = s;
    this.e = e;
    symmetric.mixHash(prologue);
  }

  boolean isComplete() {
    return messageIndex == 3;
  }

  /** Whether the next message is ours to write. */
  boolean isMyTurn() {
    return !isComplete() && (messageIndex % 2 == 0) == initiator;
  }

  /** The remote's static X25519 public key, known after message 2 (initiator) or 3. */
  byte[] remoteStaticKey() {
    return rs == null ? null : rs.clone();
  }

  byte[] localStaticKey() {
    return s.publicKey();
  }

  byte[] handshakeHash() {
    return symmetric.handshakeHash();
  }

  byte[] writeMessage(byte[] payload) throws NoiseException {
    if (!isMyTurn()) {
      throw new IllegalStateException("not our turn to write message " + (messageIndex + 1));
    }
    byte[] out;
    switch (messageIndex) {
      case 0 -> {
        byte[] ePub = e.publicKey();
        symmetric.mixHash(ePub);
        out = concat(ePub, symmetric.encryptAndHash(payload));
      }
      case 1 -> {
        byte[] ePub = e.publicKey();
        symmetric.mixHash(ePub);
        symmetric.mixKey(e.dh(re));
        byte[] sEnc = symmetric.encryptAndHash(s.publicKey());
        symmetric.mixKey(s.dh(re));
        out = concat(ePub, sEnc, symmetric.encryptAndHash(payload));
      }
      default -> {
        byte[] sEnc = symmetric.encryptAndHash(s.publicKey());
        symmetric.mixKey(s.dh(re));
        out = concat(sEnc, symmetric.encryptAndHash(payload));
      }
    }
    messageIndex++;
    return out;
  }

  /** Processes the remote's next message and returns its decrypted payload. */
  byte[] readMessage(byte[] message) throws NoiseException {
    if (isMyTurn() || isComplete()) {
      throw new IllegalStateException("not expecting message " + (messageIndex + 1));
    }
    byte[] payload;
    switch (messageIndex) {
      case 0 -> {
        requireLength(message, DH_LENGTH);
        re = Arrays.copyOfRange(message, 0, DH_LENGTH);
        symmetric.mixHash(re);
        payload = symmetric.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH, message.length));
      }
      case 1 -> {
        requireLength(message, DH_LENGTH + DH_LENGTH + TAG + TAG);
        re = Arrays.copyOfRange(message, 0, DH_LENGTH);
        symmetric.mixHash(re);
        symmetric.mixKey(e.dh(re));
        rs =
            symmetric.decryptAndHash(
                Arrays.copyOfRange(message, DH_LENGTH, DH_LENGTH + DH_LENGTH + TAG));
        symmetric.mixKey(e.dh(rs));
        payload =
            symmetric.decryptAndHash(
                Arrays.copyOfRange(message, DH_LENGTH + DH_LENGTH + TAG, message.length));
      }
      default -> {
        requireLength(message, DH_LENGTH + TAG + TAG);
        rs = symmetric.decryptAndHash(Arrays.copyOfRange(message, 0, DH_LENGTH + TAG));
        symmetric.mixKey(e.dh(rs));
        payload =
            symmetric.decryptAndHash(Arrays.copyOfRange(message, DH_LENGTH + TAG, message.length));
      }
    }
    messageIndex++;
    return payload;
  }

  /** {send, receive} cipher states for this side; only after the third message. */
  CipherState[] split() {
    if (!isComplete()) {
      throw new IllegalStateException("handshake not complete");
    }
    CipherState[] c = symmetric.split();
    return initiator ? c : new CipherState[] {c[1], c[0]};
  }

  private void requireLength(byte[] message, int min) throws NoiseException {
    if (message.length < min) {
      throw new NoiseException(
          Reason.MALFORMED_MESSAGE,
          "handshake message "
              + (messageIndex + 1)
              + " has "
              + message.length
              + " bytes, needs at least "
              + min);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int off = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, off, p.length);
      off += p.length;
    }
    return out;
  }
}
