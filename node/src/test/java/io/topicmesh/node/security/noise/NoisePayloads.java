package io.topicmesh.node.security.noise;

import io.topicmesh.node.identity.PeerId;
import java.security.SecureRandom;
import java.util.List;

/** The noise handshake's decoders, for tests outside this package (the fuzz targets). */
public final class NoisePayloads {
  private static final SecureRandom RANDOM = new SecureRandom();

  private NoisePayloads() {}

  /** What a verified handshake payload names: the remote peer and its muxers. */
  public record Verified(PeerId peer, List<String> muxers) {}

  /** A remote's handshake payload, checked as the handler does (no expected peer id). */
  public static Verified verify(byte[] payload, byte[] remoteStatic) throws NoiseException {
    NoiseHandshakeHandler.Remote r = NoiseHandshakeHandler.verifyPayload(payload, remoteStatic, null);
    return new Verified(r.peer(), r.muxers());
  }

  /** Message 1 of XX as a responder reads it (an ephemeral key and a plaintext payload). */
  public static byte[] readFirstMessage(byte[] message) throws NoiseException {
    XxHandshakeState responder = new XxHandshakeState(
        false, new byte[0], X25519KeyPair.generate(RANDOM), X25519KeyPair.generate(RANDOM));
    return responder.readMessage(message);
  }
}
