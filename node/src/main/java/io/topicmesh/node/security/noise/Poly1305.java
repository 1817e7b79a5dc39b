package io.topicmesh.node.security.noise;

import java.nio.ByteBuffer;

/**
 * Poly1305 one-time authenticator (RFC 8439 §2.5) with five 26-bit limbs in {@code long}s, so every
 * product and sum of ten products stays below 2^60 and needs no 128-bit arithmetic. Blocks are
 * taken in pairs, {@code h = (h + m1)·r² + m2·r}: the two products do not depend on each other, so
 * the CPU overlaps them, and the serial carry chain runs once per pair.
 *
 * <p>Written for the noise transport: the JDK 17 implementation (generic {@code IntegerPolynomial})
 * was a quarter of the CPU of a bulk transfer. One instance per key; not thread-safe. The buffers
 * passed in must be little-endian.
 */
final class Poly1305 {
  private static final long M26 = 0x3ffffffL;

  private final long r0;
  private final long r1;
  private final long r2;
  private final long r3;
  private final long r4;
  // r^2 mod 2^130-5 in 26-bit limbs: two blocks per step, (h + m1)·r^2 + m2·r, so the two products
  // are independent and the serial carry chain runs once per 32 bytes instead of once per 16.
  private final long q0;
  private final long q1;
  private final long q2;
  private final long q3;
  private final long q4;
  private final long padLo;
  private final long padHi;
  private long h0;
  private long h1;
  private long h2;
  private long h3;
  private long h4;

  /** A fresh authenticator for the 32-byte one-time key given as four little-endian longs. */
  Poly1305(long rLo, long rHi, long sLo, long sHi) {
    // Clamping (RFC 8439 §2.5.1) folded into the limb masks.
    r0 = rLo & 0x3ffffffL;
    r1 = (rLo >>> 26) & 0x3ffff03L;
    r2 = ((rLo >>> 52) | (rHi << 12)) & 0x3ffc0ffL;
    r3 = (rHi >>> 14) & 0x3f03fffL;
    r4 = (rHi >>> 40) & 0x00fffffL;
    long d0 = r0 * r0 + r1 * (r4 * 5) + r2 * (r3 * 5) + r3 * (r2 * 5) + r4 * (r1 * 5);
    long d1 = r0 * r1 + r1 * r0 + r2 * (r4 * 5) + r3 * (r3 * 5) + r4 * (r2 * 5);
    long d2 = r0 * r2 + r1 * r1 + r2 * r0 + r3 * (r4 * 5) + r4 * (r3 * 5);
    long d3 = r0 * r3 + r1 * r2 + r2 * r1 + r3 * r0 + r4 * (r4 * 5);
    long d4 = r0 * r4 + r1 * r3 + r2 * r2 + r3 * r1 + r4 * r0;
    d1 += d0 >>> 26;
    d2 += d1 >>> 26;
    d3 += d2 >>> 26;
    d4 += d3 >>> 26;
    long e0 = (d0 & M26) + (d4 >>> 26) * 5;
    long e1 = (d1 & M26) + (e0 >>> 26);
    q0 = e0 & M26;
    q1 = e1;
    q2 = d2 & M26;
    q3 = d3 & M26;
    q4 = d4 & M26;
    padLo = sLo;
    padHi = sHi;
  }

