/**
 * multistream-select 1.0 (libp2p specs: connections/README.md, "Protocol Negotiation").
 *
 * <p>{@link io.topicmesh.node.multistream.MultistreamHandler} negotiates one protocol on any netty
 * channel (raw TCP, Noise-secured, muxed stream), then removes itself. Typical use on a dialled
 * connection:
 *
 * <pre>{@code
 * ch.pipeline().addLast(MultistreamHandler.initiator(
 *     List.of("/noise"), Duration.ofSeconds(10),
 *     (c, protocol) -> c.pipeline().addLast(new NoiseHandshakeHandler(...))));
 * }</pre>
 *
 * Wire format: {@code uvarint(len) || utf8(text) || '\n'}, len counting the newline; messages up to
 * 1024 bytes (go-multistream's limit). Ownership: the handler releases everything it reads; bytes
 * that followed the last negotiation message are passed on once, to the handlers the callback
 * added, who then own them.
 */
package io.topicmesh.node.multistream;
