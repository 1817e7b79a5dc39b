/**
 * noise-libp2p (libp2p specs: noise/README.md): Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p
 * handshake payload, over 2-byte length-prefixed frames.
 *
 * <p>{@link io.topicmesh.node.security.noise.NoiseHandshakeHandler} runs the handshake and replaces
 * itself with a {@link io.topicmesh.node.security.noise.NoiseTransportCodec}; the result is a
 * {@link io.topicmesh.node.security.noise.SecureSession} (future and user event). Failures are
 * {@link io.topicmesh.node.security.noise.NoiseException}s with a reason, counted through {@link
 * io.topicmesh.node.security.noise.NoiseMetrics}.
 *
 * <p>Crypto: X25519 from bouncycastle (RFC 7748); ChaCha20-Poly1305 (RFC 8439) from OpenSSL's
 * libcrypto through the FFM API on JDK 22+ ({@code NativeAeads}, the jar's {@code
 * META-INF/versions/22}), else our own (about twice the JDK 17 cipher's speed), the JDK's where it has
 * intrinsics, or the JDK's ChaCha20 with our Poly1305, as {@code AeadChoice} decides (see
 * docs/benchmarks.md); SHA-256 and HMAC-SHA256 from the JDK, the Noise HKDF on top. The empty prologue, as every libp2p implementation uses.
 */
package io.topicmesh.node.security.noise;
