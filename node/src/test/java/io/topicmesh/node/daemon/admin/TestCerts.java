package io.topicmesh.node.daemon.admin;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates for the TLS tests: a CA and serving certificates it signs, written as PEM. */
public final class TestCerts {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

  public record Issued(KeyPair keys, X509Certificate cert) {}

  private TestCerts() {}

  public static KeyPair keys(String alg) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
    g.initialize(alg.equals("RSA") ? 2048 : 256);
    return g.generateKeyPair();
  }

  public static Issued ca(String cn) throws Exception {
    KeyPair k = keys("EC");
    X500Name name = new X500Name("CN=" + cn);
    var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))), name, k.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new Issued(k, sign(b, k.getPrivate()));
  }

  /** A serving certificate for 127.0.0.1/localhost-style names, signed by {@code ca}. */
  public static Issued serving(Issued ca, String keyAlg, String ip) throws Exception {
    KeyPair k = keys(keyAlg);
    var b = new JcaX509v3CertificateBuilder(ca.cert(), BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))),
        new X500Name("CN=node"), k.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, ip), new GeneralName(GeneralName.dNSName, "localhost")}));
    return new Issued(k, sign(b, ca.keys().getPrivate()));
  }

  private static X509Certificate sign(org.bouncycastle.cert.X509v3CertificateBuilder b, PrivateKey key) throws Exception {
    String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(key)));
  }

  public static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter p = new JcaPEMWriter(w)) {
      if (o instanceof org.bouncycastle.util.io.pem.PemObjectGenerator g) {
        p.writeObject(g);
      } else {
        p.writeObject(o);
      }
    }
    return w.toString();
  }

  /** Writes tls.crt (the chain) and tls.key (PKCS#8, or the legacy PKCS#1/SEC1 form) into {@code dir}. */
  public static void write(Path dir, Issued serving, Issued ca, boolean pkcs8) throws Exception {
    Files.writeString(dir.resolve("tls.crt"), pem(serving.cert()) + pem(ca.cert()));
    String key;
    if (pkcs8) {
      key = pem(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", serving.keys().getPrivate().getEncoded()));
    } else {
      key = pem(serving.keys()); // JcaPEMWriter writes a KeyPair as RSA PRIVATE KEY / EC PRIVATE KEY
    }
    Files.writeString(dir.resolve("tls.key"), key);
    Files.writeString(dir.resolve("ca.crt"), pem(ca.cert()));
  }
}
