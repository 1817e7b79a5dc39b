package io.topicmesh.operator.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.TreeSet;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The operator-managed TLS of a cluster's admin API: a per-cluster CA (ECDSA P-256, {@link
 * #CA_VALIDITY}) and a serving certificate it signs for the cluster's Service and pod DNS names
 * ({@link #SERVING_VALIDITY}, renewed {@link #RENEW_BEFORE} before it expires). Pure: the time and
 * the random source are the caller's; {@link #decide} says whether a certificate must be (re)issued
 * and why, and the reconciler acts on it.
 */
public final class AdminCertificates {
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration SERVING_VALIDITY = Duration.ofDays(90);
  public static final Duration RENEW_BEFORE = Duration.ofDays(30);
  /** Clock skew allowance: certificates are valid from a little before they were made. */
  static final Duration BACKDATE = Duration.ofMinutes(5);

  /** A CA or serving certificate with its private key, both as PEM. */
  public record Pair(String certPem, String keyPem) {
    @Override
    public String toString() {
      return "Pair[cert=" + certPem.length() + " chars, key=<redacted>]";
    }
  }

  /** Whether to issue a serving certificate, and why (for the log line and the event). */
  public record Decision(boolean issue, String reason) {
    static Decision keep(String why) {
      return new Decision(false, why);
    }

    static Decision issue(String why) {
      return new Decision(true, why);
    }
  }

  private AdminCertificates() {}

  /** The names a cluster's serving certificate carries: its Services, every pod's DNS name, and localhost. */
  public static List<String> dnsNames(String cluster, String namespace, String headlessService) {
    List<String> n = new ArrayList<>();
    for (String svc : List.of(cluster, headlessService)) {
      n.add(svc);
      n.add(svc + "." + namespace);
      n.add(svc + "." + namespace + ".svc");
      n.add(svc + "." + namespace + ".svc.cluster.local");
    }
    n.add("*." + headlessService + "." + namespace + ".svc");
    n.add("*." + headlessService + "." + namespace + ".svc.cluster.local");
    // kubectl port-forward: https://localhost:9090 with --ca-file verifies
    n.add("localhost");
    return n;
  }

  public static Pair newCa(String cluster, String namespace, Instant now, SecureRandom random) {
    try {
      KeyPair keys = ecKeys(random);
      X500Name name = new X500Name("CN=topicmesh admin CA " + namespace + "/" + cluster + ",O=topicmesh");
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false,
              new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
      return new Pair(pem(sign(b, keys.getPrivate())), keyPem(keys.getPrivate()));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create the admin CA: " + e.getMessage(), e);
    }
  }

  public static Pair issueServing(Pair ca, List<String> dnsNames, Instant now, SecureRandom random) {
    try {
      X509Certificate caCert = certificate(ca.certPem());
      PrivateKey caKey = privateKey(ca.keyPem());
      KeyPair keys = ecKeys(random);
      GeneralName[] names = new GeneralName[dnsNames.size() + 1];
      for (int i = 0; i < dnsNames.size(); i++) {
        names[i] = new GeneralName(GeneralName.dNSName, dnsNames.get(i));
      }
      names[dnsNames.size()] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(random),
          Date.from(now.minus(BACKDATE)), Date.from(now.plus(SERVING_VALIDITY)),
          new X500Name("CN=" + dnsNames.get(0) + ",O=topicmesh"), keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return new Pair(pem(sign(b, caKey)), keyPem(keys.getPrivate()));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot issue the admin serving certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Whether the serving certificate in a Secret must be (re)issued: missing, unreadable, signed by
   * another CA (the CA was replaced), for other names, or within {@link #RENEW_BEFORE} of expiry.
   *
   * @param servingPem the Secret's tls.crt, or null when there is none
   */
  public static Decision decide(String servingPem, String caPem, List<String> dnsNames, Instant now) {
    if (servingPem == null || servingPem.isBlank()) {
      return Decision.issue("no serving certificate yet");
    }
    X509Certificate cert;
    X509Certificate ca;
    try {
      cert = certificate(servingPem);
      ca = certificate(caPem);
    } catch (GeneralSecurityException | RuntimeException e) {
      return Decision.issue("the serving certificate is unreadable (" + e.getMessage() + ")");
    }
    try {
      cert.verify(ca.getPublicKey());
    } catch (GeneralSecurityException e) {
      return Decision.issue("the serving certificate is not signed by the cluster's current CA");
    }
    TreeSet<String> want = new TreeSet<>(dnsNames);
    TreeSet<String> have = new TreeSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(GeneralName.dNSName).equals(san.get(0))) {
            have.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return Decision.issue("the serving certificate's names are unreadable");
    }
    if (!have.equals(want)) {
      return Decision.issue("the serving certificate's names " + have + " differ from " + want);
    }
    Instant notAfter = cert.getNotAfter().toInstant();
    if (!now.isBefore(notAfter.minus(RENEW_BEFORE))) {
      return Decision.issue("the serving certificate expires at " + notAfter + " (renewed " + RENEW_BEFORE.toDays()
          + " days before)");
    }
    return Decision.keep("valid until " + notAfter);
  }

  /** Whether the CA itself must be replaced (unreadable, or within {@link #RENEW_BEFORE} of expiry). */
  public static Decision decideCa(String caPem, String caKeyPem, Instant now) {
    try {
      X509Certificate ca = certificate(caPem);
      privateKey(caKeyPem);
      Instant notAfter = ca.getNotAfter().toInstant();
      if (!now.isBefore(notAfter.minus(RENEW_BEFORE))) {
        return Decision.issue("the CA expires at " + notAfter);
      }
      return Decision.keep("CA valid until " + notAfter);
    } catch (GeneralSecurityException | IOException | RuntimeException e) {
      return Decision.issue("the CA is unreadable (" + e.getClass().getSimpleName() + ")");
    }
  }

  public static X509Certificate certificate(String pem) throws GeneralSecurityException {
    var certs = CertificateFactory.getInstance("X.509")
        .generateCertificates(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    if (certs.isEmpty()) {
      throw new GeneralSecurityException("no PEM certificate");
    }
    return (X509Certificate) certs.iterator().next();
  }

  public static PrivateKey privateKey(String pem) throws IOException, GeneralSecurityException {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter c = new JcaPEMKeyConverter();
      if (o instanceof PrivateKeyInfo info) {
        return c.getPrivateKey(info);
      }
      if (o instanceof PEMKeyPair pair) {
        return c.getPrivateKey(pair.getPrivateKeyInfo());
      }
      throw new GeneralSecurityException("no PEM private key");
    }
  }

  private static KeyPair ecKeys(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(127, random).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(key)));
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(o);
    }
    return w.toString();
  }

  private static String keyPem(PrivateKey key) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      p.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
    }
    return w.toString();
  }
}
