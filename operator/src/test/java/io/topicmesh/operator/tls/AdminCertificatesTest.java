package io.topicmesh.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The operator's admin CA and serving certificates: what they carry, and when they are (re)issued. */
class AdminCertificatesTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
  private static final List<String> NAMES = AdminCertificates.dnsNames("mesh", "team-a", "mesh-nodes");
  private final SecureRandom random = new SecureRandom();

  @Test
  void theServingCertificateChainsToTheClustersCaAndNamesItsServicesAndPods() throws Exception {
    assertThat(NAMES).contains("mesh.team-a.svc", "mesh-nodes.team-a.svc", "*.mesh-nodes.team-a.svc",
        "*.mesh-nodes.team-a.svc.cluster.local", "localhost");
    AdminCertificates.Pair ca = AdminCertificates.newCa("mesh", "team-a", T0, random);
    AdminCertificates.Pair serving = AdminCertificates.issueServing(ca, NAMES, T0, random);
    X509Certificate caCert = AdminCertificates.certificate(ca.certPem());
    X509Certificate cert = AdminCertificates.certificate(serving.certPem());
    cert.verify(caCert.getPublicKey());
    caCert.verify(caCert.getPublicKey());
    assertThat(caCert.getBasicConstraints()).isZero();
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    TreeSet<String> dns = new TreeSet<>();
    for (List<?> san : cert.getSubjectAlternativeNames()) {
      if (((Integer) san.get(0)) == 2) {
        dns.add((String) san.get(1));
      }
    }
    assertThat(dns).containsExactlyInAnyOrderElementsOf(NAMES);
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(T0.plus(AdminCertificates.SERVING_VALIDITY));
    assertThat(cert.getNotBefore().toInstant()).isBefore(T0);
    assertThat(caCert.getNotAfter().toInstant()).isEqualTo(T0.plus(AdminCertificates.CA_VALIDITY));
    assertThat(AdminCertificates.privateKey(serving.keyPem()).getAlgorithm()).isEqualTo("EC");
    assertThat(serving.keyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(serving.toString()).doesNotContain(serving.keyPem().substring(30, 60)).contains("redacted");
  }

  @Test
  void aCertificateIsIssuedWhenMissingUnreadableForeignRenamedOrNearItsEnd() {
    AdminCertificates.Pair ca = AdminCertificates.newCa("mesh", "team-a", T0, random);
    String cert = AdminCertificates.issueServing(ca, NAMES, T0, random).certPem();

    assertThat(AdminCertificates.decide(null, ca.certPem(), NAMES, T0).issue()).isTrue();
    assertThat(AdminCertificates.decide("garbage", ca.certPem(), NAMES, T0))
        .satisfies(d -> assertThat(d.issue()).isTrue())
        .satisfies(d -> assertThat(d.reason()).contains("unreadable"));
    assertThat(AdminCertificates.decide(cert, ca.certPem(), NAMES, T0))
        .satisfies(d -> assertThat(d.issue()).as(d.reason()).isFalse());

    // renewed 30 days before its end: kept at day 59, re-issued from day 60
    Instant keep = T0.plus(AdminCertificates.SERVING_VALIDITY).minus(AdminCertificates.RENEW_BEFORE).minusSeconds(1);
    assertThat(AdminCertificates.decide(cert, ca.certPem(), NAMES, keep).issue()).isFalse();
    Instant renew = keep.plusSeconds(1);
    assertThat(AdminCertificates.decide(cert, ca.certPem(), NAMES, renew))
        .satisfies(d -> assertThat(d.issue()).isTrue())
        .satisfies(d -> assertThat(d.reason()).contains("expires at"));

    AdminCertificates.Pair otherCa = AdminCertificates.newCa("mesh", "team-a", T0, random);
    assertThat(AdminCertificates.decide(cert, otherCa.certPem(), NAMES, T0))
        .satisfies(d -> assertThat(d.issue()).isTrue())
        .satisfies(d -> assertThat(d.reason()).contains("not signed by the cluster's current CA"));

    List<String> renamed = AdminCertificates.dnsNames("mesh", "team-b", "mesh-nodes");
    assertThat(AdminCertificates.decide(cert, ca.certPem(), renamed, T0))
        .satisfies(d -> assertThat(d.issue()).isTrue())
        .satisfies(d -> assertThat(d.reason()).contains("differ"));
  }

  @Test
  void theCaIsReplacedOnlyWhenUnreadableOrNearItsEnd() {
    AdminCertificates.Pair ca = AdminCertificates.newCa("mesh", "team-a", T0, random);
    assertThat(AdminCertificates.decideCa(ca.certPem(), ca.keyPem(), T0.plus(Duration.ofDays(3000))).issue()).isFalse();
    assertThat(AdminCertificates.decideCa(ca.certPem(), ca.keyPem(),
        T0.plus(AdminCertificates.CA_VALIDITY).minus(AdminCertificates.RENEW_BEFORE)).issue()).isTrue();
    assertThat(AdminCertificates.decideCa(ca.certPem(), "not a key", T0).issue()).isTrue();
    assertThat(AdminCertificates.decideCa(null, ca.keyPem(), T0).issue()).isTrue();
  }
}
