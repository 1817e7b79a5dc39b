package io.topicmesh.node.multiaddr;

import io.topicmesh.node.identity.PeerId;
import io.topicmesh.node.util.Varint;
import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A multiaddr: a self-describing network address such as {@code
 * /ip4/10.0.0.1/tcp/4001/p2p/12D3KooW...} (multiformats multiaddr). Immutable; equality is by the
 * binary form. Only the protocols in {@link Protocol} are understood; anything else is rejected
 * with an {@link InvalidMultiaddrException} that says what was wrong and where.
 */
public final class Multiaddr {
  /** Largest binary multiaddr accepted. */
  public static final int MAX_BYTES = 1024;

  /** Longest text multiaddr accepted. */
  public static final int MAX_TEXT_CHARS = 2048;

  /** Most components a multiaddr may have. */
  public static final int MAX_COMPONENTS = 32;

  private final List<Component> components;
  private final byte[] bytes;

  private Multiaddr(List<Component> components) {
    if (components.isEmpty()) {
      throw new InvalidMultiaddrException("a multiaddr needs at least one component");
    }
    if (components.size() > MAX_COMPONENTS) {
      throw new InvalidMultiaddrException(
          "multiaddr has " + components.size() + " components, more than " + MAX_COMPONENTS);
    }
    this.components = List.copyOf(components);
    this.bytes = encode(this.components);
    if (bytes.length > MAX_BYTES) {
      throw new InvalidMultiaddrException(
          "multiaddr of " + bytes.length + " bytes exceeds the limit " + MAX_BYTES);
    }
  }

  /** A multiaddr of the given components (at least one). */
  public static Multiaddr of(List<Component> components) {
    return new Multiaddr(components);
  }

