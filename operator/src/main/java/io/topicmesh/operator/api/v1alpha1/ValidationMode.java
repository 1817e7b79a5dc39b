package io.topicmesh.operator.api.v1alpha1;

/** Gossipsub message signature policy of a topic (the spec's StrictSign, StrictNoSign, LaxSign, LaxNoSign). */
public enum ValidationMode {
  StrictSign,
  StrictNoSign,
  LaxSign,
  LaxNoSign
}
