package io.topicmesh.node.pubsub.router;

/** Message signing policy (pubsub spec, "Signature Policy Options"). */
public enum SignaturePolicy {
  /** Sign own messages; require and verify from, seqno and signature on every received message. */
  STRICT_SIGN,
  /** Send no from, seqno, signature or key; reject received messages that carry any of them. */
  STRICT_NO_SIGN
}
