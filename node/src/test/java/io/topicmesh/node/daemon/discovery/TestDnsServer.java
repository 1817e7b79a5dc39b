package io.topicmesh.node.daemon.discovery;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small authoritative DNS server over UDP on loopback for tests: answers A, AAAA and SRV queries
 * from records set by the test (RFC 1035 message format; SRV per RFC 2782). Records can be changed
 * while it runs, like a headless Service whose pods come and go.
 */
public final class TestDnsServer implements AutoCloseable {
  private static final int A = 1;
  private static final int AAAA = 28;
  private static final int SRV = 33;

  private record Srv(int port, String target) {}

  private final DatagramSocket socket;
  private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
  private final Map<String, List<Srv>> srv = new ConcurrentHashMap<>();
  private final AtomicInteger queries = new AtomicInteger();
  private final Thread thread;

  public TestDnsServer() throws SocketException {
    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    thread = new Thread(this::serve, "test-dns");
    thread.setDaemon(true);
    thread.start();
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  /** {@code host:port} for {@code --dns-server}. */
  public String hostPort() {
    return "127.0.0.1:" + address().getPort();
  }

  public void setAddresses(String name, List<InetAddress> addrs) {
    addresses.put(key(name), List.copyOf(addrs));
  }

  public void addSrv(String name, int port, String target) {
    srv.computeIfAbsent(key(name), k -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(new Srv(port, target));
  }

  public int queries() {
    return queries.get();
  }

  private static String key(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private void serve() {
    byte[] buf = new byte[512];
    while (!socket.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        queries.incrementAndGet();
        byte[] reply = answer(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
        if (reply != null) {
          socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        }
      } catch (IOException | RuntimeException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private byte[] answer(ByteBuffer q) {
    int id = q.getShort() & 0xffff;
    q.getShort(); // flags
    int qd = q.getShort() & 0xffff;
    q.position(12);
    if (qd != 1) {
      return null;
    }
    int qStart = q.position();
    StringBuilder name = new StringBuilder();
    int len;
    while ((len = q.get() & 0xff) != 0) {
      byte[] label = new byte[len];
      q.get(label);
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(new String(label, StandardCharsets.US_ASCII));
    }
    int type = q.getShort() & 0xffff;
    q.getShort(); // class
    int qEnd = q.position();
    String n = key(name.toString());
    List<byte[]> rrs = new ArrayList<>();
    if (type == A || type == AAAA) {
      for (InetAddress a : addresses.getOrDefault(n, List.of())) {
        byte[] raw = a.getAddress();
        if ((type == A && raw.length == 4) || (type == AAAA && raw.length == 16)) {
          rrs.add(rr(type, raw));
        }
      }
    } else if (type == SRV) {
      for (Srv s : srv.getOrDefault(n, List.of())) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(0);
        d.write(10); // priority
        d.write(0);
        d.write(10); // weight
        d.write(s.port() >> 8);
        d.write(s.port() & 0xff);
        writeName(d, s.target());
        rrs.add(rr(SRV, d.toByteArray()));
      }
    }
    boolean known = addresses.containsKey(n) || srv.containsKey(n);
    ByteBuffer out = ByteBuffer.allocate(512);
    out.putShort((short) id);
    out.putShort((short) (0x8400 | (known ? 0 : 3))); // QR, AA; NXDOMAIN when the name is unknown
    out.putShort((short) 1);
    out.putShort((short) rrs.size());
    out.putShort((short) 0);
    out.putShort((short) 0);
    out.put(q.array(), q.arrayOffset() + qStart, qEnd - qStart);
    for (byte[] rr : rrs) {
      out.put(rr);
    }
    byte[] reply = new byte[out.position()];
    out.flip();
    out.get(reply);
    return reply;
  }

  private static byte[] rr(int type, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(12 + data.length);
    b.putShort((short) 0xc00c); // pointer to the question's name
    b.putShort((short) type);
    b.putShort((short) 1);
    b.putInt(5);
    b.putShort((short) data.length);
    b.put(data);
    return b.array();
  }

  private static void writeName(ByteArrayOutputStream d, String name) {
    for (String label : key(name).split("\\.")) {
      byte[] l = label.getBytes(StandardCharsets.US_ASCII);
      d.write(l.length);
      d.write(l, 0, l.length);
    }
    d.write(0);
  }

  @Override
  public void close() {
    socket.close();
  }
}
