/**
 * Stream multiplexing over a secured libp2p connection: the common netty infrastructure shared by
 * {@code yamux} and {@code mplex}.
 *
 * <p>{@link io.topicmesh.node.mux.MuxHandler} sits on the connection pipeline; each stream is a
 * {@link io.topicmesh.node.mux.StreamChannel}, a child channel on the connection's event loop.
 *
 * <p>Buffer ownership:
 *
 * <ul>
 *   <li>Every ByteBuf arriving on the connection pipeline is consumed by the muxer: frame payloads
 *       are retained slices of it, the rest is released when decoded.
 *   <li>A payload handed to a stream pipeline ({@code channelRead}) belongs to that pipeline; its
 *       last handler releases it. Payloads still queued when a stream ends are released by the
 *       stream.
 *   <li>A ByteBuf written to a stream belongs to the stream once written: it is sliced into frames
 *       (retained slices) and released when the last slice has been handed to the connection, or
 *       when the write fails.
 *   <li>Frames written to the connection belong to the connection pipeline from then on.
 * </ul>
 *
 * <p>Bounds: concurrent streams per direction, yamux receive window (initial and maximum), the
 * yamux ACK backlog, outstanding pings, the mplex per-stream unread bytes, the largest frame
 * accepted and sent; all in {@link io.topicmesh.node.mux.MuxConfig}.
 */
package io.topicmesh.node.mux;
