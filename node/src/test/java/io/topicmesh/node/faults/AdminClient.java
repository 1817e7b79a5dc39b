package io.topicmesh.node.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A minimal HTTP/1.1 client for a node's admin API over a TCP address or a Unix socket (a node in a
 * network namespace is reached through a socat relay on a Unix socket, whose path is the same in
 * every namespace). One request per connection; the event stream is read line by line.
 */
final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "faults-http-timeout");
    t.setDaemon(true);
    return t;
  });
  /** Bound on one request, connect to last byte. */
  private static final long TIMEOUT_SECONDS = 30;

  record Response(int status, String body) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  final String name;
  private final SocketAddress address;
  private final String token;

  AdminClient(String name, SocketAddress address, String token) {
    this.name = name;
    this.address = address;
    this.token = token;
  }

  Response call(String method, String path, String body) throws IOException {
    byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    try (SocketChannel ch = SocketChannel.open(address)) {
      ScheduledFuture<?> guard = TIMER.schedule(() -> closeQuietly(ch), TIMEOUT_SECONDS, TimeUnit.SECONDS);
      try {
        writeFully(ch, head(method, path, b.length, true));
        writeFully(ch, b);
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
        Head h = readHead(in);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (h.chunked) {
          readChunks(in, out::write);
        } else if (h.length >= 0) {
          out.write(in.readNBytes(h.length));
        } else {
          in.transferTo(out);
        }
        return new Response(h.status, out.toString(StandardCharsets.UTF_8));
      } finally {
        guard.cancel(false);
      }
    } catch (java.nio.channels.ClosedByInterruptException e) {
      throw e;
    } catch (java.nio.channels.AsynchronousCloseException e) {
      throw new IOException(name + " " + method + " " + path + ": no answer within " + TIMEOUT_SECONDS + " s", e);
    }
  }

  JsonNode status() throws IOException {
    Response r = call("GET", "/v1/status", null);
    if (r.status != 200) {
      throw new IOException(name + " GET /v1/status: " + r.status + " " + r.body);
    }
    return r.json();
  }

  /** {@code GET /v1/topics/{topic}/messages} on a thread of its own, each line of the stream to {@code lines}. */
  Stream stream(String topic, Consumer<String> lines) throws IOException {
    SocketChannel ch = SocketChannel.open(address);
    writeFully(ch, head("GET", "/v1/topics/" + topic + "/messages", 0, false));
    Stream s = new Stream(ch);
    Thread t = new Thread(() -> {
      try {
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
        Head h = readHead(in);
        if (h.status != 200) {
          s.error = name + " stream: HTTP " + h.status;
          return;
        }
        LineSplitter split = new LineSplitter(lines);
        if (h.chunked) {
          readChunks(in, split::feed);
        } else {
          byte[] buf = new byte[8192];
          int n;
          while ((n = in.read(buf)) >= 0) {
            split.feed(buf, 0, n);
          }
        }
        s.error = name + " stream ended";
      } catch (IOException e) {
        if (!s.closed) {
          s.error = name + " stream: " + e;
        }
      }
    }, "faults-stream-" + name);
    t.setDaemon(true);
    t.start();
    return s;
  }

  /** An open event stream. */
  static final class Stream implements AutoCloseable {
    private final SocketChannel ch;
    volatile boolean closed;
    /** Why the stream ended early, or null while it runs. */
    volatile String error;

    Stream(SocketChannel ch) {
      this.ch = ch;
    }

    @Override
    public void close() {
      closed = true;
      closeQuietly(ch);
    }
  }

  private byte[] head(String method, String path, int length, boolean close) {
    StringBuilder s = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: node\r\n")
        .append("Authorization: Bearer ").append(token).append("\r\n");
    if (close) {
      s.append("Connection: close\r\n");
    }
    if (length > 0) {
      s.append("Content-Type: application/json\r\nContent-Length: ").append(length).append("\r\n");
    }
    return s.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII);
  }

  private record Head(int status, boolean chunked, int length) {}

  private static Head readHead(InputStream in) throws IOException {
    String statusLine = readLine(in);
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP response: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    boolean chunked = false;
    int length = -1;
    String line;
    while (!(line = readLine(in)).isEmpty()) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue;
      }
      String k = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String v = line.substring(colon + 1).trim();
      if (k.equals("transfer-encoding") && v.toLowerCase(Locale.ROOT).contains("chunked")) {
        chunked = true;
      } else if (k.equals("content-length")) {
        length = Integer.parseInt(v);
      }
    }
    return new Head(status, chunked, length);
  }

  private interface Sink {
    void write(byte[] b, int off, int len) throws IOException;
  }

  private static void readChunks(InputStream in, Sink sink) throws IOException {
    while (true) {
      String size = readLine(in);
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        return;
      }
      byte[] b = in.readNBytes(n);
      if (b.length < n) {
        throw new IOException("connection closed inside a chunk");
      }
      sink.write(b, 0, n);
      readLine(in);
    }
  }

  /** A CRLF- or LF-terminated line; EOF before the end is an error. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      b.write(c);
      if (b.size() > 65536) {
        throw new IOException("line longer than 64 KiB");
      }
    }
    throw new IOException("connection closed");
  }

  /** Bytes in, complete lines out. */
  private static final class LineSplitter {
    private final Consumer<String> lines;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    LineSplitter(Consumer<String> lines) {
      this.lines = lines;
    }

    void feed(byte[] b, int off, int len) {
      for (int i = off; i < off + len; i++) {
        if (b[i] == '\n') {
          lines.accept(pending.toString(StandardCharsets.UTF_8));
          pending.reset();
        } else {
          pending.write(b[i]);
        }
      }
    }
  }

  private static void writeFully(SocketChannel ch, byte[] b) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // closing
    }
  }
}
