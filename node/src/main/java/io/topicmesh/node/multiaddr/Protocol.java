package io.topicmesh.node.multiaddr;

import io.topicmesh.node.identity.InvalidPeerIdException;
import io.topicmesh.node.identity.PeerId;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The multiaddr protocols this node understands, with their multicodec codes and value rules
 * (multiformats multiaddr protocol table). Fixed-size values are stored bare; variable-size ones
 * carry a varint length prefix in the binary form.
 */
public enum Protocol {
  /** IPv4 address: 4 bytes, dotted-quad text. */
  IP4(4, "ip4", 4),
  /** TCP port: 2 bytes big-endian, decimal text. */
  TCP(6, "tcp", 2),
  /** IPv6 address: 16 bytes, RFC 5952 text. */
  IP6(41, "ip6", 16),
  /** DNS name resolved to any address family: UTF-8 text. */
  DNS(53, "dns", Protocol.VARIABLE),
  /** DNS name resolved to IPv4 only. */
  DNS4(54, "dns4", Protocol.VARIABLE),
  /** DNS name resolved to IPv6 only. */
  DNS6(55, "dns6", Protocol.VARIABLE),
  /** Peer id: the multihash in binary, base58btc text ({@code ipfs} is accepted as an alias). */
  P2P(421, "p2p", Protocol.VARIABLE);

  /** {@link #fixedSize()} of protocols whose values carry a length prefix. */
  public static final int VARIABLE = -1;

  /** Longest DNS name accepted, in UTF-8 bytes (the DNS limit). */
  public static final int MAX_DNS_NAME_BYTES = 255;

  /** Longest p2p value accepted: an identity multihash of a 42-byte key. */
  static final int MAX_P2P_BYTES = 2 + PeerId.MAX_INLINE_KEY_BYTES;

  private final int code;
  private final String text;
  private final int fixedSize;

  Protocol(int code, String text, int fixedSize) {
    this.code = code;
    this.text = text;
    this.fixedSize = fixedSize;
  }

  /** The multicodec code (the binary form's varint). */
  public int code() {
    return code;
  }

  /** The name in the text form, e.g. {@code ip4}. */
  public String text() {
    return text;
  }

  /** Size of the value in bytes, or {@link #VARIABLE}. */
  public int fixedSize() {
    return fixedSize;
  }

  /** Whether values carry a varint length prefix in the binary form. */
  public boolean isVariableSize() {
    return fixedSize == VARIABLE;
  }

  /**
   * The protocol with multicodec {@code code}.
   *
   * @throws InvalidMultiaddrException if this node does not support it
   */
  public static Protocol fromCode(long code) {
    for (Protocol p : values()) {
      if (p.code == code) {
        return p;
      }
    }
    throw new InvalidMultiaddrException("unsupported multiaddr protocol code " + code);
  }

  /**
   * The protocol named {@code text} in the text form; {@code ipfs} is the legacy name of {@code
   * p2p}.
   *
   * @throws InvalidMultiaddrException if this node does not support it
   */
  public static Protocol fromText(String text) {
    if ("ipfs".equals(text)) {
      return P2P;
    }
    for (Protocol p : values()) {
      if (p.text.equals(text)) {
        return p;
      }
    }
    throw new InvalidMultiaddrException("unsupported multiaddr protocol '" + text + "'");
  }

  /** Parses a value from text; throws IllegalArgumentException with the reason. */
  byte[] parseValue(String value) {
    return switch (this) {
      case IP4 -> IpText.parseIp4(value);
      case IP6 -> IpText.parseIp6(value);
      case TCP -> parsePort(value);
      case DNS, DNS4, DNS6 -> {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        checkDnsName(bytes, value);
        yield bytes;
      }
      case P2P -> {
        try {
          yield PeerId.parse(value).bytes();
        } catch (InvalidPeerIdException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      }
    };
  }

  /** Formats a value that {@link #validate} accepted. */
  String formatValue(byte[] value) {
    return switch (this) {
      case IP4 -> IpText.formatIp4(value);
      case IP6 -> IpText.formatIp6(value);
      case TCP -> Integer.toString(((value[0] & 0xFF) << 8) | (value[1] & 0xFF));
      case DNS, DNS4, DNS6 -> new String(value, StandardCharsets.UTF_8);
      case P2P -> PeerId.fromBytes(value).toBase58();
    };
  }

  /** Checks a binary value; throws IllegalArgumentException with the reason. */
  void validate(byte[] value) {
    if (fixedSize != VARIABLE && value.length != fixedSize) {
      throw new IllegalArgumentException(
          text + " value must be " + fixedSize + " bytes, got " + value.length);
    }
    switch (this) {
      case DNS, DNS4, DNS6 -> checkDnsName(value, decodeUtf8(value));
      case P2P -> {
        if (value.length > MAX_P2P_BYTES) {
          throw new IllegalArgumentException(
              "p2p value of " + value.length + " bytes exceeds the limit " + MAX_P2P_BYTES);
        }
        try {
          PeerId.fromBytes(value);
        } catch (InvalidPeerIdException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      }
      default -> {
        // fixed-size values: any bytes are valid
      }
    }
  }

  private static byte[] parsePort(String value) {
    boolean digits = value.chars().allMatch(c -> c >= '0' && c <= '9');
    if (value.isEmpty() || value.length() > 5 || !digits) {
      throw new IllegalArgumentException("'" + value + "' is not a port number (0-65535)");
    }
    int port = Integer.parseInt(value);
    if (port > 65535) {
      throw new IllegalArgumentException("port " + port + " is greater than 65535");
    }
    return new byte[] {(byte) (port >>> 8), (byte) port};
  }

  private static void checkDnsName(byte[] utf8, String name) {
    if (utf8.length == 0) {
      throw new IllegalArgumentException("DNS name is empty");
    }
    if (utf8.length > MAX_DNS_NAME_BYTES) {
      throw new IllegalArgumentException(
          "DNS name of " + utf8.length + " bytes exceeds the limit " + MAX_DNS_NAME_BYTES);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c < 0x20 || c == 0x7F) {
        throw new IllegalArgumentException(
            "DNS name contains "
                + (c == '/' ? "'/'" : String.format("control character \\u%04x", (int) c))
                + " at index "
                + i);
      }
    }
  }

  private static String decodeUtf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("DNS name is not valid UTF-8", e);
    }
  }
}
