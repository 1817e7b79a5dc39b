package io.topicmesh.operator.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on 127.0.0.1 in front of the test API server: the operator's kubeconfig points at
 * it, so the test can make the API server unavailable. {@link #down()} closes the listening socket
 * (new connections are refused) and cuts every open connection (watches, in-flight requests);
 * {@link #up()} listens again on the same port. TLS passes through untouched (the server's
 * certificate names 127.0.0.1, so the client's host check still holds).
 */
final class ApiServerProxy implements AutoCloseable {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private final InetSocketAddress upstream;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private ServerSocket listener;

  ApiServerProxy(int upstreamPort) throws IOException {
    this.upstream = new InetSocketAddress(LOOPBACK, upstreamPort);
    ServerSocket first = listen(0);
    this.port = first.getLocalPort();
    accept(first);
  }

  int port() {
    return port;
  }

  /** Connections accepted so far. */
  int connections() {
    return connections.get();
  }

  /** Refuses new connections and cuts the open ones. */
  synchronized void down() {
    closeQuietly(listener);
    listener = null;
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  /** Listens on the same port again. */
  synchronized void up() throws IOException {
    if (listener == null) {
      accept(listen(port));
    }
  }

  @Override
  public void close() {
    down();
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(LOOPBACK, port), 64);
    return s;
  }

  private synchronized void accept(ServerSocket server) {
    listener = server;
    Thread t = new Thread(() -> {
      while (!server.isClosed()) {
        Socket client;
        try {
          client = server.accept();
        } catch (IOException e) {
          return; // closed by down()
        }
        connections.incrementAndGet();
        forward(client);
      }
    }, "api-proxy-accept-" + port);
    t.setDaemon(true);
    t.start();
  }

  private void forward(Socket client) {
    Socket server = new Socket();
    try {
      server.connect(upstream, 5_000);
    } catch (IOException e) {
      closeQuietly(client);
      closeQuietly(server);
      return;
    }
    open.add(client);
    open.add(server);
    pump(client, server);
    pump(server, client);
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut by down() or closed by a side: close both
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "api-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
