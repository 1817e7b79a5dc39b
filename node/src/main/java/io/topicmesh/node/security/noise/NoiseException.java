package io.topicmesh.node.security.noise;

/** A Noise handshake or transport failure; {@link #reason()} says what went wrong. */
public final class NoiseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a Noise session failed. Also the label of the failure counters. */
  public enum Reason {
    /** The handshake did not complete within its timeout. */
    TIMEOUT,
    /** A ciphertext failed authentication (wrong key, tampering, reordering). */
    BAD_MAC,
    /** A frame or handshake message of the wrong length or shape. */
    MALFORMED_MESSAGE,
    /** The handshake payload is not a valid NoiseHandshakePayload or lacks a field. */
    INVALID_PAYLOAD,
    /** The identity key or a Diffie-Hellman public key is unusable. */
    INVALID_KEY,
    /** The identity signature over the static Noise key does not verify. */
    BAD_SIGNATURE,
    /** The remote proved an identity other than the one we dialled. */
    PEER_ID_MISMATCH,
    /** The channel closed mid-handshake. */
    UNEXPECTED_EOF,
    /** 2^64-1 messages under one key: the session must end. */
    NONCE_EXHAUSTED,
    /** The channel reported an error, or a write failed. */
    CHANNEL_ERROR
  }

  private final Reason reason;

  public NoiseException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
