package io.topicmesh.operator.api.v1alpha1;

/** Tuning policy: apply the spec as given, or adapt D/Dlo/Dhi within bounds. */
public enum TuningMode {
  Static,
  Auto
}
