package io.topicmesh.node.identity;

import io.topicmesh.node.util.Base32;
import io.topicmesh.node.util.Base58;
import io.topicmesh.node.util.Varint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;

/**
 * A libp2p peer id: the multihash of a public key's protobuf encoding (spec: peer-ids, "Peer
 * Ids"). Keys encoding to at most 42 bytes are inlined with the identity multihash (so the key can
 * be recovered from the id); longer ones are hashed with sha2-256.
 *
 * <p>Text forms: base58btc of the multihash ({@code 12D3KooW...}, {@code Qm...}; what {@link
 * #toString()} prints) and a CIDv1 with the {@code libp2p-key} codec in multibase ({@code bafz...};
 * {@link #toCid()}). Ordering is by the multihash bytes, unsigned.
 */
public final class PeerId implements Comparable<PeerId> {
  /** Keys whose encoding is at most this long are inlined (identity multihash). */
  public static final int MAX_INLINE_KEY_BYTES = 42;

  /** Multihash code of the identity "hash". */
  public static final int MULTIHASH_IDENTITY = 0x00;

  /** Multihash code of sha2-256. */
  public static final int MULTIHASH_SHA2_256 = 0x12;

  /** Multicodec of a CID holding a peer id. */
  public static final int CODEC_LIBP2P_KEY = 0x72;

  /** Longest text {@link #parse} looks at; real peer ids are well under 100 characters. */
  public static final int MAX_TEXT_CHARS = 256;

  private static final int SHA2_256_BYTES = 32;

  private final byte[] multihash;
  private final int hash;
  // Decoded on first use: every message of an identity-multihash peer is checked against it.
  private volatile Optional<PubKey> inlinedKey;

  private PeerId(byte[] multihash) {
    this.multihash = multihash;
    this.hash = Arrays.hashCode(multihash);
  }

  /** The peer id of {@code key}. */
  public static PeerId fromPublicKey(PubKey key) {
    byte[] encoded = key.bytes();
    if (encoded.length <= MAX_INLINE_KEY_BYTES) {
      return new PeerId(multihash(MULTIHASH_IDENTITY, encoded));
    }
    return new PeerId(multihash(MULTIHASH_SHA2_256, sha256(encoded)));
  }

  /**
   * A peer id from its binary multihash.
   *
   * @throws InvalidPeerIdException unless {@code multihash} is exactly one identity multihash of at
   *     most {@value #MAX_INLINE_KEY_BYTES} bytes or one sha2-256 multihash of 32 bytes
   */
  public static PeerId fromBytes(byte[] multihash) {
    if (multihash == null || multihash.length == 0) {
      throw new InvalidPeerIdException("peer id multihash is empty");
    }
    long code;
    long length;
    int pos;
    try {
      long[] c = Varint.decode(multihash, 0, Integer.MAX_VALUE);
      code = c[0];
      pos = (int) c[1];
      long[] l = Varint.decode(multihash, pos, Integer.MAX_VALUE);
      length = l[0];
      pos += (int) l[1];
    } catch (Varint.VarintException e) {
      throw new InvalidPeerIdException("peer id multihash is malformed: " + e.getMessage(), e);
    }
    if (code == MULTIHASH_IDENTITY) {
      if (length > MAX_INLINE_KEY_BYTES) {
        throw new InvalidPeerIdException(
            "identity-multihash peer id inlines "
                + length
                + " bytes; at most "
                + MAX_INLINE_KEY_BYTES
                + " are allowed");
      }
    } else if (code == MULTIHASH_SHA2_256) {
      if (length != SHA2_256_BYTES) {
        throw new InvalidPeerIdException(
            "sha2-256 peer id digest must be 32 bytes, the multihash declares " + length);
      }
    } else {
      throw new InvalidPeerIdException(
          "peer id multihash code 0x"
              + Long.toHexString(code)
              + " is not identity (0x00) or sha2-256 (0x12)");
    }
    long actual = multihash.length - pos;
    if (actual != length) {
      throw new InvalidPeerIdException(
          "peer id multihash declares a " + length + "-byte digest but holds " + actual + " bytes");
    }
    return new PeerId(multihash.clone());
  }

