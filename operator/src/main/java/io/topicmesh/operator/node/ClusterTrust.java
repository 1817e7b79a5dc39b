package io.topicmesh.operator.node;

import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trust in one cluster's nodes: the server's chain must lead to that cluster's CA (and only it). No
 * host name check, because the operator dials pod IPs that are in no certificate; the CA is the
 * cluster's own, so a chain to it is the node's identity.
 */
final class ClusterTrust {
  private ClusterTrust() {}

  /** The SHA-256 of the CA PEM, hex: the id under which its client is kept. */
  static String id(byte[] caPem) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(caPem)).substring(0, 16);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  static SSLContext sslContext(byte[] caPem) throws NodeApiException {
    try {
      Collection<? extends java.security.cert.Certificate> cas = java.security.cert.CertificateFactory
          .getInstance("X.509").generateCertificates(new ByteArrayInputStream(caPem));
      if (cas.isEmpty()) {
        throw new NodeApiException("the cluster's CA (ca.crt) holds no PEM certificate", 0, null, null);
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (var c : cas) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
      tmf.init(ks);
      X509TrustManager pkix = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          pkix = x;
        }
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {new ChainOnly(pkix)}, null);
      return ctx;
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new NodeApiException("the cluster's CA (ca.crt) is not usable: " + e.getMessage(), 0, null, e);
    }
  }

  /** Checks the chain against the CA; the two-argument check does no endpoint identification. */
  private static final class ChainOnly extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;

    ChainOnly(X509TrustManager pkix) {
      this.pkix = pkix;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      pkix.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("the operator is never a TLS server for nodes");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }
}
