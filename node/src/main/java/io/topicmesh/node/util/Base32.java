package io.topicmesh.node.util;

/**
 * RFC 4648 base32 without padding, lowercase: multibase "base32" (prefix {@code b}), the default
 * text form of CIDs such as CID peer ids.
 */
public final class Base32 {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private Base32() {}

  /** Encodes {@code data} as lowercase base32 without padding. */
  public static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  /**
   * Decodes lowercase unpadded base32. Uppercase letters are accepted too (multibase {@code B} is
   * the same alphabet in upper case); padding is not.
   *
   * @throws IllegalArgumentException for a character outside the alphabet, an impossible length or
   *     non-zero bits after the last whole byte (a non-canonical encoding)
   */
  public static byte[] decode(CharSequence text) {
    int n = text.length();
    int rem = n % 8;
    if (rem == 1 || rem == 3 || rem == 6) {
      throw new IllegalArgumentException("base32 text of length " + n + " is truncated");
    }
    byte[] out = new byte[n * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int o = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      int v;
      if (c >= 'a' && c <= 'z') {
        v = c - 'a';
      } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A';
      } else if (c >= '2' && c <= '7') {
        v = c - '2' + 26;
      } else {
        throw new IllegalArgumentException(
            "invalid base32 character '" + Base58.printable(c) + "' at index " + i);
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out[o++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("base32 text has non-zero trailing bits");
    }
    return out;
  }
}
