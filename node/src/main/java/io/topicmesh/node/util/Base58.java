package io.topicmesh.node.util;

import java.util.Arrays;

/**
 * Base58 with the Bitcoin alphabet (multibase "base58btc", prefix {@code z}): the text form of
 * peer ids. Leading zero bytes map to leading {@code '1'} characters.
 *
 * <p>Both directions are quadratic in the input length, so {@link #decode} takes no more than
 * {@link #MAX_DECODE_CHARS} characters; callers with a tighter protocol bound check it first.
 */
public final class Base58 {
  /** Longest text {@link #decode} accepts. */
  public static final int MAX_DECODE_CHARS = 1024;

  private static final char[] ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEXES = new int[128];

  static {
    Arrays.fill(INDEXES, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEXES[ALPHABET[i]] = i;
    }
  }

  private Base58() {}

  /** Encodes {@code data} as base58btc text. */
  public static String encode(byte[] data) {
    int zeros = 0;
    while (zeros < data.length && data[zeros] == 0) {
      zeros++;
    }
    // log(256)/log(58) < 1.37: enough digits for the non-zero part.
    int size = (data.length - zeros) * 138 / 100 + 1;
    byte[] digits = new byte[size];
    int length = 0;
    for (int i = zeros; i < data.length; i++) {
      int carry = data[i] & 0xFF;
      int j = 0;
      for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++) {
        carry += 256 * (digits[k] & 0xFF);
        digits[k] = (byte) (carry % 58);
        carry /= 58;
      }
      length = j;
    }
    int start = size - length;
    while (start < size && digits[start] == 0) {
      start++;
    }
    StringBuilder out = new StringBuilder(zeros + size - start);
    for (int i = 0; i < zeros; i++) {
      out.append('1');
    }
    for (int i = start; i < size; i++) {
      out.append(ALPHABET[digits[i]]);
    }
    return out.toString();
  }

  /**
   * Decodes base58btc text.
   *
   * @throws IllegalArgumentException naming the first character outside the alphabet, or if the
   *     text is longer than {@link #MAX_DECODE_CHARS}
   */
  public static byte[] decode(CharSequence text) {
    if (text.length() > MAX_DECODE_CHARS) {
      throw new IllegalArgumentException(
          "base58 text of " + text.length() + " characters exceeds the limit " + MAX_DECODE_CHARS);
    }
    int zeros = 0;
    while (zeros < text.length() && text.charAt(zeros) == '1') {
      zeros++;
    }
    // log(58)/log(256) < 0.733
    int size = (text.length() - zeros) * 733 / 1000 + 1;
    byte[] bytes = new byte[size];
    int length = 0;
    for (int i = zeros; i < text.length(); i++) {
      char c = text.charAt(i);
      int digit = c < 128 ? INDEXES[c] : -1;
      if (digit < 0) {
        throw new IllegalArgumentException(
            "invalid base58 character '" + printable(c) + "' at index " + i);
      }
      int carry = digit;
      int j = 0;
      for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++) {
        carry += 58 * (bytes[k] & 0xFF);
        bytes[k] = (byte) carry;
        carry >>>= 8;
      }
      length = j;
    }
    int start = size - length;
    while (start < size && bytes[start] == 0) {
      start++;
    }
    byte[] out = new byte[zeros + size - start];
    System.arraycopy(bytes, start, out, zeros, size - start);
    return out;
  }

  static String printable(char c) {
    return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
  }
}
