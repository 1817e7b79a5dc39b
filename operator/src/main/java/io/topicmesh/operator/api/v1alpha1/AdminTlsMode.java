package io.topicmesh.operator.api.v1alpha1;

/** Where the TLS certificate of the nodes' admin API comes from. */
public enum AdminTlsMode {
  /** Plain HTTP (the default). */
  Disabled,
  /** The operator keeps a per-cluster CA and a serving certificate it signs, and renews the certificate. */
  Operator,
  /** A kubernetes.io/tls Secret the user manages (e.g. a cert-manager Certificate) with tls.crt, tls.key and ca.crt. */
  Secret
}