  /**
   * Absorbs {@code len} bytes of {@code buf} from {@code off}. A trailing partial block is
   * zero-padded to 16 bytes as the AEAD construction does (then it is a full block, high bit at
   * 2^128) if {@code aeadPadding}, otherwise it gets the plain Poly1305 0x01 terminator; either way
   * it must be the last call before {@link #tag}.
   */
  void update(ByteBuffer buf, int off, int len, boolean aeadPadding) {
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    long a3 = h3;
    long a4 = h4;
    final long b0 = r0;
    final long b1 = r1;
    final long b2 = r2;
    final long b3 = r3;
    final long b4 = r4;
    final long s1 = b1 * 5;
    final long s2 = b2 * 5;
    final long s3 = b3 * 5;
    final long s4 = b4 * 5;
    int end = off + len;
    int p = off;
    final long u0 = q0;
    final long u1 = q1;
    final long u2 = q2;
    final long u3 = q3;
    final long u4 = q4;
    final long t1 = u1 * 5;
    final long t2 = u2 * 5;
    final long t3 = u3 * 5;
    final long t4 = u4 * 5;
    while (end - p >= 32) {
      long lo = buf.getLong(p);
      long hi = buf.getLong(p + 8);
      long lo2 = buf.getLong(p + 16);
      long hi2 = buf.getLong(p + 24);
      p += 32;
      a0 += lo & M26;
      a1 += (lo >>> 26) & M26;
      a2 += ((lo >>> 52) | (hi << 12)) & M26;
      a3 += (hi >>> 14) & M26;
      a4 += (hi >>> 40) | (1L << 24);
      long m0 = lo2 & M26;
      long m1 = (lo2 >>> 26) & M26;
      long m2 = ((lo2 >>> 52) | (hi2 << 12)) & M26;
      long m3 = (hi2 >>> 14) & M26;
      long m4 = (hi2 >>> 40) | (1L << 24);

      long d0 = a0 * u0 + a1 * t4 + a2 * t3 + a3 * t2 + a4 * t1
          + m0 * b0 + m1 * s4 + m2 * s3 + m3 * s2 + m4 * s1;
      long d1 = a0 * u1 + a1 * u0 + a2 * t4 + a3 * t3 + a4 * t2
          + m0 * b1 + m1 * b0 + m2 * s4 + m3 * s3 + m4 * s2;
      long d2 = a0 * u2 + a1 * u1 + a2 * u0 + a3 * t4 + a4 * t3
          + m0 * b2 + m1 * b1 + m2 * b0 + m3 * s4 + m4 * s3;
      long d3 = a0 * u3 + a1 * u2 + a2 * u1 + a3 * u0 + a4 * t4
          + m0 * b3 + m1 * b2 + m2 * b1 + m3 * b0 + m4 * s4;
      long d4 = a0 * u4 + a1 * u3 + a2 * u2 + a3 * u1 + a4 * u0
          + m0 * b4 + m1 * b3 + m2 * b2 + m3 * b1 + m4 * b0;

      d1 += d0 >>> 26;
      a0 = d0 & M26;
      d2 += d1 >>> 26;
      a1 = d1 & M26;
      d3 += d2 >>> 26;
      a2 = d2 & M26;
      d4 += d3 >>> 26;
      a3 = d3 & M26;
      a0 += (d4 >>> 26) * 5;
      a4 = d4 & M26;
      a1 += a0 >>> 26;
      a0 &= M26;
    }
    long hibit = 1L << 24;
    while (p < end) {
      long lo;
      long hi;
      if (end - p >= 16) {
        lo = buf.getLong(p);
        hi = buf.getLong(p + 8);
        p += 16;
      } else {
        lo = 0;
        hi = 0;
        int n = end - p;
        for (int i = 0; i < n; i++) {
          long b = buf.get(p + i) & 0xffL;
          if (i < 8) {
            lo |= b << (8 * i);
          } else {
            hi |= b << (8 * (i - 8));
          }
        }
        if (!aeadPadding) {
          if (n < 8) {
            lo |= 1L << (8 * n);
          } else {
            hi |= 1L << (8 * (n - 8));
          }
          hibit = 0;
        }
        p = end;
      }
      a0 += lo & M26;
      a1 += (lo >>> 26) & M26;
      a2 += ((lo >>> 52) | (hi << 12)) & M26;
      a3 += (hi >>> 14) & M26;
      a4 += (hi >>> 40) | hibit;

      long d0 = a0 * b0 + a1 * s4 + a2 * s3 + a3 * s2 + a4 * s1;
      long d1 = a0 * b1 + a1 * b0 + a2 * s4 + a3 * s3 + a4 * s2;
      long d2 = a0 * b2 + a1 * b1 + a2 * b0 + a3 * s4 + a4 * s3;
      long d3 = a0 * b3 + a1 * b2 + a2 * b1 + a3 * b0 + a4 * s4;
      long d4 = a0 * b4 + a1 * b3 + a2 * b2 + a3 * b1 + a4 * b0;

      d1 += d0 >>> 26;
      a0 = d0 & M26;
      d2 += d1 >>> 26;
      a1 = d1 & M26;
      d3 += d2 >>> 26;
      a2 = d2 & M26;
      d4 += d3 >>> 26;
      a3 = d3 & M26;
      a0 += (d4 >>> 26) * 5;
      a4 = d4 & M26;
      a1 += a0 >>> 26;
      a0 &= M26;
    }
    h0 = a0;
    h1 = a1;
    h2 = a2;
    h3 = a3;
    h4 = a4;
  }

  /** Absorbs two little-endian longs as one AEAD block (the lengths block of RFC 8439 §2.8). */
  void updateBlock(long lo, long hi) {
    ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, lo).putLong(8, hi);
    update(b, 0, 16, true);
  }

  /** The tag's low 8 bytes in {@code [0]} and high 8 bytes in {@code [1]}, little-endian. */
  long[] tag() {
    long a0 = h0;
    long a1 = h1;
    long a2 = h2;
    long a3 = h3;
    long a4 = h4;
    // Full carry so every limb is below 2^26 (h < 2^130).
    a2 += a1 >>> 26;
    a1 &= M26;
    a3 += a2 >>> 26;
    a2 &= M26;
    a4 += a3 >>> 26;
    a3 &= M26;
    a0 += (a4 >>> 26) * 5;
    a4 &= M26;
    a1 += a0 >>> 26;
    a0 &= M26;
    // g = h + 5 - 2^130; if it is not negative, h >= p and g is the reduced value. No branch.
    long g0 = a0 + 5;
    long g1 = a1 + (g0 >>> 26);
    g0 &= M26;
    long g2 = a2 + (g1 >>> 26);
    g1 &= M26;
    long g3 = a3 + (g2 >>> 26);
    g2 &= M26;
    long g4 = a4 + (g3 >>> 26) - (1L << 26);
    g3 &= M26;
    long useG = ~(g4 >> 63);
    a0 = (a0 & ~useG) | (g0 & useG);
    a1 = (a1 & ~useG) | (g1 & useG);
    a2 = (a2 & ~useG) | (g2 & useG);
    a3 = (a3 & ~useG) | (g3 & useG);
    a4 = (a4 & ~useG) | (g4 & M26 & useG);
    long lo = a0 | (a1 << 26) | (a2 << 52);
    long hi = (a2 >>> 12) | (a3 << 14) | (a4 << 40);
    long sumLo = lo + padLo;
    long carry = ((lo & padLo) | ((lo | padLo) & ~sumLo)) >>> 63;
    return new long[] {sumLo, hi + padHi + carry};
  }
}
