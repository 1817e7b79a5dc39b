package io.topicmesh.node.identity;

/** A peer id (binary multihash or text) that is malformed or not a libp2p peer id. */
public class InvalidPeerIdException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidPeerIdException(String message) {
    super(message);
  }

  public InvalidPeerIdException(String message, Throwable cause) {
    super(message, cause);
  }
}
