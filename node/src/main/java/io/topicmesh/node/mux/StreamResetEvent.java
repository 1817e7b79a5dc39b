package io.topicmesh.node.mux;

/**
 * User event fired on a stream pipeline just before the stream goes inactive because the remote
 * peer reset it or the connection went away. Orderly closes fire no such event; the cause is also
 * available afterwards from {@link StreamChannel#closeCause()}.
 */
public record StreamResetEvent(StreamResetException cause) {}
