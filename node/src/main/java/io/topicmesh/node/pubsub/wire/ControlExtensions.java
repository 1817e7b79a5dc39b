package io.topicmesh.node.pubsub.wire;

/**
 * The v1.3 Extensions control message (ControlMessage field 6): the extensions the sender
 * supports. Only the extensions we know are kept; unknown ones are dropped by the decoder, as the
 * spec requires ("Peers MUST ignore unknown extensions").
 *
 * @param partialMessages the partial-messages extension (field 10)
 * @param testExtension the experimental test extension (field 6492434)
 */
public record ControlExtensions(boolean partialMessages, boolean testExtension) {
  /** An Extensions message that advertises nothing we know (still an Extensions message). */
  public static final ControlExtensions NONE = new ControlExtensions(false, false);

  /** True when the sender advertises at least one extension. */
  public boolean any() {
    return partialMessages || testExtension;
  }
}
