package io.topicmesh.node.daemon.admin;

import io.topicmesh.node.daemon.config.ConfigException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's TLS identity: a PEM certificate chain and its PEM private key (PKCS#8, PKCS#1 RSA
 * or SEC1 EC, as Kubernetes {@code kubernetes.io/tls} Secrets and cert-manager write them).
 *
 * <p>The files are read again when they change (a Secret volume is updated in place when the
 * operator or cert-manager rotates the certificate), at most once per {@link #RECHECK}, on the next
 * handshake. A pair that does not load or whose key does not match the certificate is logged and
 * the previous pair stays in use. Key material is never logged.
 */
public final class AdminTls {
  private static final Logger log = LoggerFactory.getLogger(AdminTls.class);
  /** How often the files are checked for a new certificate. */
  public static final Duration RECHECK = Duration.ofSeconds(30);
  private static final long MAX_PEM_BYTES = 1 << 20;
  private static final String ALIAS = "admin";

  /** One loaded pair and the digest of the file contents it came from. */
  record Identity(X509Certificate[] chain, PrivateKey key, byte[] sourceDigest) {}

  private final Path certFile;
  private final Path keyFile;
  private final LongSupplier nanoTime;
  /**
   * The pair in use, its generation (the key manager's alias) and the pair before the last reload, so
   * that a handshake that chose its alias just before a swap still finds its pair. Swapped as a whole.
   */
  private record State(int generation, Identity current, Identity previous) {}

  private volatile State state;
  /** The file contents that last failed to load, so that one broken pair is logged once. */
  private byte[] failedDigest;
  private volatile long checkedAt;

  AdminTls(Path certFile, Path keyFile, LongSupplier nanoTime) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.nanoTime = nanoTime;
    try {
      this.state = new State(0, readPair(certFile, keyFile), null);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new ConfigException("admin.tlsCertFile", certFile + " + " + keyFile, "a PEM certificate chain and its"
          + " matching PEM private key (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
    }
    this.checkedAt = nanoTime.getAsLong();
  }

  /** Loads the pair now (a {@link ConfigException} names what is wrong). */
  public static AdminTls load(Path certFile, Path keyFile) {
    return new AdminTls(certFile, keyFile, System::nanoTime);
  }

  /** An SSL context serving the current pair, TLS 1.2 or 1.3 only. */
  public SSLContext sslContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(new KeyManager[] {new ReloadingKeyManager()}, null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("TLS is not available in this JVM: " + e.getMessage(), e);
    }
  }

  /** The certificate in use (tests, start-up log). */
  public X509Certificate certificate() {
    return state.current().chain()[0];
  }

  /** Reads the files again if they changed and the recheck interval passed; returns whether the pair changed. */
  boolean reloadIfDue() {
    long now = nanoTime.getAsLong();
    if (now - checkedAt < RECHECK.toNanos()) {
      return false;
    }
    checkedAt = now;
    return reload();
  }

  /** Reads the files again; a changed, valid pair replaces the current one. */
  synchronized boolean reload() {
    byte[] digest = null;
    try {
      digest = sourceDigest(Files.readAllBytes(certFile), Files.readAllBytes(keyFile));
      State s = state;
      if (Arrays.equals(digest, s.current().sourceDigest()) || Arrays.equals(digest, failedDigest)) {
        return false;
      }
      Identity next = readPair(certFile, keyFile);
      state = new State(s.generation() + 1, next, s.current());
      log.info("admin TLS certificate reloaded: subject {} serial {} valid until {}",
          next.chain()[0].getSubjectX500Principal().getName(), next.chain()[0].getSerialNumber().toString(16),
          next.chain()[0].getNotAfter().toInstant());
      return true;
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      failedDigest = digest;
      log.warn("admin TLS certificate {} / key {} not reloaded, keeping the current one: {}", certFile, keyFile,
          e.getClass().getSimpleName() + ": " + e.getMessage());
      return false;
    }
  }

  static Identity readPair(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
    byte[] certPem = read(certFile);
    byte[] keyPem = read(keyFile);
    X509Certificate[] chain = CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(certPem)).stream()
        .map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    if (chain.length == 0) {
      throw new GeneralSecurityException(certFile + " holds no PEM certificate");
    }
    PrivateKey key = privateKey(keyPem, keyFile);
    checkPair(chain[0], key);
    return new Identity(chain, key, sourceDigest(certPem, keyPem));
  }

  private static byte[] read(Path f) throws IOException {
    if (Files.size(f) > MAX_PEM_BYTES) {
      throw new IOException(f + " is larger than " + MAX_PEM_BYTES + " bytes");
    }
    return Files.readAllBytes(f);
  }

  private static PrivateKey privateKey(byte[] pem, Path file) throws IOException, GeneralSecurityException {
    Object o;
    try (PEMParser p = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
      o = p.readObject();
    }
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    if (o instanceof PEMKeyPair pair) {
      return converter.getPrivateKey(pair.getPrivateKeyInfo());
    }
    if (o instanceof PrivateKeyInfo info) {
      return converter.getPrivateKey(info);
    }
    throw new GeneralSecurityException(file + " holds no unencrypted PEM private key (PRIVATE KEY, RSA PRIVATE KEY"
        + " or EC PRIVATE KEY)" + (o == null ? "" : "; found " + o.getClass().getSimpleName()));
  }

  /** The key must be the certificate's: a probe signed with it verifies with the certificate's public key. */
  private static void checkPair(X509Certificate cert, PrivateKey key) throws GeneralSecurityException {
    String alg = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm()
          + " (RSA, EC or Ed25519)");
    };
    byte[] probe = "topicmesh admin tls".getBytes(StandardCharsets.US_ASCII);
    Signature s = Signature.getInstance(alg);
    s.initSign(key);
    s.update(probe);
    byte[] sig = s.sign();
    Signature v = Signature.getInstance(alg);
    v.initVerify(cert.getPublicKey());
    v.update(probe);
    if (!v.verify(sig)) {
      throw new GeneralSecurityException("the private key does not belong to the certificate "
          + cert.getSubjectX500Principal().getName());
    }
  }

  private static byte[] sourceDigest(byte[] cert, byte[] key) throws GeneralSecurityException {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    d.update(cert);
    d.update((byte) 0);
    d.update(key);
    return d.digest();
  }

  /** Serves the current pair, checking the files for a rotation on the way. */
  private final class ReloadingKeyManager extends X509ExtendedKeyManager {
    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return chooseServerAlias(keyType, issuers, null);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      reloadIfDue();
      State s = state;
      String alg = s.current().key().getAlgorithm();
      boolean fits = keyType == null || keyType.equalsIgnoreCase(alg) || (keyType.equals("EC") && alg.equals("EC"))
          || (keyType.startsWith("RSA") && alg.equals("RSA")) || (keyType.startsWith("Ed") && alg.startsWith("Ed"));
      return fits ? ALIAS + s.generation() : null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS + state.generation()};
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Identity i = byAlias(alias);
      return i == null ? null : i.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Identity i = byAlias(alias);
      return i == null ? null : i.key();
    }

    private Identity byAlias(String alias) {
      State s = state;
      if ((ALIAS + s.generation()).equals(alias)) {
        return s.current();
      }
      return (ALIAS + (s.generation() - 1)).equals(alias) ? s.previous() : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

}
