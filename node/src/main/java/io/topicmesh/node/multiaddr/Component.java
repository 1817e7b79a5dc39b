package io.topicmesh.node.multiaddr;

import java.util.Arrays;
import java.util.Objects;

/**
 * One protocol/value pair of a multiaddr, e.g. {@code /tcp/4001}. The value is in binary form and
 * validated on construction; {@link #value()} returns a copy.
 */
public record Component(Protocol protocol, byte[] value) {
  /**
   * @throws InvalidMultiaddrException if {@code value} is not a valid value of {@code protocol}
   */
  public Component {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(value, "value");
    value = value.clone();
    try {
      protocol.validate(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidMultiaddrException(
          "invalid /" + protocol.text() + " value: " + e.getMessage(), e);
    }
  }

  /**
   * Parses {@code text} as a value of {@code protocol}, e.g. {@code (TCP, "4001")}.
   *
   * @throws InvalidMultiaddrException if it is not one
   */
  public static Component parse(Protocol protocol, String text) {
    try {
      return new Component(protocol, protocol.parseValue(text));
    } catch (InvalidMultiaddrException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new InvalidMultiaddrException(
          "invalid /" + protocol.text() + " value: " + e.getMessage(), e);
    }
  }

  /** A copy of the binary value. */
  @Override
  public byte[] value() {
    return value.clone();
  }

  /** The value in the text form: dotted quad, RFC 5952 IPv6, decimal port, name, base58 id. */
  public String valueString() {
    return protocol.formatValue(value);
  }

  byte[] valueUnsafe() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Component c && c.protocol == protocol && Arrays.equals(c.value, value);
  }

  @Override
  public int hashCode() {
    return 31 * protocol.hashCode() + Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    return "/" + protocol.text() + "/" + valueString();
  }
}