  /**
   * Parses the text form, e.g. {@code /dns4/node-0.topicmesh/tcp/4001}. {@code /ipfs/} is read as
   * {@code /p2p/}; p2p values may be base58 or CID peer ids. One trailing {@code /} is allowed.
   *
   * @throws InvalidMultiaddrException naming the offending component and its position
   */
  public static Multiaddr parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidMultiaddrException("multiaddr text is empty");
    }
    if (text.length() > MAX_TEXT_CHARS) {
      throw new InvalidMultiaddrException(
          "multiaddr text of " + text.length() + " characters exceeds the limit " + MAX_TEXT_CHARS);
    }
    if (text.charAt(0) != '/') {
      throw textError(text, 0, "must start with '/'");
    }
    String body =
        text.endsWith("/") && text.length() > 1 ? text.substring(0, text.length() - 1) : text;
    List<Component> components = new ArrayList<>();
    int pos = 1;
    while (pos <= body.length()) {
      if (components.size() == MAX_COMPONENTS) {
        throw textError(text, pos, "more than " + MAX_COMPONENTS + " components");
      }
      int nameEnd = indexOfSlash(body, pos);
      String name = body.substring(pos, nameEnd);
      if (name.isEmpty()) {
        throw textError(text, pos, "empty protocol name");
      }
      Protocol protocol;
      try {
        protocol = Protocol.fromText(name);
      } catch (InvalidMultiaddrException e) {
        throw textError(text, pos, "unknown protocol '" + name + "'");
      }
      if (nameEnd >= body.length()) {
        throw textError(text, nameEnd, "/" + name + " has no value");
      }
      int valueStart = nameEnd + 1;
      int valueEnd = indexOfSlash(body, valueStart);
      String value = body.substring(valueStart, valueEnd);
      if (value.isEmpty()) {
        throw textError(text, valueStart, "/" + name + " has an empty value");
      }
      try {
        components.add(Component.parse(protocol, value));
      } catch (InvalidMultiaddrException e) {
        throw textError(text, valueStart, e.getMessage());
      }
      pos = valueEnd + 1;
    }
    try {
      return new Multiaddr(components);
    } catch (InvalidMultiaddrException e) {
      throw new InvalidMultiaddrException("invalid multiaddr '" + text + "': " + e.getMessage(), e);
    }
  }

  /**
   * Decodes the binary form: (varint code, value)* where variable-size values carry a varint
   * length.
   *
   * @throws InvalidMultiaddrException naming the byte offset of the problem
   */
  public static Multiaddr fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new InvalidMultiaddrException("binary multiaddr is empty");
    }
    if (bytes.length > MAX_BYTES) {
      throw new InvalidMultiaddrException(
          "binary multiaddr of " + bytes.length + " bytes exceeds the limit " + MAX_BYTES);
    }
    List<Component> components = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.length) {
      if (components.size() == MAX_COMPONENTS) {
        throw binaryError(pos, "more than " + MAX_COMPONENTS + " components");
      }
      int start = pos;
      Protocol protocol;
      try {
        long[] code = Varint.decode(bytes, pos, Integer.MAX_VALUE);
        pos += (int) code[1];
        protocol = Protocol.fromCode(code[0]);
      } catch (Varint.VarintException e) {
        throw binaryError(start, "bad protocol code: " + e.getMessage());
      } catch (InvalidMultiaddrException e) {
        throw binaryError(start, e.getMessage());
      }
      int size = protocol.fixedSize();
      if (protocol.isVariableSize()) {
        int lengthAt = pos;
        try {
          long[] length = Varint.decode(bytes, pos, MAX_BYTES);
          pos += (int) length[1];
          size = (int) length[0];
        } catch (Varint.VarintException e) {
          throw binaryError(
              lengthAt, "bad /" + protocol.text() + " value length: " + e.getMessage());
        }
      }
      if (size > bytes.length - pos) {
        throw binaryError(
            pos,
            "/"
                + protocol.text()
                + " value needs "
                + size
                + " bytes but only "
                + (bytes.length - pos)
                + " remain");
      }
      try {
        components.add(new Component(protocol, Arrays.copyOfRange(bytes, pos, pos + size)));
      } catch (InvalidMultiaddrException e) {
        throw binaryError(pos, e.getMessage());
      }
      pos += size;
    }
    return new Multiaddr(components);
  }

  /**
   * The multiaddr of a TCP socket address: {@code /ip4/.../tcp/n} or {@code /ip6/.../tcp/n}; an
   * unresolved host name becomes {@code /dns/name/tcp/n} (or ip4/ip6 when it is a literal).
   */
  public static Multiaddr fromTcp(InetSocketAddress address) {
    Component host;
    InetAddress ip = address.getAddress();
    if (ip instanceof Inet4Address) {
      host = new Component(Protocol.IP4, ip.getAddress());
    } else if (ip instanceof Inet6Address) {
      host = new Component(Protocol.IP6, ip.getAddress());
    } else {
      String name = address.getHostString();
      host = literalOrDns(name);
    }
    int port = address.getPort();
    return new Multiaddr(
        List.of(host, new Component(Protocol.TCP, new byte[] {(byte) (port >>> 8), (byte) port})));
  }

  private static Component literalOrDns(String name) {
    try {
      return Component.parse(Protocol.IP4, name);
    } catch (InvalidMultiaddrException notIp4) {
      // fall through
    }
    String unbracketed =
        name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
    if (unbracketed.indexOf(':') >= 0) {
      return Component.parse(Protocol.IP6, unbracketed);
    }
    return Component.parse(Protocol.DNS, name);
  }

  /** The binary form. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The components, in order; the list is immutable. */
  public List<Component> components() {
    return components;
  }

  /** The peer id of a trailing {@code /p2p/...} component. */
  public Optional<PeerId> peerId() {
    Component last = components.get(components.size() - 1);
    return last.protocol() == Protocol.P2P
        ? Optional.of(PeerId.fromBytes(last.valueUnsafe()))
        : Optional.empty();
  }

  /** This address ending in {@code /p2p/<id>}, replacing a trailing p2p component if present. */
  public Multiaddr withPeerId(PeerId id) {
    List<Component> out = new ArrayList<>(withoutTrailingP2p());
    out.add(new Component(Protocol.P2P, id.bytes()));
    return new Multiaddr(out);
  }

  /**
   * This address without its trailing {@code /p2p/<id>} (itself if there is none).
   *
   * @throws InvalidMultiaddrException if the address is nothing but a p2p component
   */
  public Multiaddr withoutPeerId() {
    List<Component> rest = withoutTrailingP2p();
    if (rest.size() == components.size()) {
      return this;
    }
    if (rest.isEmpty()) {
      throw new InvalidMultiaddrException(
          "'" + this + "' has nothing but a peer id; removing it leaves no address");
    }
    return new Multiaddr(rest);
  }

  private List<Component> withoutTrailingP2p() {
    int n = components.size();
    return components.get(n - 1).protocol() == Protocol.P2P
        ? components.subList(0, n - 1)
        : components;
  }

  /** This address followed by {@code other}, e.g. a transport address and {@code /p2p/<id>}. */
  public Multiaddr encapsulate(Multiaddr other) {
    List<Component> out = new ArrayList<>(components);
    out.addAll(other.components);
    return new Multiaddr(out);
  }

  /**
   * The socket address of {@code /ip4|ip6/<address>/tcp/<port>} (optionally followed by {@code
   * /p2p/<id>}); empty for any other shape, including DNS addresses, which need resolving first.
   */
  public Optional<InetSocketAddress> toTcpSocketAddress() {
    if (components.size() < 2 || components.size() > 3) {
      return Optional.empty();
    }
    Component host = components.get(0);
    if (host.protocol() != Protocol.IP4 && host.protocol() != Protocol.IP6) {
      return Optional.empty();
    }
    if (components.get(1).protocol() != Protocol.TCP) {
      return Optional.empty();
    }
    if (components.size() == 3 && components.get(2).protocol() != Protocol.P2P) {
      return Optional.empty();
    }
    try {
      InetAddress ip = InetAddress.getByAddress(host.valueUnsafe());
      return Optional.of(new InetSocketAddress(ip, port(components.get(1))));
    } catch (UnknownHostException e) {
      throw new IllegalStateException("validated IP address rejected by the JDK", e);
    }
  }

  /** The name of a leading {@code /dns}, {@code /dns4} or {@code /dns6} component. */
  public Optional<String> dnsHost() {
    Component first = components.get(0);
    return switch (first.protocol()) {
      case DNS, DNS4, DNS6 -> Optional.of(first.valueString());
      default -> Optional.empty();
    };
  }

  /** The port of the first {@code /tcp} component. */
  public OptionalInt tcpPort() {
    for (Component c : components) {
      if (c.protocol() == Protocol.TCP) {
        return OptionalInt.of(port(c));
      }
    }
    return OptionalInt.empty();
  }

  private static int port(Component tcp) {
    byte[] v = tcp.valueUnsafe();
    return ((v[0] & 0xFF) << 8) | (v[1] & 0xFF);
  }

  private static byte[] encode(List<Component> components) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Component c : components) {
      out.writeBytes(Varint.encode(c.protocol().code()));
      byte[] value = c.valueUnsafe();
      if (c.protocol().isVariableSize()) {
        out.writeBytes(Varint.encode(value.length));
      }
      out.writeBytes(value);
    }
    return out.toByteArray();
  }

  private static int indexOfSlash(String s, int from) {
    int i = s.indexOf('/', from);
    return i < 0 ? s.length() : i;
  }

  private static InvalidMultiaddrException textError(String text, int index, String what) {
    return new InvalidMultiaddrException(
        "invalid multiaddr '" + text + "' at index " + index + ": " + what);
  }

  private static InvalidMultiaddrException binaryError(int offset, String what) {
    return new InvalidMultiaddrException(
        "invalid binary multiaddr at byte " + offset + ": " + what);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Multiaddr other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** The text form, with peer ids in base58. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    for (Component c : components) {
      out.append(c);
    }
    return out.toString();
  }
}
