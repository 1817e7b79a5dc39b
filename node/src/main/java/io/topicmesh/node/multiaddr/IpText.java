package io.topicmesh.node.multiaddr;

/**
 * IP address text without name resolution (InetAddress would try DNS for anything that is not a
 * literal, and folds IPv4-mapped IPv6 into IPv4). IPv6 is printed as RFC 5952 recommends, with
 * IPv4-mapped addresses as {@code ::ffff:a.b.c.d} (what go-multiaddr prints).
 */
final class IpText {
  private IpText() {}

  static byte[] parseIp4(String text) {
    byte[] out = new byte[4];
    if (!parseIp4Into(text, out, 0)) {
      throw new IllegalArgumentException("'" + text + "' is not a dotted-quad IPv4 address");
    }
    return out;
  }

  private static boolean parseIp4Into(String text, byte[] out, int offset) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (int i = 0; i < 4; i++) {
      String p = parts[i];
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
        return false;
      }
      int v = 0;
      for (int j = 0; j < p.length(); j++) {
        char c = p.charAt(j);
        if (c < '0' || c > '9') {
          return false;
        }
        v = v * 10 + (c - '0');
      }
      if (v > 255) {
        return false;
      }
      out[offset + i] = (byte) v;
    }
    return true;
  }

  static String formatIp4(byte[] b) {
    return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
  }

  static byte[] parseIp6(String text) {
    byte[] out = parseIp6OrNull(text);
    if (out == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
    }
    return out;
  }

  private static byte[] parseIp6OrNull(String text) {
    if (text.length() < 2 || text.length() > 45) {
      return null;
    }
    int gap = text.indexOf("::");
    if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String head = gap >= 0 ? text.substring(0, gap) : text;
    String tail = gap >= 0 ? text.substring(gap + 2) : "";
    byte[] headBytes = new byte[16];
    byte[] tailBytes = new byte[16];
    int headLen = parseGroups(head, headBytes, gap < 0);
    if (headLen < 0) {
      return null;
    }
    int tailLen = parseGroups(tail, tailBytes, true);
    if (tailLen < 0) {
      return null;
    }
    if (gap < 0) {
      return headLen == 16 ? headBytes : null;
    }
    // "::" stands for at least one zero group.
    if (headLen + tailLen > 14) {
      return null;
    }
    byte[] out = new byte[16];
    System.arraycopy(headBytes, 0, out, 0, headLen);
    System.arraycopy(tailBytes, 0, out, 16 - tailLen, tailLen);
    return out;
  }

  /**
   * Parses colon-separated hex groups into {@code out}; the last group may be a dotted quad when
   * {@code ipv4Allowed}. Returns the number of bytes written, or -1.
   */
  private static int parseGroups(String text, byte[] out, boolean ipv4Allowed) {
    if (text.isEmpty()) {
      return 0;
    }
    String[] groups = text.split(":", -1);
    int n = 0;
    for (int i = 0; i < groups.length; i++) {
      String g = groups[i];
      if (i == groups.length - 1 && ipv4Allowed && g.indexOf('.') >= 0) {
        if (n + 4 > 16 || !parseIp4Into(g, out, n)) {
          return -1;
        }
        return n + 4;
      }
      if (g.isEmpty() || g.length() > 4 || n + 2 > 16) {
        return -1;
      }
      int v = 0;
      for (int j = 0; j < g.length(); j++) {
        int d = Character.digit(g.charAt(j), 16);
        if (d < 0 || g.charAt(j) > 'f') {
          return -1;
        }
        v = (v << 4) | d;
      }
      out[n++] = (byte) (v >>> 8);
      out[n++] = (byte) v;
    }
    return n;
  }

  static String formatIp6(byte[] b) {
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= b[i] == 0;
    }
    if (mapped && (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF) {
      return "::ffff:" + (b[12] & 0xFF) + "." + (b[13] & 0xFF) + "." + (b[14] & 0xFF) + "."
          + (b[15] & 0xFF);
    }
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    // The longest run of two or more zero groups is shortened to "::"; the first one on a tie.
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (groups[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder out = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        out.append("::");
        i += bestLen - 1;
        continue;
      }
      if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
        out.append(':');
      }
      out.append(Integer.toHexString(groups[i]));
    }
    return out.toString();
  }
}