  /**
   * Parses a peer id from text: a base58btc multihash ({@code 1...}, {@code Qm...}) or a CIDv1
   * with the {@code libp2p-key} codec in multibase base32 ({@code b}/{@code B}), base58btc ({@code
   * z}) or base16 ({@code f}/{@code F}).
   *
   * @throws InvalidPeerIdException saying what was wrong with the text
   */
  public static PeerId parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidPeerIdException("peer id text is empty");
    }
    if (text.length() > MAX_TEXT_CHARS) {
      throw new InvalidPeerIdException(
          "peer id text of " + text.length() + " characters exceeds the limit " + MAX_TEXT_CHARS);
    }
    if (text.charAt(0) == '1' || text.startsWith("Qm")) {
      byte[] bytes;
      try {
        bytes = Base58.decode(text);
      } catch (IllegalArgumentException e) {
        throw new InvalidPeerIdException(
            "peer id '" + text + "' is not valid base58btc: " + e.getMessage(), e);
      }
      try {
        return fromBytes(bytes);
      } catch (InvalidPeerIdException e) {
        throw new InvalidPeerIdException("peer id '" + text + "': " + e.getMessage(), e);
      }
    }
    byte[] cid;
    String body = text.substring(1);
    try {
      cid =
          switch (text.charAt(0)) {
            case 'b' -> {
              if (!body.equals(body.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("multibase 'b' must be lowercase base32");
              }
              yield Base32.decode(body);
            }
            case 'B' -> {
              if (!body.equals(body.toUpperCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException("multibase 'B' must be uppercase base32");
              }
              yield Base32.decode(body);
            }
            case 'z' -> Base58.decode(body);
            case 'f', 'F' -> decodeHex(body);
            default ->
                throw new InvalidPeerIdException(
                    "peer id '"
                        + text
                        + "' is neither a base58btc multihash (starting '1' or 'Qm') nor a"
                        + " multibase CID (starting 'b', 'B', 'z', 'f' or 'F')");
          };
    } catch (InvalidPeerIdException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new InvalidPeerIdException(
          "peer id CID '" + text + "' has a bad multibase encoding: " + e.getMessage(), e);
    }
    try {
      return fromCidBytes(cid);
    } catch (InvalidPeerIdException e) {
      throw new InvalidPeerIdException("peer id CID '" + text + "': " + e.getMessage(), e);
    }
  }

  private static PeerId fromCidBytes(byte[] cid) {
    int pos;
    try {
      long[] version = Varint.decode(cid, 0, Integer.MAX_VALUE);
      if (version[0] != 1) {
        throw new InvalidPeerIdException("CID version " + version[0] + " is not 1");
      }
      pos = (int) version[1];
      long[] codec = Varint.decode(cid, pos, Integer.MAX_VALUE);
      if (codec[0] != CODEC_LIBP2P_KEY) {
        throw new InvalidPeerIdException(
            "CID codec 0x" + Long.toHexString(codec[0]) + " is not libp2p-key (0x72)");
      }
      pos += (int) codec[1];
    } catch (Varint.VarintException e) {
      throw new InvalidPeerIdException("malformed CID: " + e.getMessage(), e);
    }
    return fromBytes(Arrays.copyOfRange(cid, pos, cid.length));
  }

  private static byte[] decodeHex(String hex) {
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException("odd number of hex digits");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("invalid hex digit near index " + 2 * i);
      }
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }

  /** The binary multihash. */
  public byte[] bytes() {
    return multihash.clone();
  }

  /** The legacy (and default) text form: base58btc of the multihash. */
  public String toBase58() {
    return Base58.encode(multihash);
  }

  /** The CIDv1 text form: multibase base32 of (version 1, libp2p-key, multihash). */
  public String toCid() {
    byte[] cid = new byte[2 + multihash.length];
    cid[0] = 1;
    cid[1] = CODEC_LIBP2P_KEY;
    System.arraycopy(multihash, 0, cid, 2, multihash.length);
    return "b" + Base32.encode(cid);
  }

  /**
   * The public key inlined in an identity-multihash peer id; empty for sha2-256 ids (the key has
   * to come from elsewhere, e.g. the handshake) and for inlined bytes that are not a valid key.
   */
  public Optional<PubKey> publicKey() {
    Optional<PubKey> key = inlinedKey;
    if (key == null) {
      key = decodeInlinedKey();
      inlinedKey = key;
    }
    return key;
  }

  private Optional<PubKey> decodeInlinedKey() {
    if (multihash[0] != MULTIHASH_IDENTITY) {
      return Optional.empty();
    }
    try {
      return Optional.of(PubKey.unmarshal(Arrays.copyOfRange(multihash, 2, multihash.length)));
    } catch (InvalidKeyException e) {
      return Optional.empty();
    }
  }

  /** Whether this peer id is the one derived from {@code key}. */
  public boolean matches(PubKey key) {
    return key != null && equals(fromPublicKey(key));
  }

  @Override
  public int compareTo(PeerId other) {
    return Arrays.compareUnsigned(multihash, other.multihash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PeerId other && Arrays.equals(multihash, other.multihash);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return toBase58();
  }

  private static byte[] multihash(int code, byte[] digest) {
    // Both codes and every digest length used here (<= 42) fit one varint byte.
    byte[] out = new byte[2 + digest.length];
    out[0] = (byte) code;
    out[1] = (byte) digest.length;
    System.arraycopy(digest, 0, out, 2, digest.length);
    return out;
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
